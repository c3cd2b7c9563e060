"""The OpenAPI document keys its components by model class name: two different models of one
name would answer each other's schema, and the web apps' generated types would be wrong (a
transfer batch's rows were once typed as an award batch's). The document refuses that."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib.openapi import _schema


def _row(**fields: Any) -> type[BaseModel]:
    class RowOut(BaseModel):
        __annotations__ = dict.fromkeys(fields, str)

    return RowOut


class Page1(BaseModel):
    rows: list[_row(member_id="", code="")]  # type: ignore[valid-type]


class Page2(BaseModel):
    rows: list[_row(member_id="", error_code="")]  # type: ignore[valid-type]


def test_two_models_of_one_name_are_refused() -> None:
    defs: dict[str, Any] = {}
    _schema(Page1, defs)
    with pytest.raises(ValueError, match="RowOut"):
        _schema(Page2, defs)


def test_the_same_model_twice_is_fine() -> None:
    defs: dict[str, Any] = {}
    _schema(Page1, defs)
    _schema(Page1, defs)
    assert "RowOut" in defs
