"""XFER-2's monitoring figures (TransferStats): the counter moves every transfer event writes in
its own transaction, to every organisation above both branches (one of a few shards), and their
sums read back for an organisation's subtree (one Query, whatever its size). Graduation
(batches.py) moves the graduates' counters the same way."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

import msgspec
from pynamodb.expressions.update import Action

from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import path_ids
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.base import Item, get_items
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.transfers.chain import chain_config
from zhtj.transfers.models import Transfer, TransferStats
from zhtj.transfers.rules import HISTOGRAM_BUCKETS, TransferState, bucket_of, percentile_hours

# The monitoring counters group the states so: an appeal is a live request again.
COUNTED = {
    TransferState.OPEN: "open",
    TransferState.APPEALED: "open",
    TransferState.RETURNED: "returned",
    TransferState.COMPLETED: "completed",
    TransferState.WITHDRAWN: "withdrawn",
}
_STATES = ("open", "returned", "completed", "withdrawn")
_FIGURE_FIELDS = (
    *(f"{side}_{state}" for side in ("out", "in") for state in _STATES),
    *(f"h{i}" for i in range(HISTOGRAM_BUCKETS)),
    "responses",
    "within_deadline",
    "late_steps",
    "overdue_now",
    "graduates",
    "graduates_transferred",
)


# --- Writing: the counter moves of one transaction ---------------------------------------------


class Counts:
    """Counter moves of one transaction, merged per organisation (one update per item: a
    transaction may not touch an item twice), written to one shard chosen by `seed`."""

    def __init__(self) -> None:
        self.moves: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, path: str | None, field: str, value: int = 1) -> None:
        """Move a counter of every organisation on a materialized path (the subtree's figures)."""
        if path:
            for org_id in path_ids(path):
                self.moves[org_id][field] += value

    def write(self, uow: UnitOfWork, seed: str) -> None:
        sk = keys.transfer_stats_sk(zlib.crc32(seed.encode()) % keys.TRANSFER_STATS_SHARDS)
        for org_id, moves in self.moves.items():
            actions: list[Action] = [getattr(TransferStats, f).add(v) for f, v in sorted(moves.items()) if v]
            if actions:
                # The update may create the item: name its kind.
                actions.append(TransferStats.kind.set(TransferStats))
                uow.update(TransferStats(keys.transfer_stats_pk(org_id), sk), actions, versioned=False)


class EventCounts(Counts):
    """The counter moves of one transfer event."""

    def __init__(self, transfer: Transfer) -> None:
        super().__init__()
        self.transfer = transfer

    def state(self, before: str | None, after: str) -> None:
        t = self.transfer
        for side, path in (("out", t.from_path), ("in", t.to_path)):
            if before is not None:
                self.add(path, f"{side}_{COUNTED[TransferState(before)]}", -1)
            self.add(path, f"{side}_{COUNTED[TransferState(after)]}")

    def response(self, asked_path: str, asked_at: datetime, at: datetime, overdue: bool) -> float:
        hours = (at - asked_at).total_seconds() / 3600
        self.add(asked_path, "responses")
        self.add(asked_path, f"h{bucket_of(hours)}")
        if hours <= chain_config().response_hours and not overdue:
            self.add(asked_path, "within_deadline")
        if overdue:
            self.add(asked_path, "overdue_now", -1)
        return hours

    def write_event(self, uow: UnitOfWork) -> None:
        """One shard per event of the transfer, so a transfer's events spread over the shards."""
        self.write(uow, f"{self.transfer.transfer_id}#{len(self.transfer.history)}")


# --- Reading: the sums of an organisation's shards ---------------------------------------------


class Figures(msgspec.Struct, frozen=True):
    """XFER-2's figures of an organisation's subtree."""

    out_by_state: dict[str, int]
    in_by_state: dict[str, int]
    responses: int
    within_deadline_rate: float | None
    median_hours: int | None  # upper bound of the histogram bucket; -1: beyond the largest bound
    p90_hours: int | None
    late_steps: int
    overdue_now: int
    graduates: int
    graduates_transferred: int
    graduate_completion_rate: float | None


def figures(org_id: str) -> Figures:
    """Sum the shards of one organisation (one Query, whatever the size of its subtree)."""
    return _summed(TransferStats.query(keys.transfer_stats_pk(org_id), consistent_read=True))


def figures_of(org_ids: list[str]) -> dict[str, Figures]:
    """The figures of several organisations at once: their shards read by key (one
    BatchGetItem per 100 keys: 12 organisations of 8 shards each), summed per organisation."""
    wanted = [
        (keys.transfer_stats_pk(org_id), keys.transfer_stats_sk(shard))
        for org_id in org_ids
        for shard in range(keys.TRANSFER_STATS_SHARDS)
    ]
    found = get_items(wanted)
    return {
        org_id: _summed(
            found[(keys.transfer_stats_pk(org_id), keys.transfer_stats_sk(shard))]
            for shard in range(keys.TRANSFER_STATS_SHARDS)
            if (keys.transfer_stats_pk(org_id), keys.transfer_stats_sk(shard)) in found
        )
        for org_id in org_ids
    }


def _summed(shards: Iterable[Item]) -> Figures:
    totals: Counter[str] = Counter()
    for item in shards:
        if isinstance(item, TransferStats):
            for name in _FIGURE_FIELDS:
                totals[name] += int(getattr(item, name) or 0)
    histogram = [totals[f"h{i}"] for i in range(HISTOGRAM_BUCKETS)]
    graduates = totals["graduates"]
    return Figures(
        out_by_state={state: totals[f"out_{state}"] for state in _STATES},
        in_by_state={state: totals[f"in_{state}"] for state in _STATES},
        responses=totals["responses"],
        within_deadline_rate=totals["within_deadline"] / totals["responses"] if totals["responses"] else None,
        median_hours=percentile_hours(histogram, 0.5),
        p90_hours=percentile_hours(histogram, 0.9),
        late_steps=totals["late_steps"],
        overdue_now=totals["overdue_now"],
        graduates=graduates,
        graduates_transferred=totals["graduates_transferred"],
        graduate_completion_rate=totals["graduates_transferred"] / graduates if graduates else None,
    )


def read_figures(principal: Principal, org_id: str) -> Figures:
    authorize(principal, "transfer.stats", get_org(org_id))
    return figures(org_id)


def read_children_figures(
    principal: Principal, org_id: str, cursor: str | None, limit: int
) -> tuple[list[tuple[Org, Figures]], str | None]:
    """XFER-2 reported as a rate per organisation: each direct child's figures (its subtree's),
    a page of children at a time: one Query for the page, one BatchGetItem for its shards."""
    authorize(principal, "transfer.stats", get_org(org_id))
    children, next_cursor = paging.query_page(Org.by_gsi1.query, keys.children_pk(org_id), limit=limit, cursor=cursor)
    found = figures_of([c.org_id for c in children])
    return [(c, found[c.org_id]) for c in children], next_cursor
