"""The OpenAPI 3.1 document, built from the route declarations of chalicelib/http.py (so it
cannot drift from the routes), and served at /openapi.json. 3.1 because pydantic emits JSON
Schema 2020-12, which 3.1 speaks."""

from __future__ import annotations

import re
from typing import Any

from chalice import Blueprint
from pydantic import BaseModel, TypeAdapter

from chalicelib.http import ROUTES, RouteSpec, api
from zhtj.schemas import ErrorOut

bp = Blueprint(__name__)

_ERRORS = {
    "400": "输入有误",
    "401": "未登录或令牌无效",
    "403": "无权操作",
    "404": "不存在",
    "409": "状态冲突",
    "422": "违反团内规定",
}


def _schema(adapter_type: Any, defs: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(adapter_type).json_schema(ref_template="#/components/schemas/{model}")
    defs.update(schema.pop("$defs", {}))
    return schema


def _operation(route: RouteSpec, defs: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": list(route.tags),
        "operationId": _operation_id(route),
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    if route.query is not None:
        query_schema = _schema(route.query, defs)
        for name, prop in query_schema.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in query_schema.get("required", []), "schema": prop}
            )
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(route.body, defs)}},
        }
    success: dict[str, Any] = {"description": "成功"}
    if route.response is not None:
        success["content"] = {"application/json": {"schema": _schema(route.response, defs)}}
    errors = {code: text for code, text in _ERRORS.items() if code != "401" or not route.public}
    error_schema = {"content": {"application/json": {"schema": _schema(ErrorOut, defs)}}}
    operation["responses"] = {
        str(route.status): success,
        **{c: {"description": t, **error_schema} for c, t in errors.items()},
    }
    if not route.public:
        operation["security"] = [{"bearer": []}]
    return operation


def _operation_id(route: RouteSpec) -> str:
    words = re.sub(r"[{}]", "", route.path).strip("/").replace("-", "_").split("/")
    return route.method.lower() + "_" + "_".join(words)


def document() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, defs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "智慧团建 zhtj API", "version": "1.0.0", "description": "共青团智慧团建系统接口"},
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


class Health(BaseModel):
    status: str


@api(bp, "/openapi.json", "GET", summary="接口文档", public=True, tag="系统")
def openapi() -> dict[str, Any]:
    return document()


@api(bp, "/health", "GET", summary="健康检查", response=Health, public=True, tag="系统")
def health() -> BaseModel:
    return Health(status="ok")
