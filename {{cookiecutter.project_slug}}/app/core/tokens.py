"""Opaque tokens (sign-in tokens, links in e-mails): random, stored hashed.

Only a SHA-256 hash of a token is ever stored: a copy of the database gives no usable token.
"""

import hashlib
import secrets


def new_opaque_token() -> str:
    """256 random bits, URL-safe. Only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
