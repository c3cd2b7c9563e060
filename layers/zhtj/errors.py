"""Domain errors. Each carries a stable code, a zh-CN message and the offending field.

The HTTP layer maps them to answers in one place (functions/chalicelib/http.py); nothing
else catches them to build responses.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the system gives on purpose."""

    status = 400

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field

    def to_body(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationError(DomainError):
    """Malformed or out-of-range input (400)."""

    status = 400


class AuthenticationError(DomainError):
    """No valid credentials (401)."""

    status = 401


class ForbiddenError(DomainError):
    """Authenticated, but not entitled to this action on this target (403)."""

    status = 403


class NotFoundError(DomainError):
    """The addressed thing does not exist (404)."""

    status = 404


class ConflictError(DomainError):
    """The current state forbids the change, or a concurrent change won (409)."""

    status = 409


class PayloadTooLarge(DomainError):
    """A request body over the adapter's limit, refused before it is parsed (413)."""

    status = 413


class UnsupportedMediaType(DomainError):
    """A request body in another format than the route reads (415)."""

    status = 415


class TooManyRequests(DomainError):
    """A per-reader limit is used up for now (429); the message says when it resets."""

    status = 429


class RuleViolation(DomainError):
    """A rule of SPEC.md refuses the change (422); the code names the rule."""

    status = 422
