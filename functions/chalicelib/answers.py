"""The API's answers that need no route: a refusal's `{code, message, field}` body, and the
middleware `chalice_answers`, which gives what Chalice answers by itself (405, 500) the API's
shape. Loaded by the API's cold start (app.py), so it imports chalice and `zhtj.core` only."""

from __future__ import annotations

import json
from collections.abc import Callable

from chalice.app import Request, Response

from zhtj.core.errors import DomainError
from zhtj.core.gateway_responses import GATEWAY_RESPONSES, INTERNAL, METHOD_NOT_ALLOWED, GatewayAnswer
from zhtj.core.observability import logger

JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json; charset=utf-8"}


def error_response(error: DomainError) -> Response:
    return Response(
        body=json.dumps(error.to_body(), ensure_ascii=False), status_code=error.status, headers=JSON_HEADERS
    )


class _Internal(DomainError):
    status = 500


INTERNAL_ERROR = _Internal(INTERNAL.code, INTERNAL.message, INTERNAL.field)


def _gateway_answer(answer: GatewayAnswer, status: int, headers: dict[str, str | list[str]]) -> Response:
    return Response(
        body=json.dumps(answer.body(), ensure_ascii=False), status_code=status, headers={**headers, **JSON_HEADERS}
    )


def chalice_answers(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Middleware: what Chalice answers itself, in the API's shape. A method the path does not
    declare gets Chalice's 405 {"Code": "MethodNotAllowedError"} (API Gateway never lets one
    through; the local stack does); an exception a view lets escape (a webhook's) Chalice's 500
    {"Code": "InternalServerError"}; one raised in other middleware is caught here. Registered
    first, so it wraps every other middleware."""
    try:
        response = get_response(event)
    except Exception:
        logger.exception("unhandled error outside a route")
        return _gateway_answer(INTERNAL, 500, {})
    if not (isinstance(response.body, dict) and "Code" in response.body):
        return response
    if response.status_code == 405:
        return _gateway_answer(METHOD_NOT_ALLOWED, 405, {"Allow": response.headers.get("Allow", "")})
    return _gateway_answer(
        INTERNAL if response.status_code >= 500 else GATEWAY_RESPONSES["DEFAULT_4XX"], response.status_code, {}
    )
