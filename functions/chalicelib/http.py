"""The HTTP adapter, in one place: every route is declared with `api(...)`, which parses
the query and body into pydantic models, verifies the bearer token, calls one logic
function and serializes its answer. The declarations double as the OpenAPI document
(chalicelib/openapi.py), in the order of the route modules (chalicelib/routing.py: `MODULES`).

The API's import loads no route module (chalicelib/routing.py: Chalice calls a proxy that
imports a route's module at its first request), so nor this module, which loads pydantic:
what the cold start needs of it lives in chalicelib/answers.py and chalicelib/routing.py.

Domain errors become `{code, message, field}` answers in the route wrapper `api(...)` puts
around every view, never in a view: Chalice catches a view's exceptions itself (middleware
never sees them), so the wrapper is the one place, for every route. The middleware
`chalice_answers` (chalicelib/answers.py) gives what Chalice answers by itself (405, 500) the
API's shape.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from chalicelib import routing
from chalicelib.answers import INTERNAL_ERROR, JSON_HEADERS, error_response
from zhtj.core.errors import DomainError, InvalidFields, PayloadTooLarge, UnsupportedMediaType, ValidationError, refuse
from zhtj.core.observability import logger, metrics
from zhtj.signin import tokens
from zhtj.table import paging

# The request being served, for a view that reads more of it than `api` hands over.
current_request = routing.current_request
# A route that is not `api(...)`'s (a webhook), registered for the app's proxy to find.
register_view = routing.route

MAX_BODY_BYTES = 64 * 1024
# Unicode categories of the invisible characters refused in names: format (zero-width, bidi,
# BOM, word joiner), line and paragraph separators.
_INVISIBLE_IN_NAMES = frozenset({"Cf", "Zl", "Zp"})


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=20, ge=1, le=100)


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    summary: str
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    public: bool
    tags: tuple[str, ...] = field(default=())


# Every route's declaration, by blueprint, in its module's order of declaration; the document
# lists the modules in chalicelib/routing.py's order (`declared_routes`), whichever of them a
# process happened to import first.
_DECLARED: dict[Blueprint, list[RouteSpec]] = {}


def declare(blueprint: Blueprint, spec: RouteSpec) -> None:
    """Document a route of `blueprint` (api(...) does it for its routes; a route declared
    otherwise, as a webhook, calls it itself)."""
    _DECLARED.setdefault(blueprint, []).append(spec)


def declared_routes() -> list[RouteSpec]:
    """Every route of the API, every route module imported: the OpenAPI document's order of
    paths (and of the methods of a path), which its clients see."""
    return [spec for module in routing.import_all() for spec in _DECLARED.get(module.bp, [])]


# pydantic error type -> zh-CN message.
_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "model_type": "应为对象",
    "list_type": "应为列表",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "date_parsing": "日期格式应为YYYY-MM-DD",
    "string_pattern_mismatch": "格式不正确",
    "dict_type": "应为对象",
    "too_long": "条目过多",
    "too_short": "条目过少",
    "float_type": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "date_type": "日期格式应为YYYY-MM-DD",
    "datetime_type": "时间格式应为ISO 8601",
    "datetime_parsing": "时间格式应为ISO 8601",
}


def _validation_error(error: PydanticValidationError) -> DomainError:
    """Every invalid field of the body at once (InvalidFields when several), one refusal per
    field: a union's alternatives each refuse the same field, and the first says it."""
    return _field_errors(error.errors())


def _field_errors(details: list[Any]) -> DomainError:
    by_field: dict[str | None, ValidationError] = {}
    for detail in details:
        error = _field_error(detail)
        by_field.setdefault(error.field, error)
    errors = list(by_field.values())
    return errors[0] if len(errors) == 1 else InvalidFields(errors)


def _field_error(detail: Any) -> ValidationError:
    field_name = ".".join(str(p) for p in detail["loc"]) or None
    message = _MESSAGES.get(detail["type"], "取值无效")
    return ValidationError("INVALID_FIELD", f"{field_name or '请求'}：{message}", field_name)


def _parse_body(request: Request, model: type[BaseModel]) -> BaseModel:
    """The body as `model`, or a {code, message, field} refusal: another media type (415), over
    the size limit (413, before any parsing), not JSON, not an object, or not the model. Strict
    JSON: a wrong type is refused, not coerced ("1" is no integer, "F" no boolean, 1 no date)."""
    media_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("UNSUPPORTED_MEDIA_TYPE", "请求内容类型应为application/json", "Content-Type")
    raw = _body_bytes(request)
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge("PAYLOAD_TOO_LARGE", f"请求内容过大（不超过{MAX_BODY_BYTES // 1024}KB）", None)
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValidationError("MALFORMED_JSON", "请求内容不是合法的JSON", None) from error
    if not isinstance(data, dict):
        raise ValidationError("BODY_NOT_OBJECT", "请求内容应为JSON对象", None)
    _check_characters(data)
    try:
        parsed = model.model_validate(data)
    except PydanticValidationError as error:
        raise _validation_error(error) from error
    _refuse_coercions(model, raw)
    return parsed


def _body_bytes(request: Request) -> bytes:
    """The body as bytes: Chalice may hand it over as text, which is then measured (the size
    limit is in bytes, not characters) and parsed as its UTF-8 encoding. Text that no encoding
    holds (a lone surrogate) passes here and is refused as JSON that is not UTF-8."""
    try:
        raw = request.raw_body or b""
    except ValueError as error:  # an event flagged base64 whose body is not
        raise ValidationError("MALFORMED_BODY", "请求内容编码无效", None) from error
    return raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw


