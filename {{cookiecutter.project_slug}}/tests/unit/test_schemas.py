"""Request schemas: e-mail normalisation, password rules, no mass assignment."""

import pytest
from pydantic import ValidationError

from app.schemas.user import (
    LoginRequest,
    PasswordChangeRequest,
    UserAdminUpdate,
    UserCreate,
    UserUpdate,
)

GOOD = "a sturdy test passphrase"


def test_email_is_normalised_to_lower_case() -> None:
    assert UserCreate(email="Ada@Example.COM", password=GOOD).email == "ada@example.com"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("€" * 25, "at most 72 bytes"),
        ("a" * 73, "at most 72 bytes"),
        ("short", "at least 8 characters"),
        ("password123", "too common"),
    ],
)
def test_chosen_passwords_follow_the_rules(password: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        UserCreate(email="ada@example.com", password=password)
    with pytest.raises(ValidationError, match=message):
        PasswordChangeRequest(current_password=GOOD, new_password=password)


def test_login_checks_only_the_72_byte_limit() -> None:
    assert LoginRequest(email="ada@example.com", password="short").password == "short"
    with pytest.raises(ValidationError, match="at most 72 bytes"):
        LoginRequest(email="ada@example.com", password="€" * 25)
    with pytest.raises(ValidationError, match="at most 72 bytes"):
        PasswordChangeRequest(current_password="€" * 25, new_password=GOOD)


def test_users_cannot_give_themselves_a_role() -> None:
    body = {"email": "ada@example.com", "password": GOOD, "is_superuser": True, "id": 1}
    created = UserCreate.model_validate(body)
    updated = UserUpdate.model_validate({"is_superuser": True, "is_active": False, "id": 9})
    assert "is_superuser" not in created.model_dump()
    assert updated.model_dump(exclude_unset=True) == {}


def test_administrators_can_set_the_role() -> None:
    update = UserAdminUpdate.model_validate({"is_superuser": True, "id": 9})
    assert update.model_dump(exclude_unset=True) == {"is_superuser": True}


def test_every_string_field_has_a_maximum_length() -> None:
    for schema in (UserCreate, UserUpdate, UserAdminUpdate, LoginRequest, PasswordChangeRequest):
        for name, field in schema.model_json_schema()["properties"].items():
            variants = field.get("anyOf", [field])
            for variant in variants:
                if variant.get("type") == "string":
                    assert "maxLength" in variant, f"{schema.__name__}.{name}"
