"""The answers given before any route runs, in the API's own shape: `{code, message, field}`,
the message in Chinese, and nothing taken from the request.

API Gateway answers an unknown path or method, a refused token, throttling or an oversized
request itself. Its default bodies are English and some repeat the request: with an
Authorization header, an unknown path's message quotes the whole token. These bodies are
fixed text, never `$context.error.message`, so no credential can come back.

One table, three readers: the cloud template's gateway responses (infra/template.py), the
local stack's stand-in for API Gateway (infra/local/stack.py) and Chalice's own answers in the
app (functions/chalicelib/http.py: an unrouted method, an exception outside a view).
"""

from __future__ import annotations

from typing import Any

import msgspec


class GatewayAnswer(msgspec.Struct, frozen=True):
    status: int | None  # None: the status API Gateway chose (DEFAULT_4XX, DEFAULT_5XX)
    code: str
    message: str
    field: str | None = None

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field}


_BUSY = "系统繁忙，请稍后再试"
_REFUSED = GatewayAnswer(403, "FORBIDDEN", "无权访问该接口")
INTERNAL = GatewayAnswer(500, "INTERNAL_ERROR", _BUSY)
_TOO_MANY = GatewayAnswer(429, "TOO_MANY_REQUESTS", "请求过于频繁，请稍后再试")
# Every route of the API declares its methods: an unknown path or method is no route at all.
ROUTE_NOT_FOUND = GatewayAnswer(404, "ROUTE_NOT_FOUND", "请求的接口不存在，请检查地址和请求方法")
# The local app alone can tell a known path with another method (API Gateway cannot).
METHOD_NOT_ALLOWED = GatewayAnswer(405, "METHOD_NOT_ALLOWED", "该接口不支持此请求方法")

# Every gateway response type API Gateway has (REST APIs), by name.
GATEWAY_RESPONSES: dict[str, GatewayAnswer] = {
    "DEFAULT_4XX": GatewayAnswer(None, "REQUEST_REFUSED", "请求无法处理，请检查后重试"),
    "DEFAULT_5XX": GatewayAnswer(None, "INTERNAL_ERROR", _BUSY),
    "MISSING_AUTHENTICATION_TOKEN": ROUTE_NOT_FOUND,
    "RESOURCE_NOT_FOUND": ROUTE_NOT_FOUND,
    "UNAUTHORIZED": GatewayAnswer(401, "UNAUTHENTICATED", "未登录或令牌无效", "Authorization"),
    "EXPIRED_TOKEN": GatewayAnswer(401, "TOKEN_EXPIRED", "登录已过期，请重新登录", "Authorization"),
    "ACCESS_DENIED": _REFUSED,
    "INVALID_SIGNATURE": _REFUSED,
    "INVALID_API_KEY": _REFUSED,
    "WAF_FILTERED": _REFUSED,
    "THROTTLED": _TOO_MANY,
    "QUOTA_EXCEEDED": _TOO_MANY,
    "REQUEST_TOO_LARGE": GatewayAnswer(413, "PAYLOAD_TOO_LARGE", "请求内容过大"),
    "UNSUPPORTED_MEDIA_TYPE": GatewayAnswer(
        415, "UNSUPPORTED_MEDIA_TYPE", "请求内容类型应为application/json", "Content-Type"
    ),
    "BAD_REQUEST_PARAMETERS": GatewayAnswer(400, "INVALID_REQUEST", "请求参数不正确"),
    "BAD_REQUEST_BODY": GatewayAnswer(400, "INVALID_REQUEST", "请求内容不正确"),
    "AUTHORIZER_FAILURE": INTERNAL,
    "AUTHORIZER_CONFIGURATION_ERROR": INTERNAL,
    "API_CONFIGURATION_ERROR": INTERNAL,
    "INTEGRATION_FAILURE": GatewayAnswer(502, "INTERNAL_ERROR", _BUSY),
    "INTEGRATION_TIMEOUT": GatewayAnswer(504, "TIMEOUT", "处理超时，请稍后再试"),
}
