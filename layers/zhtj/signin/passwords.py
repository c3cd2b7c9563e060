"""Passwords (ACCT-1): the rule a new one must meet, and Argon2id hashing with OWASP's
parameters or stronger (REFERENCE: 19 MiB, 2 iterations, 1 lane).

A check against an unknown login still hashes (`verify_nothing`), so that an answer's timing
does not tell whether a phone or ID number has an account."""

from __future__ import annotations

import contextlib
import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from zhtj.core.errors import ValidationError

# OWASP's first choice for Argon2id: m=19 MiB, t=2, p=1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)
# The real system asks for 6-16 letters and digits [seed 003 annex 3 §1]: both kinds, nothing else.
_SHAPE = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z\d]{6,16}$")


@cache
def _nobody(hasher: PasswordHasher = _HASHER) -> str:
    """The dummy hash `verify_nothing` checks against (with the module's hasher, whatever a test
    puts in its place): made at its first use, not at import (an Argon2id hash is ≈ 25 ms, and
    every function whose imports reach this module would pay it at its cold start;
    docs/architecture.md, "Cold starts")."""
    return hasher.hash("nobody-has-this-password-1")


WEAK = ValidationError("PASSWORD_WEAK", "密码须为6至16位字母和数字的组合", "password")


def check_new(password: str, field: str = "password") -> str:
    """A new password as ACCT-1 allows it; raises ValidationError otherwise."""
    if not _SHAPE.match(password):
        raise ValidationError(WEAK.code, WEAK.message, field)
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches (constant time inside argon2). With no stored hash, the
    same work is done against a dummy hash and False returned."""
    if not stored_hash:
        verify_nothing(password)
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """Spend a verification's time for a login that has no account."""
    with contextlib.suppress(VerificationError):
        _HASHER.verify(_nobody(), password)
