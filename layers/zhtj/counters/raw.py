"""Counter items whose attribute names are data (a month's figures: p03, a03, ...): read raw,
because a PynamoDB model only loads the attributes it declares."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.expressions.operand import Path

from zhtj.core.settings import get_settings
from zhtj.table.base import Item

_SK = UnicodeAttribute(range_key=True, attr_name="sk")


def number(name: str) -> Path:
    """A top-level number attribute named by data, for update actions (`number("p03").add(1)`)."""
    return Path(NumberAttribute(attr_name=name))


def get_many(keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The raw items (plain values, numbers as int) at `keys`, with one strongly consistent
    BatchGetItem per 100 keys; missing items are left out."""
    table = get_settings().table_name
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):
        chunk = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys[start : start + 100]]
        request: Any = {table: {"Keys": chunk, "ConsistentRead": True}}
        while request:
            answer = Item._get_connection().connection.client.batch_get_item(RequestItems=request)
            found.extend(plain(item) for item in answer.get("Responses", {}).get(table, []))
            request = answer.get("UnprocessedKeys") or None
    return found


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB-JSON item as plain values (numbers as int, or float if fractional)."""
    out: dict[str, Any] = {}
    for name, value in item.items():
        ((tag, raw),) = value.items()
        if tag == "N":
            number_value = float(raw)
            out[name] = int(number_value) if number_value.is_integer() else number_value
        elif tag in ("S", "BOOL"):
            out[name] = raw
        elif tag == "NULL":
            out[name] = None
        elif tag == "SS":
            out[name] = set(raw)
        elif tag == "M":
            out[name] = plain(raw)
        elif tag == "L":
            out[name] = [plain({"v": v})["v"] for v in raw]
        else:
            out[name] = raw
    return out


def sum_numbers(pk: str, sk_prefix: str, names: frozenset[str]) -> dict[str, int]:
    """Sum the named number attributes over the items of a partition whose sort key starts
    with `sk_prefix` (the shards of one counter): one strongly consistent Query."""
    totals: dict[str, int] = {}
    last_key: Any = None
    while True:
        page = Item._get_connection().query(
            pk,
            range_key_condition=_SK.startswith(sk_prefix),
            consistent_read=True,
            exclusive_start_key=last_key,
        )
        for item in page.get("Items", []):
            for name, value in item.items():
                if name in names and "N" in value:
                    totals[name] = totals.get(name, 0) + int(value["N"])
        last_key = page.get("LastEvaluatedKey")
        if not last_key:
            return totals
