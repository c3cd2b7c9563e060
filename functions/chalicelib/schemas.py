"""The HTTP API's shared shapes (pydantic): bodies and answers' bases, pages, errors, and the
de-identified identity fields. Each capability's own request and response models are in its
routes' package (<capability>/schemas.py); the OpenAPI document is built from them."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from zhtj.core.identity import birth_month, deidentify, remask

T = TypeVar("T")


# De-identification (GB/T 35273, core/identity.py) happens here, as answers are built: every
# answer that carries identity fields carries them through these types, so an item stored under
# an earlier, wider mask (or a full birth date) is narrowed when read, without a migration.
MaskedId = Annotated[
    str | None,
    AfterValidator(lambda value: remask(value) if value else value),
    Field(description="身份证号码（去标识化：仅显示末两位）"),
]


BirthMonth = Annotated[
    str | None,
    BeforeValidator(lambda value: birth_month(value) if isinstance(value, str) else value),
    Field(validation_alias=AliasChoices("birth_month", "birth_date"), description="出生年月 YYYY-MM（不显示日）"),
]


DeidentifiedImage = Annotated[dict[str, object] | None, AfterValidator(deidentify)]


class Body(BaseModel):
    """A request body: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldErrorOut(BaseModel):
    """One refusal: a stable code, a zh-CN message and the field it names (null: the request)."""

    code: str
    message: str
    field: str | None


class ErrorOut(FieldErrorOut):
    """Every refusal of the API. When several fields are refused at once, `errors` lists them
    all (the first is the one at the top level); otherwise it is absent."""

    errors: list[FieldErrorOut] | None = Field(
        default=None, description="每个不合格字段各一条（多个字段同时不合格时出现，第一条即顶层的那条）"
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Reason(Body):
    """A written reason: returning, withdrawing, dissolving."""

    reason: str = Field(min_length=1, max_length=200)
