"""The OpenAPI 3.1 document, built from the route declarations of chalicelib/http.py (so it
cannot drift from the routes; building it imports every route module), and served at
/openapi.json. 3.1 because pydantic emits JSON
Schema 2020-12, which 3.1 speaks."""

from __future__ import annotations

import re
from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, TypeAdapter

from chalicelib.http import MAX_BODY_BYTES, RouteSpec, api, declared_routes
from chalicelib.schemas import ErrorOut
from zhtj.integrations.payments.base import PROVIDERS

bp = Blueprint(__name__)

_ERRORS = {
    "400": "输入有误",
    "401": "未登录或令牌无效",
    "403": "无权操作",
    "404": "不存在",
    "409": "状态冲突",
    "422": "违反团内规定",
    "429": "请求过于频繁或超出限额",
}
_TOO_LARGE = f"请求内容超过{MAX_BODY_BYTES // 1024}KB"

# The payment providers' notification contracts (../shared/WEBHOOKS.md): what they send and
# what they read back, not this API's {code, message, field}. Declared here so that the
# document (and schemathesis, tests/security) holds the webhooks to them.
_SIGNED_BY_PROVIDER = "未通过验签的请求一律拒绝"
_WECHAT_HEADERS = ("Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce")
_WECHAT_FAIL = {
    "type": "object",
    "properties": {"code": {"const": "FAIL"}, "message": {"type": "string", "minLength": 1}},
    "required": ["code", "message"],
}
_TEXT = {"type": "string"}
_WEBHOOKS: dict[str, dict[str, Any]] = {
    "wechatpay": {
        "description": "微信支付 API v3 回调：" + _SIGNED_BY_PROVIDER,
        "parameters": [
            {"name": name, "in": "header", "required": True, "schema": {"type": "string"}} for name in _WECHAT_HEADERS
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "create_time": {"type": "string"},
                            "event_type": {"type": "string"},
                            "resource_type": {"type": "string"},
                            "summary": {"type": "string"},
                            "resource": {
                                "type": "object",
                                "properties": {
                                    name: {"type": "string"}
                                    for name in (
                                        "algorithm",
                                        "ciphertext",
                                        "nonce",
                                        "associated_data",
                                        "original_type",
                                    )
                                },
                                "required": ["algorithm", "ciphertext", "nonce"],
                            },
                        },
                        "required": ["id", "event_type", "resource"],
                    }
                }
            },
        },
        "responses": {
            "204": {"description": "已受理（不再重发）"},
            "413": {"description": _TOO_LARGE, "content": {"text/plain": {"schema": _TEXT}}},
            # WeChat re-sends on any 4xx/5xx carrying {"code": "FAIL"}.
            "4XX": {"description": "拒绝", "content": {"application/json": {"schema": _WECHAT_FAIL}}},
            "5XX": {"description": "失败，请重发", "content": {"application/json": {"schema": _WECHAT_FAIL}}},
        },
    },
    "alipay": {
        "description": f"支付宝异步通知：{_SIGNED_BY_PROVIDER}；应答正文 success 表示已受理，fail 表示请重发",
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            name: {"type": "string"}
                            for name in (
                                "notify_id",
                                "notify_time",
                                "notify_type",
                                "app_id",
                                "seller_id",
                                "out_trade_no",
                                "trade_no",
                                "trade_status",
                                "total_amount",
                                "sign_type",
                                "sign",
                            )
                        },
                        "required": ["notify_id", "out_trade_no", "trade_status", "sign", "sign_type"],
                    }
                }
            },
        },
        "responses": {
            "200": {
                "description": "success（已受理）或 fail（请重发）",
                "content": {"text/plain": {"schema": {"enum": ["success", "fail"]}}},
            },
            "413": {"description": _TOO_LARGE, "content": {"text/plain": {"schema": _TEXT}}},
            "5XX": {"description": "失败，请重发", "content": {"text/plain": {"schema": _TEXT}}},
        },
    },
}


def _schema(adapter_type: Any, defs: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(adapter_type).json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        # Components are keyed by the model's class name: two models of one name would answer
        # each other's schema (and the web apps' generated types would lie).
        if defs.setdefault(name, definition) != definition:
            raise ValueError(f"two response or request models are named {name}: rename one")
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
    provider = route.path.removeprefix("/webhooks/")
    if route.public and route.path.startswith("/webhooks/") and provider in PROVIDERS:
        return {**operation, **_WEBHOOKS[provider]}
    success: dict[str, Any] = {"description": "成功"}
    if route.response is not None:
        success["content"] = {"application/json": {"schema": _schema(route.response, defs)}}
    # A public route answers 401 only where it signs in (wrong password, spent refresh token).
    signs_in = route.path.startswith("/auth/")
    errors = {code: text for code, text in _ERRORS.items() if code != "401" or not route.public or signs_in}
    error_schema = {"content": {"application/json": {"schema": _schema(ErrorOut, defs)}}}
    operation["responses"] = {
        str(route.status): success,
        **{c: {"description": t, **error_schema} for c, t in errors.items()},
    }
    if route.body is not None:
        operation["responses"]["413"] = {"description": _TOO_LARGE, **error_schema}
        operation["responses"]["415"] = {"description": "请求内容类型应为application/json", **error_schema}
    if not route.public:
        operation["security"] = [{"bearer": []}]
    return operation


def _operation_id(route: RouteSpec) -> str:
    words = re.sub(r"[{}]", "", route.path).strip("/").replace("-", "_").split("/")
    return route.method.lower() + "_" + "_".join(words)


def document() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in declared_routes():  # every route module imported
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
