"""The registration form's fields as typed (REG-1): each of its type and length, trimmed, read
into the person's Submission (which rules.check_submission checks) and the branch. Pure: no
I/O. The HTTP form (schemas.RegistrationSubmit) declares the same fields and limits; the
import (imports/rows.py) and the demo data read a form here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Final

from zhtj.core.errors import ValidationError
from zhtj.registration.rules import IdentityProof, IncomeBand, Submission

# REG-1: the registration form's text fields in form order, with their lengths (characters, after
# the spaces at either end are trimmed): (least, most, required). The HTTP form
# (schemas.RegistrationSubmit) declares the same limits; branch_id names the branch registered to.
FORM_TEXT: Final[Mapping[str, tuple[int, int, bool]]] = {
    "name": (1, 30, True),
    "id_number": (15, 40, True),
    "ethnicity": (1, 10, True),
    "political_status": (1, 10, True),
    "join_month": (7, 7, True),
    "branch_id": (1, 40, True),
    "development_number": (0, 30, False),
    "education": (0, 20, False),
    "occupation": (0, 30, False),
    "phone": (0, 20, False),
}
_FORM_CHOICES: Final[Mapping[str, type[StrEnum]]] = {"identity_proof": IdentityProof, "income_band": IncomeBand}
# Every field of the form, in form order (is_cadre follows the branch).
FORM_ORDER: Final = (
    *("name", "id_number", "ethnicity", "political_status", "join_month", "branch_id", "is_cadre"),
    *("development_number", "identity_proof", "education", "occupation", "income_band", "phone"),
)


def _invalid_field(field: str, message: str) -> ValidationError:
    return ValidationError("INVALID_FIELD", message, field)


def _form_value(field: str, value: Any, label: str) -> Any:
    """One field of the form as typed, trimmed; raises ValidationError INVALID_FIELD."""
    if field in FORM_TEXT:
        least, most, required = FORM_TEXT[field]
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise _invalid_field(field, f"“{label}”取值无效")
        text = value.strip()
        if len(text) > most:
            raise _invalid_field(field, f"“{label}”内容过长（最多{most}个字）")
        if len(text) < least:
            raise _invalid_field(field, f"“{label}”内容过短（至少{least}个字）")
        return text
    if field == "is_cadre":
        if not isinstance(value, bool):
            raise _invalid_field(field, f"“{label}”取值无效")
        return value
    if value is None:
        return None
    try:
        return _FORM_CHOICES[field](value)
    except ValueError as error:
        raise _invalid_field(field, f"“{label}”取值无效") from error


def read_form(fields: Mapping[str, Any], label: Callable[[str], str] = str) -> tuple[Submission, str]:
    """REG-1: the registration form's fields as typed (`branch_id` among them), each of its type
    and length, trimmed: the person's part as a Submission (for `check_submission`), and the
    branch. The first wrong field in form order (then any field the form does not have) is
    refused as ValidationError INVALID_FIELD, named by `label` (the field's name as its reader
    sees it) in the message."""
    values: dict[str, Any] = {}
    for field in FORM_ORDER:
        if field not in fields and (field == "is_cadre" or FORM_TEXT.get(field, (0, 0, False))[2]):
            raise _invalid_field(field, f"“{label(field)}”取值无效")
        values[field] = _form_value(field, fields.get(field), label(field))
    unknown = next((field for field in fields if field not in values), None)
    if unknown is not None:
        raise _invalid_field(unknown, f"“{label(unknown)}”取值无效")
    branch_id = values.pop("branch_id")
    return Submission(**values), branch_id
