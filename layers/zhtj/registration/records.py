"""Reading a registration (REG-4..6, REV-1): by id, as the other registration modules and the
routes need it, its audit snapshot and the id's shape. No writes here."""

from __future__ import annotations

from typing import Any

from zhtj.core.errors import NotFoundError, ValidationError
from zhtj.registration.models import Registration
from zhtj.table import keys

REGISTRATION_NOT_FOUND = NotFoundError("REGISTRATION_NOT_FOUND", "报到记录不存在", "registration_id")


def find(registration_id: str | None) -> Registration | None:
    """The registration (a consistent read), or None."""
    if not registration_id:
        return None
    try:
        return Registration.get(keys.registration_pk(registration_id), keys.META, consistent_read=True)
    except Registration.DoesNotExist:
        return None


def get(registration_id: str) -> Registration:
    """The registration. Raises NotFoundError."""
    registration = find(registration_id)
    if registration is None:
        raise REGISTRATION_NOT_FOUND
    return registration


def snapshot(registration: Registration) -> dict[str, Any]:
    """What an audit record keeps of a registration (the ID number only masked)."""
    fields = ("state", "branch_id", "name", "id_masked", "join_month", "development_number", "real_name_state")
    return {f: getattr(registration, f) for f in fields if getattr(registration, f) is not None}


def check_id(registration_id: str, field: str = "previous_id") -> str:
    """A registration id as issued: raises ValidationError REGISTRATION_ID_INVALID otherwise."""
    if not (20 <= len(registration_id) <= 40 and registration_id.startswith("r") and registration_id.isalnum()):
        raise ValidationError("REGISTRATION_ID_INVALID", "报到编号无效", field)
    return registration_id
