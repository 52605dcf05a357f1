"""The own account, and administration: every route's success and refusal."""

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text, update

from app.core.config import Settings
from app.main import create_app
from app.models.user import User
from app.services.user_service import UserService
from tests.integration.conftest import PASSWORD, create_user, login
from tests.signing_in import bearer

ME = "/api/v1/users/me"
USERS = "/api/v1/users"


# --- The own account ------------------------------------------------------------------------------


async def test_read_me(client: AsyncClient, user: User, user_headers: dict[str, str]) -> None:
    response = await client.get(ME, headers=user_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id
    assert body["email"] == "ada@example.com"
    assert set(body) == {
        "id",
        "email",
        "full_name",
        "is_active",
        "is_superuser",
{%- if cookiecutter.__email %}
        "is_verified",
{%- endif %}
        "created_at",
    }


async def test_update_my_name(client: AsyncClient, user_headers: dict[str, str]) -> None:
    response = await client.patch(ME, json={"full_name": "Ada King"}, headers=user_headers)
    assert response.status_code == 200
    assert response.json()["full_name"] == "Ada King"
    assert (await client.get(ME, headers=user_headers)).json()["full_name"] == "Ada King"


async def test_mass_assignment_of_role_and_state_is_ignored(
    client: AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.patch(
        ME,
        json={"is_superuser": True, "is_active": False, "id": 99, "hashed_password": "x"},
        headers=user_headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["is_superuser"] is False
    assert body["is_active"] is True
    assert body["id"] != 99
    # Still an ordinary user: the admin routes stay closed.
    assert (await client.get(USERS, headers=user_headers)).status_code == 403


async def test_changing_my_email_needs_the_current_password(
    client: AsyncClient, user: User, user_headers: dict[str, str]
) -> None:
    without = await client.patch(ME, json={"email": "new@example.com"}, headers=user_headers)
    wrong = await client.patch(
        ME,
        json={"email": "new@example.com", "current_password": "not my password"},
        headers=user_headers,
    )
    right = await client.patch(
        ME,
        json={"email": "New@Example.com", "current_password": PASSWORD},
        headers=user_headers,
    )
    assert without.status_code == 403
    assert wrong.status_code == 403
    needs = {"detail": "Changing the e-mail address needs the current password"}
    assert (without.json(), wrong.json()) == (needs, needs)
    assert right.status_code == 200
    assert right.json()["email"] == "new@example.com"
    await login(client, "new@example.com")


async def test_changing_one_field_of_my_account_keeps_the_others(
    client: AsyncClient, user_headers: dict[str, str]
) -> None:
    await client.patch(ME, json={"full_name": "Ada King"}, headers=user_headers)
    moved = await client.patch(
        ME, json={"email": "new@example.com", "current_password": PASSWORD}, headers=user_headers
    )
    assert (moved.json()["email"], moved.json()["full_name"]) == ("new@example.com", "Ada King")
    # An explicit null leaves the e-mail address as it is, and clears the name.
    cleared = await client.patch(ME, json={"email": None, "full_name": None}, headers=user_headers)
    assert (cleared.json()["email"], cleared.json()["full_name"]) == ("new@example.com", None)
    named = await client.patch(ME, json={"email": None, "full_name": "Ada"}, headers=user_headers)
    assert (named.json()["email"], named.json()["full_name"]) == ("new@example.com", "Ada")


async def test_wrong_current_passwords_count_as_failed_logins(
    client: AsyncClient, user_headers: dict[str, str]
) -> None:
    change = {"email": "new@example.com", "current_password": "guess"}
    for _ in range(5):
        assert (await client.patch(ME, json=change, headers=user_headers)).status_code == 403
    limited = await client.patch(ME, json=change, headers=user_headers)
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers


async def test_the_right_current_password_clears_the_failures(
    client: AsyncClient, user_headers: dict[str, str]
) -> None:
    """Shown with password changes: the account (its e-mail address) stays the same."""
    password = "/api/v1/auth/password"
    wrong = {"current_password": "guess", "new_password": "another sturdy passphrase"}
    for _ in range(4):
        assert (await client.post(password, json=wrong, headers=user_headers)).status_code == 403
    right = {"current_password": PASSWORD, "new_password": "another sturdy passphrase"}
    changed = await client.post(password, json=right, headers=user_headers)
    assert changed.status_code == {% if cookiecutter.auth_mode == "jwt" %}200{% else %}204{% endif %}
{%- if cookiecutter.auth_mode == "jwt" %}
    user_headers = bearer(changed.json())
{%- endif %}
    for _ in range(5):  # the account starts afresh: five more before the limit
        assert (await client.post(password, json=wrong, headers=user_headers)).status_code == 403


async def test_ending_sign_ins_moves_the_epoch_of_the_users_object_by_one(
    app: FastAPI, user: User
) -> None:
    """Callers go on with the object they passed (a new sign-in records its epoch), even one
    loaded by another database session, as this one was."""
    resources = app.state.resources
    assert user.auth_epoch == 0
    async with resources.sessionmaker() as db:
        await UserService(db, resources).end_sign_ins(user)
        await db.commit()
    assert user.auth_epoch == 1
    async with resources.sessionmaker() as db:
        assert (await db.get_one(User, user.id)).auth_epoch == 1


async def test_changing_my_email_to_one_in_use_is_409(
    client: AsyncClient, admin: User, user_headers: dict[str, str]
) -> None:
    response = await client.patch(
        ME, json={"email": admin.email.upper(), "current_password": PASSWORD}, headers=user_headers
    )
    assert response.status_code == 409


async def test_update_me_validates_lengths(
    client: AsyncClient, user_headers: dict[str, str]
) -> None:
    for bad_name in ("x" * 256, "", "nul\x00byte"):
        response = await client.patch(ME, json={"full_name": bad_name}, headers=user_headers)
        assert response.status_code == 422


async def test_a_deactivated_users_token_is_refused_at_once(
    client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    tokens = await login(client, user.email)
    response = await client.post(f"{USERS}/{user.id}/deactivate", headers=admin_headers)
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
{%- if cookiecutter.auth_mode == "jwt" %}
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
{%- endif %}
    relogin = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert relogin.status_code == 401
    assert relogin.json() == {"detail": "Incorrect e-mail or password"}


async def test_an_inactive_account_is_refused_even_with_its_sign_ins_open(
    app: FastAPI, client: AsyncClient, user: User
) -> None:
    """The account's state is checked, not only its auth epoch: here it is changed by hand,
    as a script or a database console would, and the epoch stays. A request that changes
    something reads the account in its own transaction (a safe one may be answered from the
    shared cache, which only the app's own changes invalidate, for its short lifetime)."""
    headers = bearer(await login(client, user.email))
    assert (await client.get(ME, headers=headers)).status_code == 200
    async with app.state.resources.sessionmaker() as db:
        await db.execute(update(User).where(User.id == user.id).values(is_active=False))
        await db.commit()
    response = await client.patch(ME, json={"full_name": "Ada"}, headers=headers)
    assert response.status_code == 401


async def test_a_deleted_users_token_is_refused(
    client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    tokens = await login(client, user.email)
    assert (await client.delete(f"{USERS}/{user.id}", headers=admin_headers)).status_code == 204
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    assert (await client.get(f"{USERS}/{user.id}", headers=admin_headers)).status_code == 404


# --- Other people's accounts ------------------------------------------------------------------------


async def test_a_user_cannot_read_or_change_another_user(
    app: FastAPI, client: AsyncClient, user_headers: dict[str, str]
) -> None:
    other = await create_user(app, "grace@example.com")
    attempts = [
        await client.get(USERS, headers=user_headers),
        await client.get(f"{USERS}/{other.id}", headers=user_headers),
        await client.patch(f"{USERS}/{other.id}", json={"full_name": "x"}, headers=user_headers),
        await client.post(f"{USERS}/{other.id}/deactivate", headers=user_headers),
        await client.delete(f"{USERS}/{other.id}", headers=user_headers),
        # Also for ids that do not exist: no way to probe which ones do.
        await client.get(f"{USERS}/999999", headers=user_headers),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert response.json() == {"detail": "Not enough permissions"}
    assert (await client.get(ME, headers=bearer(await login(client, "grace@example.com")))).json()[
        "full_name"
    ] is None


async def test_admin_routes_need_a_token(client: AsyncClient, user: User) -> None:
    for method, path in [
        ("GET", USERS),
        ("GET", f"{USERS}/{user.id}"),
        ("DELETE", f"{USERS}/{user.id}"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 401


# --- Administration ----------------------------------------------------------------------------------


async def test_admin_lists_users_with_pagination_and_total(
    app: FastAPI, client: AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    for number in range(4):
        await create_user(app, f"user{number}@example.com")
    first = await client.get(USERS, params={"limit": 2}, headers=admin_headers)
    last = await client.get(USERS, params={"limit": 2, "offset": 4}, headers=admin_headers)
    assert first.status_code == 200
    assert first.json()["total"] == 5
    assert [u["email"] for u in first.json()["items"]] == [admin.email, "user0@example.com"]
    assert [u["email"] for u in last.json()["items"]] == ["user3@example.com"]
    assert last.json()["offset"] == 4


async def test_admin_list_is_in_id_order_even_after_updates(
    app: FastAPI, client: AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    """PostgreSQL returns rows in no given order without ORDER BY: an updated row's new
    version is stored after the others."""
    users = [await create_user(app, f"user{number}@example.com") for number in range(3)]
    renamed = await client.patch(
        f"{USERS}/{users[0].id}", json={"full_name": "Renamed"}, headers=admin_headers
    )
    assert renamed.status_code == 200
    listed = await client.get(USERS, headers=admin_headers)
    assert [u["id"] for u in listed.json()["items"]] == [admin.id, *(u.id for u in users)]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}])
async def test_admin_list_refuses_bad_pagination(
    client: AsyncClient, admin_headers: dict[str, str], params: dict[str, Any]
) -> None:
    assert (await client.get(USERS, params=params, headers=admin_headers)).status_code == 422


async def test_admin_reads_a_user(
    client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.get(f"{USERS}/{user.id}", headers=admin_headers)
    assert response.status_code == 200
    assert response.json()["email"] == user.email


@pytest.mark.parametrize(
    ("user_id", "status"), [("999999", 404), ("0", 422), (str(2**63), 422), ("abc", 404)]
)
async def test_admin_missing_or_impossible_user_ids(
    client: AsyncClient, admin_headers: dict[str, str], user_id: str, status: int
) -> None:
    """No such account: 404; not an id at all: no such route, 404; out of range: 422."""
    response = await client.get(f"{USERS}/{user_id}", headers=admin_headers)
    assert response.status_code == status


async def test_admin_updates_a_user_and_can_grant_the_role(
    client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(
        f"{USERS}/{user.id}",
        json={"full_name": "Countess", "is_superuser": True},
        headers=admin_headers,
    )
    assert response.status_code == 200
    assert response.json()["is_superuser"] is True
    promoted = bearer(await login(client, user.email))
    assert (await client.get(USERS, headers=promoted)).status_code == 200


async def test_admin_update_to_an_email_in_use_is_409(
    client: AsyncClient, user: User, admin: User, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(
        f"{USERS}/{user.id}", json={"email": admin.email}, headers=admin_headers
    )
    assert response.status_code == 409


async def test_admin_update_deactivate_and_delete_missing_user_is_404(
    client: AsyncClient, admin_headers: dict[str, str]
) -> None:
    responses = [
        await client.patch(f"{USERS}/999999", json={"full_name": "x"}, headers=admin_headers),
        await client.post(f"{USERS}/999999/deactivate", headers=admin_headers),
        await client.delete(f"{USERS}/999999", headers=admin_headers),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert responses[0].json() == {"detail": "User not found"}


async def test_admin_reactivates_a_user(
    client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    await client.post(f"{USERS}/{user.id}/deactivate", headers=admin_headers)
    response = await client.patch(
        f"{USERS}/{user.id}", json={"is_active": True}, headers=admin_headers
    )
    assert response.json()["is_active"] is True
    await login(client, user.email)


async def test_admin_deactivation_by_update_ends_the_users_sign_ins_for_good(
    client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    """`PATCH is_active=false` ends the sign-ins as `/deactivate` does: reactivating the
    account does not bring them back."""
    tokens = await login(client, user.email)
    response = await client.patch(
        f"{USERS}/{user.id}", json={"is_active": False}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
    response = await client.patch(
        f"{USERS}/{user.id}", json={"is_active": True}, headers=admin_headers
    )
    assert response.json()["is_active"] is True
    assert (await client.get(ME, headers=bearer(tokens))).status_code == 401
{%- if cookiecutter.auth_mode == "jwt" %}
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
{%- endif %}
    assert (
        await client.get(ME, headers=bearer(await login(client, user.email)))
    ).status_code == 200


async def test_other_admin_changes_keep_the_users_sign_ins(
    client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    """Only a deactivation ends them: a new name, the role, or `is_active=true` on an active
    account do not."""
    tokens = await login(client, user.email)
    for change in ({"full_name": "Countess"}, {"is_superuser": True}, {"is_active": True}):
        response = await client.patch(f"{USERS}/{user.id}", json=change, headers=admin_headers)
        assert response.status_code == 200
        assert (await client.get(ME, headers=bearer(tokens))).status_code == 200


async def test_admin_update_changes_only_the_fields_sent(
    client: AsyncClient, user: User, admin_headers: dict[str, str]
) -> None:
    named = await client.patch(
        f"{USERS}/{user.id}", json={"full_name": "Countess"}, headers=admin_headers
    )
    assert named.json()["full_name"] == "Countess"
    response = await client.patch(
        f"{USERS}/{user.id}", json={"is_superuser": True}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Countess"
    assert response.json()["is_superuser"] is True


async def test_admins_may_change_their_own_account_but_not_lock_themselves_out(
    client: AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    for change in ({"full_name": "Root"}, {"is_active": True}, {"is_superuser": True}):
        response = await client.patch(f"{USERS}/{admin.id}", json=change, headers=admin_headers)
        assert response.status_code == 200, change
    assert response.json()["full_name"] == "Root"


async def test_admins_cannot_lock_themselves_out(
    client: AsyncClient, admin: User, admin_headers: dict[str, str]
) -> None:
    responses = [
        await client.post(f"{USERS}/{admin.id}/deactivate", headers=admin_headers),
        await client.delete(f"{USERS}/{admin.id}", headers=admin_headers),
        await client.patch(
            f"{USERS}/{admin.id}", json={"is_superuser": False}, headers=admin_headers
        ),
        await client.patch(f"{USERS}/{admin.id}", json={"is_active": False}, headers=admin_headers),
    ]
    assert [r.status_code for r in responses] == [409, 409, 409, 409]
    assert [r.json()["detail"] for r in responses] == [
        "Administrators cannot deactivate themselves",
        "Administrators cannot delete themselves",
        "Administrators cannot deactivate or demote themselves",
        "Administrators cannot deactivate or demote themselves",
    ]
    assert (await client.get(USERS, headers=admin_headers)).status_code == 200
    me = (await client.get(ME, headers=admin_headers)).json()
    assert (me["is_active"], me["is_superuser"]) == (True, True)


async def test_a_full_pool_answers_503_not_500(settings: Settings, user: User) -> None:
    """Every connection taken: a request waits DB_POOL_TIMEOUT, then gets 503 and Retry-After."""
    small = {"DB_POOL_SIZE": 1, "DB_MAX_OVERFLOW": 0, "DB_POOL_TIMEOUT": 0.5}
    app = create_app(Settings.model_validate(settings.model_dump() | small))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        headers = bearer(await login(client, user.email))
        async with app.state.resources.engine.connect() as held:
            await held.execute(text("SELECT 1"))
            async with asyncio.timeout(10):
                response = await client.get(ME, headers=headers)
        assert response.status_code == 503
        assert response.json() == {"detail": "Service unavailable: try again shortly"}
        assert int(response.headers["Retry-After"]) > 0
        assert (await client.get(ME, headers=headers)).status_code == 200
