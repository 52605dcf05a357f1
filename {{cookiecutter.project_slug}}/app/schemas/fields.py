"""Account fields and their rules, shared by every schema that carries them."""

from typing import Annotated

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import AfterValidator, EmailStr, Field

from app.core.passwords import (
    COMMON_PASSWORDS,
    MAX_PASSWORD_BYTES,
    MIN_PASSWORD_LENGTH,
    check_new_password,
    check_password_bytes,
)
from app.models.types import EMAIL_MAX_LENGTH
from app.models.user import FULL_NAME_MAX_LENGTH


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


# email-validator refuses addresses at special-use domains (.test, .local, ...): the schema
# says so, for clients and fuzzers (a JavaScript pattern: pydantic's regexes lack lookahead).
NOT_SPECIAL_USE = "^(?!.*\\.(" + "|".join(map(_any_case, SPECIAL_USE_DOMAIN_NAMES)) + ")$)"

# Normalised to lower case: "Ada@Example.com" and "ada@example.com" are one account.
Email = Annotated[
    EmailStr,
    Field(
        max_length=EMAIL_MAX_LENGTH,
        examples=["ada@example.com"],
        json_schema_extra={"pattern": NOT_SPECIAL_USE},
    ),
    AfterValidator(str.lower),
]
# A password being chosen: 8 characters to 72 bytes, not one of the most common ones.
NewPassword = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        json_schema_extra={
            "maxLength": MAX_PASSWORD_BYTES,
            "not": {"enum": sorted(COMMON_PASSWORDS)},
        },
        examples=["a new and longer passphrase"],
    ),
    AfterValidator(check_new_password),
]
# A password being checked: only the 72-byte limit, which bcrypt itself imposes.
Password = Annotated[
    str,
    Field(
        min_length=1,
        json_schema_extra={"maxLength": MAX_PASSWORD_BYTES},
        examples=["correct horse battery staple"],
    ),
    AfterValidator(check_password_bytes),
]
# No control characters: PostgreSQL text cannot even hold NUL.
FullName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=FULL_NAME_MAX_LENGTH,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        examples=["Ada Lovelace"],
    ),
]
