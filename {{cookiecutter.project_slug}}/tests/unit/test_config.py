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


def test_production_refuses_the_placeholder_secret() -> None:
    placeholder = "change-me-to-a-random-string-of-at-least-32-bytes"
    make_settings(ENVIRONMENT="development", SECRET_KEY=placeholder)
    with pytest.raises(ValidationError, match="placeholder"):
        make_settings(ENVIRONMENT="production", SECRET_KEY=placeholder)
{%- endif %}


def test_production_refuses_debug() -> None:
    with pytest.raises(ValidationError, match="DEBUG: must be false in production"):
        make_settings(ENVIRONMENT="production", DEBUG=True)
    assert make_settings(ENVIRONMENT="production", DEBUG=False).is_production


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


def test_production_refuses_a_bcrypt_cost_below_10() -> None:
    with pytest.raises(ValidationError, match="BCRYPT_ROUNDS: 9 is too cheap for production"):
        make_settings(ENVIRONMENT="production", BCRYPT_ROUNDS=9)
    assert make_settings(ENVIRONMENT="production", BCRYPT_ROUNDS=10).BCRYPT_ROUNDS == 10
    assert make_settings(ENVIRONMENT="development", BCRYPT_ROUNDS=4).BCRYPT_ROUNDS == 4


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
