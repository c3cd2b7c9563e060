"""A partition read as plain items: the member card gathers a member's whole history with one
Query, including item kinds this layer has no model class for yet (cards/service.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from zhtj.table.base import Item

_DESERIALIZER = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [_plain(v) for v in value]
    return value


def items(pk: str) -> list[dict[str, Any]]:
    """Every item under `pk`, in sort-key order, as plain values (numbers as int or float,
    datetimes as their stored ISO text). Strongly consistent; pages until the end."""
    # The table's connection (its key schema comes from the model, no DescribeTable).
    connection = Item._get_connection()
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        page = connection.query(pk, consistent_read=True, exclusive_start_key=start)
        found.extend({k: _plain(_DESERIALIZER.deserialize(v)) for k, v in raw.items()} for raw in page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return found
