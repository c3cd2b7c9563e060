"""The HTTP adapter, in one place: every route is declared with `api(...)`, which parses
the query and body into pydantic models, verifies the bearer token, calls one logic
function and serializes its answer. Domain errors become `{code, message, field}` answers
in the middleware (`error_middleware`), never in a route. The declarations double as the
OpenAPI document (chalicelib/openapi.py).

Chalice catches a view's exceptions itself (middleware never sees them), so the mapping of
domain errors to `{code, message, field}` answers lives in the route wrapper below: one
place, every route.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint, Response
from chalice.app import Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from zhtj.errors import DomainError, ValidationError
from zhtj.logic import tokens
from zhtj.observability import logger, metrics

MAX_BODY_BYTES = 64 * 1024
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


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


ROUTES: list[RouteSpec] = []

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
}


def _validation_error(error: PydanticValidationError) -> ValidationError:
    first = error.errors()[0]
    field_name = ".".join(str(p) for p in first["loc"]) or None
    message = _MESSAGES.get(first["type"], "取值无效")
    return ValidationError("INVALID_FIELD", f"{field_name or '请求'}：{message}", field_name)


def _parse_body(request: Request, model: type[BaseModel]) -> BaseModel:
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise DomainError("PAYLOAD_TOO_LARGE", "请求内容过大", None)
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError("MALFORMED_JSON", "请求内容不是合法的JSON", None) from error
    if not isinstance(data, dict):
        raise ValidationError("BODY_NOT_OBJECT", "请求内容应为JSON对象", None)
    try:
        return model.model_validate(data)
    except PydanticValidationError as error:
        raise _validation_error(error) from error


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
    tag: str,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route. The view receives path parameters, then `principal` (unless public),
    `body` and `query` as keyword arguments, and returns a model, a list or None."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(RouteSpec(path, method, summary, status, body, query, response, public, (tag,)))

        def route(**params: str) -> Response:
            request = blueprint.current_request
            try:
                kwargs: dict[str, Any] = dict(params)
                if not public:
                    kwargs["principal"] = tokens.verify(request.headers.get("authorization"))
                if body is not None:
                    kwargs["body"] = _parse_body(request, body)
                if query is not None:
                    kwargs["query"] = _parse_query(request, query)
                result = view(**kwargs)
            except DomainError as error:
                metrics.add_metric(name="Refusals", unit="Count", value=1)
                logger.info("refused", extra={"code": error.code, "status": error.status, "route": path})
                return error_response(error)
            except Exception:
                logger.exception("unhandled error", extra={"route": path})
                return error_response(_INTERNAL)
            payload = None if result is None else json.dumps(_serialize(result), ensure_ascii=False)
            return Response(body=payload or "", status_code=status, headers=JSON_HEADERS)

        route.__name__ = view.__name__
        blueprint.route(path, methods=[method], cors=True)(route)
        return view

    return register


def error_response(error: DomainError) -> Response:
    return Response(
        body=json.dumps(error.to_body(), ensure_ascii=False), status_code=error.status, headers=JSON_HEADERS
    )


class _Internal(DomainError):
    status = 500


_INTERNAL = _Internal("INTERNAL_ERROR", "系统繁忙，请稍后再试", None)
