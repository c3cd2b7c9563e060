"""Opaque page cursors: a query's LastEvaluatedKey, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from zhtj.errors import ValidationError

BAD_CURSOR = ValidationError("CURSOR_INVALID", "翻页标记无效，请从第一页重新查询", "cursor")


def encode(value: dict[str, Any] | None) -> str | None:
    if not value:
        return None
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> dict[str, Any] | None:
    """Raises ValidationError for a cursor this system did not hand out."""
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BAD_CURSOR from error
    if not isinstance(value, dict):
        raise BAD_CURSOR
    return value


def query_page(query: Any, *args: Any, limit: int, cursor: str | None, **kwargs: Any) -> tuple[list[Any], str | None]:
    """Run a PynamoDB query (`Model.query` or `Index.query`) for one page.

    Returns the items and the cursor of the next page (None on the last one). A cursor
    that does not belong to this query is a ValidationError, not a 500.
    """
    from pynamodb.exceptions import QueryError

    try:
        results = query(*args, limit=limit, last_evaluated_key=decode(cursor), **kwargs)
        items = list(results)
    except QueryError as error:
        if getattr(error, "cause_response_code", None) == "ValidationException":
            raise BAD_CURSOR from error
        raise
    return items, encode(results.last_evaluated_key) if len(items) == limit else None
