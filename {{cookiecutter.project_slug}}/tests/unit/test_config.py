import pytest
from pydantic import ValidationError

from app.core.config import (
    InvalidSettingsError,
{%- if cookiecutter.auth_mode != "none" %}
    Settings,
{%- endif %}
    load_settings,
)
from tests.conftest import make_settings


def test_defaults_are_valid_for_development() -> None:
    settings = make_settings(ENVIRONMENT="development")
    assert settings.is_development
    assert not settings.is_production
    assert settings.DATABASE_URL.startswith("postgresql+asyncpg://")
{%- if cookiecutter.auth_mode != "none" %}


def test_secret_shorter_than_32_bytes_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        make_settings(SECRET_KEY="x" * 31)


def test_secret_length_counts_bytes_not_characters() -> None:
    make_settings(SECRET_KEY="€" * 11)  # 33 bytes
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        make_settings(SECRET_KEY="€" * 10)  # 30 bytes


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_the_placeholder_secret_is_refused_outside_development(environment: str) -> None:
    placeholder = "change-me-to-a-random-string-of-at-least-32-bytes"
    make_settings(ENVIRONMENT="development", SECRET_KEY=placeholder)
    with pytest.raises(ValidationError, match="SECRET_KEY: is a placeholder"):
        make_settings(ENVIRONMENT=environment, SECRET_KEY=placeholder)


@pytest.mark.parametrize("weak", ["a" * 32, "ab" * 32, "abc" * 20])
@pytest.mark.parametrize("environment", ["staging", "production"])
def test_a_guessable_secret_is_refused_outside_development(environment: str, weak: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY: is too easy to guess"):
        make_settings(ENVIRONMENT=environment, SECRET_KEY=weak)
    assert make_settings(ENVIRONMENT="development", SECRET_KEY=weak)
    random_looking = "Zr6oYv1p0nq2m3HkE5b8QwT4xJ7sLd9cVaU1gN2hKfM"
    strong = make_settings(ENVIRONMENT=environment, SECRET_KEY=random_looking)
    assert environment == strong.ENVIRONMENT


def test_secret_values_never_appear_in_the_errors() -> None:
    with pytest.raises(ValidationError) as refused:
        make_settings(ENVIRONMENT="production", SECRET_KEY="change-me" + "x" * 30, DEBUG=True)
    assert "change-me" not in str(refused.value)
{%- endif %}


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_debug_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match=f"DEBUG: must be false in {environment}"):
        make_settings(ENVIRONMENT=environment, DEBUG=True)
    assert not make_settings(ENVIRONMENT=environment, DEBUG=False).DEBUG
    assert make_settings(ENVIRONMENT="development", DEBUG=True).DEBUG


def test_sqlite_is_for_the_try_out_only() -> None:
    tryout = "sqlite+aiosqlite:///./tryout.db"
    assert make_settings(ENVIRONMENT="development", DATABASE_URL=tryout).is_development
    with pytest.raises(ValidationError, match="DATABASE_URL: SQLite is only for `make try`"):
        make_settings(ENVIRONMENT="production", DATABASE_URL=tryout)
{%- if cookiecutter.use_redis %}


def test_in_process_redis_is_for_the_try_out_only() -> None:
    assert make_settings(ENVIRONMENT="development", REDIS_URL="memory://").is_development
    with pytest.raises(ValidationError, match="in-process stand-in"):
        make_settings(ENVIRONMENT="production", REDIS_URL="memory://")
{%- endif %}


@pytest.mark.parametrize("origin", ["null", "http://app.example"])
def test_production_refuses_insecure_origins_with_credentials(origin: str) -> None:
    with pytest.raises(
        ValidationError, match=f"CORS_ORIGINS: {origin} with CORS_ALLOW_CREDENTIALS"
    ):
        make_settings(ENVIRONMENT="production", CORS_ORIGINS=f"https://app.example,{origin}")
    assert make_settings(ENVIRONMENT="production", CORS_ORIGINS="https://app.example")
    without_credentials = make_settings(
        ENVIRONMENT="production", CORS_ORIGINS=origin, CORS_ALLOW_CREDENTIALS=False
    )
    assert [origin] == without_credentials.CORS_ORIGINS
    assert [origin] == make_settings(ENVIRONMENT="staging", CORS_ORIGINS=origin).CORS_ORIGINS


def test_wildcard_cors_with_credentials_is_refused() -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        make_settings(CORS_ORIGINS="*", CORS_ALLOW_CREDENTIALS=True)
    assert make_settings(CORS_ORIGINS="*", CORS_ALLOW_CREDENTIALS=False).CORS_ORIGINS == ["*"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://a.example, https://b.example", ["https://a.example", "https://b.example"]),
        ('["https://a.example"]', ["https://a.example"]),
        ("", []),
    ],
)
def test_cors_origins_accept_commas_or_json(raw: str, expected: list[str]) -> None:
    origins = make_settings(CORS_ORIGINS=raw).CORS_ORIGINS
    assert origins == expected


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example,https://b.example")
    assert make_settings().CORS_ORIGINS == ["https://a.example", "https://b.example"]


