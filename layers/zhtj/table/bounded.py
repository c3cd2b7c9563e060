"""A filtered Query with a bound on what it reads (STAT-3's fragment search, AUDIT-1's
filtered trail).

PynamoDB's `limit` counts items returned after the filter, so a filter that rejects most of a
partition makes one call read all of it. `query_bounded` stops after `budget` items evaluated
(about ceil(budget / page_size) requests) and hands back where it stopped: a search answers
within its time however selective the filter is, with fewer hits and a cursor to go on.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pynamodb.exceptions import QueryError

from zhtj.table.base import Item
from zhtj.table.paging import BAD_CURSOR

T = TypeVar("T", bound=Item)


def query_bounded(
    model: type[T],
    hash_key: str,
    range_key_condition: Any,
    *,
    want: int,
    start_key: dict[str, Any] | None,
    budget: int,
    page_size: int,
    filter_condition: Any = None,
    index: Any = None,
    newest_first: bool = False,
) -> tuple[list[T], dict[str, Any] | None]:
    """Up to `want` items of one partition in key order (reversed if `newest_first`), of the
    table or of `index` (an index of `model`), reading at most about `budget` items.
    Returns the items and the key to resume from (None once the partition is exhausted).
    Raises ValidationError for a start key that does not belong to this query."""
    results = (index or model).query(
        hash_key,
        range_key_condition,
        filter_condition=filter_condition,
        page_size=page_size,
        last_evaluated_key=start_key,
        scan_index_forward=not newest_first,
    )
    pages = results.page_iter
    found: list[T] = []
    evaluated = 0
    try:
        for page in pages:
            evaluated += int(page.get("ScannedCount", 0))
            raw_items = page.get("Items", [])
            for position, raw in enumerate(raw_items):
                item = model.from_raw_data(raw)
                if isinstance(item, model):
                    found.append(item)
                if len(found) == want:
                    if position == len(raw_items) - 1:
                        return found, pages.last_evaluated_key
                    return found, {name: raw[name] for name in pages.key_names}
            if pages.last_evaluated_key is None:
                return found, None
            if evaluated >= budget:
                return found, pages.last_evaluated_key
    except QueryError as error:
        if getattr(error, "cause_response_code", None) == "ValidationException":
            raise BAD_CURSOR from error
        raise
    return found, None
