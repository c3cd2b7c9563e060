"""Counter items whose attribute names are data (a month's figures: p03, a03, ...): read raw,
because a PynamoDB model only loads the attributes it declares."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute

from zhtj.dal.table import Item

_SK = UnicodeAttribute(range_key=True, attr_name="sk")


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