def test_database_url_needs_an_async_driver() -> None:
    with pytest.raises(ValidationError, match="async driver"):
        make_settings(DATABASE_URL="postgresql://user@localhost/db")


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ValidationError, match="ENVIRONMENT"):
        make_settings(ENVIRONMENT="prod")
{%- if cookiecutter.auth_mode != "none" %}


def test_bcrypt_cost_defaults_to_12() -> None:
    assert Settings.model_validate({"SECRET_KEY": "k" * 48}).BCRYPT_ROUNDS == 12


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_a_bcrypt_cost_below_10_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="BCRYPT_ROUNDS: 9 is too cheap outside development"):
        make_settings(ENVIRONMENT=environment, BCRYPT_ROUNDS=9)
    assert make_settings(ENVIRONMENT=environment, BCRYPT_ROUNDS=10).BCRYPT_ROUNDS == 10
    assert make_settings(ENVIRONMENT="development", BCRYPT_ROUNDS=4).BCRYPT_ROUNDS == 4


@pytest.mark.parametrize("catch_all", ["0.0.0.0/0", "::/0", "10.0.0.0/8,0.0.0.0/0"])
def test_production_refuses_trusting_every_address_as_a_proxy(catch_all: str) -> None:
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES: trusts every address"):
        make_settings(ENVIRONMENT="production", TRUSTED_PROXIES=catch_all)
    assert make_settings(ENVIRONMENT="production", TRUSTED_PROXIES="10.0.0.0/8").TRUSTED_PROXIES


def test_bcrypt_cost_outside_bcrypts_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="BCRYPT_ROUNDS"):
        make_settings(BCRYPT_ROUNDS=3)

{%- if cookiecutter.auth_mode == "jwt" %}


def test_token_lifetimes_default_to_30_minutes_and_7_days() -> None:
    settings = make_settings()
    assert settings.ACCESS_TOKEN_EXPIRE_MINUTES == 30
    assert settings.REFRESH_TOKEN_EXPIRE_DAYS == 7
{%- elif cookiecutter.auth_mode == "session" %}


def test_sessions_default_to_30_idle_minutes_and_24_hours_at_most() -> None:
    settings = make_settings()
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_LIFETIME_HOURS == 24
    with pytest.raises(ValidationError, match="SESSION_IDLE_MINUTES"):
        make_settings(SESSION_IDLE_MINUTES=0)
{%- endif %}


def test_trusted_proxies_accept_addresses_and_networks() -> None:
    settings = make_settings(TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.7")
    assert [str(network) for network in settings.TRUSTED_PROXIES] == ["10.0.0.0/8", "192.0.2.7/32"]
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        make_settings(TRUSTED_PROXIES="not-an-address")
{%- endif %}

{%- if cookiecutter.auth_mode == "jwt" %}


def test_stronger_jwt_algorithms_need_longer_secrets() -> None:
    with pytest.raises(ValidationError, match="at least 64 bytes"):
        make_settings(JWT_ALGORITHM="HS512", SECRET_KEY="k" * 48)
    assert make_settings(JWT_ALGORITHM="HS512", SECRET_KEY="k" * 64).JWT_ALGORITHM == "HS512"
    with pytest.raises(ValidationError, match="JWT_ALGORITHM"):
        make_settings(JWT_ALGORITHM="none")
{%- endif %}


def test_every_unsafe_value_is_reported_at_once() -> None:
    """Start-up lists every problem in one run, not one per run."""
    unsafe = {"ENVIRONMENT": "production", "DEBUG": True, "DATABASE_URL": "sqlite+aiosqlite:///x"}
    with pytest.raises(ValidationError) as refused:
        make_settings(**unsafe)
    message = str(refused.value)
    assert "DEBUG: must be false in production" in message
    assert "DATABASE_URL: SQLite is only for `make try`" in message


def test_invalid_settings_stop_start_up_with_one_line_per_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "0")
    monkeypatch.setenv("DATABASE_URL", "mysql://db")
    with pytest.raises(InvalidSettingsError) as refused:
        load_settings()
    lines = str(refused.value).splitlines()
    assert lines[0] == "invalid settings (environment or .env):"
    assert any(line.startswith("PORT: ") for line in lines)
    assert any(line.startswith("DATABASE_URL: ") and "async driver" in line for line in lines)
    assert refused.value.__cause__ is None  # no stack of validator frames
