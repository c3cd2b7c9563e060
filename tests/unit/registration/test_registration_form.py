"""REG-1: the registration form's fields read by the domain (registration.form.read_form), as the
HTTP model (schemas.RegistrationSubmit) reads them: the same types, lengths and trimming."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.registration.schemas import RegistrationSubmit
from zhtj.core.errors import ValidationError
from zhtj.registration.form import read_form
from zhtj.registration.rules import IdentityProof, IncomeBand

FORM: dict[str, Any] = {
    "name": " 李晓明 ",
    "id_number": "440106200503011236",
    "ethnicity": "汉族",
    "political_status": "共青团员",
    "join_month": "2021-05",
    "branch_id": "o01BRANCH",
    "is_cadre": False,
    "development_number": "202144010001",
    "identity_proof": None,
    "education": "本科",
    "occupation": None,
    "income_band": "STUDENT",
    "phone": "13800138000",
}


def test_reg_1_read_form_gives_what_the_http_model_gives() -> None:
    # Given a form as a member fills it in
    # When the domain reads it and the HTTP model reads it
    submission, branch_id = read_form(FORM)
    body = RegistrationSubmit.model_validate(FORM)
    # Then both give the same person (trimmed, choices as enums) and the same branch
    assert submission == body.submission()
    assert branch_id == body.branch_id == "o01BRANCH"
    assert submission.name == "李晓明" and submission.income_band is IncomeBand.STUDENT


def test_reg_1_read_form_takes_enum_members_too() -> None:
    # Given a choice given as the enum member itself
    # When the form is read
    submission, _ = read_form({**FORM, "identity_proof": IdentityProof.APPLICATION_FORM})
    # Then it stays that member
    assert submission.identity_proof is IdentityProof.APPLICATION_FORM


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"education": "本" * 21}, "education", "“学历”内容过长（最多20个字）"),
        ({"id_number": "4401"}, "id_number", "“身份证号码”内容过短（至少15个字）"),
        # Two wrong fields: the first in form order (the branch comes before the phone) is named.
        ({"phone": "1" * 21, "branch_id": "o" * 41}, "branch_id", "“所在团支部”内容过长（最多40个字）"),
        ({"is_cadre": None}, "is_cadre", "“是否团干部”取值无效"),
        ({"income_band": "RICH"}, "income_band", "“收入类别”取值无效"),
        ({"nickname": "x"}, "nickname", "“nickname”取值无效"),
    ],
)
def test_reg_1_read_form_refuses_the_first_wrong_field_by_its_label(
    changes: dict[str, Any], field: str, message: str
) -> None:
    from zhtj.imports.template import header_of

    # Given a form with a wrong field
    # When it is read with the import template's column headers as labels
    with pytest.raises(ValidationError) as refused:
        read_form({**FORM, **changes}, header_of)
    # Then the refusal is INVALID_FIELD naming that field, worded with its label
    assert (refused.value.code, refused.value.field, refused.value.message) == ("INVALID_FIELD", field, message)


def test_reg_1_read_form_refuses_a_missing_required_field() -> None:
    # Given a form without its join month
    form = {k: v for k, v in FORM.items() if k != "join_month"}
    # When it is read
    with pytest.raises(ValidationError) as refused:
        read_form(form)
    # Then the join month is refused as invalid, by the field's name
    assert (refused.value.field, refused.value.message) == ("join_month", "“join_month”取值无效")
