"""Domain errors. Each carries a stable code, a zh-CN message and the offending field.

The HTTP layer maps them to answers in one place (functions/chalicelib/http.py); nothing
else catches them to build responses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of every refusal the system gives on purpose."""

    status = 400

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field

    def to_body(self) -> dict[str, Any]:
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


class InvalidFields(DomainError):
    """Several fields refused at once, so that a form can mark every one of them in one round
    trip. The first refusal is the answer's code, message, field and status (the shape every
    client already reads); `errors` lists them all, the first included."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
        self.status = first.status
        self.errors = list(errors)

    def to_body(self) -> dict[str, Any]:
        return {**super().to_body(), "errors": [error.to_body() for error in self.errors]}


def refuse(errors: Sequence[DomainError]) -> None:
    """Raise nothing for no errors, the error itself for one, InvalidFields for several."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidFields(errors)


class FieldChecks:
    """Runs independent checks of one request and collects their refusals: `run` returns what
    a check returns (None where it refused), `done` raises them all (see `refuse`)."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def run(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except InvalidFields as several:
            self.errors.extend(several.errors)
        except DomainError as error:
            self.errors.append(error)
        return None

    def done(self) -> None:
        refuse(self.errors)