# What pydantic's lax mode converts and strict JSON validation does not: text or a boolean for a
# number, text or a number for a boolean, a number for a date. (Whole-body strict validation
# would also refuse text dates that a before-validator has already turned into Python data.)
_COERCED_TYPES = {"int_type": (str, bool), "float_type": (str, bool), "bool_type": (str, int, float)}
_COERCED_DATES = {"date_type", "datetime_type"}


def _refuse_coercions(model: type[BaseModel], raw: bytes) -> None:
    try:
        model.model_validate_json(raw, strict=True)
    except PydanticValidationError as error:
        coerced = []
        for detail in error.errors():
            kind, value = detail["type"], detail.get("input")
            expected = _COERCED_TYPES.get(kind)
            if (expected and isinstance(value, expected)) or (kind in _COERCED_DATES and not isinstance(value, str)):
                coerced.append(detail)
        if coerced:
            raise _field_errors(coerced) from error


def _check_characters(data: dict[str, Any]) -> None:
    """Refuse what no text field may hold: control characters (but tab and line breaks) and
    lone surrogates, anywhere; and in names (a field `name` or `*_name`), invisible format
    characters (zero-width, bidi controls, BOM): a name is shown, compared and sent to the
    identity check as typed, so it is refused, never silently stripped. Every such field is
    reported (InvalidFields when several). Iterative: a deep body must not exhaust the stack."""
    errors: list[DomainError] = []
    # Pushed last to first, so that the refusals come in the body's order.
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack.append((f"{path}.{key}" if path else key, item))
                stack.append((path, key))  # a key is text too
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str) and not value.isprintable():
            categories = {unicodedata.category(ch) for ch in value if not ch.isprintable() and ch not in "\t\n\r"}
            leaf = path.rsplit(".", 1)[-1]
            if categories & {"Cc", "Cs"}:
                errors.append(
                    ValidationError("CONTROL_CHARACTER", f"{path or '请求'}：含有控制字符或无效字符", path or None)
                )
            elif categories & _INVISIBLE_IN_NAMES and (leaf == "name" or leaf.endswith("_name")):
                errors.append(
                    ValidationError("NAME_INVISIBLE_CHARACTER", f"{path}：含有不可见字符（如零宽字符）", path)
                )
    refuse(errors)


def _parse_query(request: Request, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(dict(request.query_params or {}))
    except PydanticValidationError as error:
        raise _validation_error(error) from error


def _serialize(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_serialize(v) for v in value]
    return value


def api(
    blueprint: Blueprint,
    path: str,
    method: str,
    *,
    summary: str,
    response: Any = None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    status: int = 200,
    public: bool = False,
    signed_in_optional: bool = False,
    before_password_change: bool = False,
    session_read_by_logic: bool = False,
    tag: str,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route. The view receives path parameters, then `principal` (unless public),
    `body` and `query` as keyword arguments, and returns a model, a list or None. A public
    route `signed_in_optional` receives `principal` too: the caller's, or None without a token.
    `before_password_change`: allowed to an account that must still change its initial password.
    `session_read_by_logic`: the view receives `claimed` (tokens.Claimed: the token checked, its
    session not yet read) instead of `principal`, for logic that reads the session first thing,
    in the one BatchGetItem of the items it reads anyway (tokens.session_keys, tokens.opened)."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        declare(blueprint, RouteSpec(path, method, summary, status, body, query, response, public, (tag,)))

        def route(**params: str) -> Response:
            request = current_request()
            try:
                kwargs: dict[str, Any] = dict(params)
                authorization = request.headers.get("authorization")
                principal: tokens.Principal | tokens.Claimed | None = None
                if session_read_by_logic:
                    principal = kwargs["claimed"] = tokens.claimed(authorization, before_password_change)
                elif not public or (signed_in_optional and authorization):
                    principal = tokens.verify(authorization, before_password_change)
                if not session_read_by_logic and (principal is not None or signed_in_optional):
                    kwargs["principal"] = principal
                if body is not None:
                    kwargs["body"] = _parse_body(request, body)
                if query is not None:
                    kwargs["query"] = _parse_query(request, query)
                # A page cursor answered here opens only on this route, for this caller.
                caller = (principal.account_id, principal.acting_org_id) if principal else (None, None)
                with paging.issued_to(f"{method} {path}", *caller):
                    result = view(**kwargs)
            except DomainError as error:
                metrics.add_metric(name="Refusals", unit="Count", value=1)
                logger.info("refused", extra={"code": error.code, "status": error.status, "route": path})
                return error_response(error)
            except Exception:
                logger.exception("unhandled error", extra={"route": path})
                return error_response(INTERNAL_ERROR)
            payload = None if result is None else json.dumps(_serialize(result), ensure_ascii=False)
            return Response(body=payload or "", status_code=status, headers=JSON_HEADERS)

        route.__name__ = view.__name__
        # Any media type reaches the view, so that a wrong one gets our 415 {code, message, field}
        # (chalice's own 415 is another shape).
        routing.route(blueprint, path, method, route, cors=True, content_types=["*/*"])
        return view

    return register


def source_ip(request: Request) -> str:
    """The caller's address as API Gateway saw it (limits per caller, WeChat H5's payer_client_ip)."""
    context = request.context or {}
    return str((context.get("identity") or {}).get("sourceIp") or "")
