"""The statistics counters other capabilities write and read: an organisation's OwnStat,
created with it and moved with it (in the caller's transaction), and the subtree totals of its
SubStat shards (STAT-1: O(1) at any level). The counters themselves are moved by the stats
stream (zhtj.stats.stream)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from zhtj.core.errors import NotFoundError
from zhtj.counters import raw as counters
from zhtj.counters.models import OwnStat
from zhtj.counters.rules import own_counters, shards
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork


class Placed(Protocol):
    """An organisation as the counters see it (an orgs.models.Org fits)."""

    @property
    def org_id(self) -> str: ...

    @property
    def depth(self) -> float: ...


def new_own_stat(org_id: str, path: str) -> OwnStat:
    """The OwnStat created in the transaction that creates the organisation (counters come from
    the stream)."""
    return OwnStat(keys.org_pk(org_id), keys.OWN_STAT_SK, org_id=org_id, path=path)


def rewrite_path(uow: UnitOfWork, org_id: str, new_path: str) -> None:
    """Move an organisation's OwnStat with it (in the caller's move transaction)."""
    uow.update(
        OwnStat(keys.org_pk(org_id), keys.OWN_STAT_SK),
        [OwnStat.path.set(new_path), OwnStat.org_id.set(org_id), OwnStat.kind.set(OwnStat)],
        versioned=False,
    )


def sub_totals(orgs: Iterable[Placed]) -> dict[str, Counter[str]]:
    """Subtree counters of each organisation, summed over its shards: one BatchGetItem per
    100 shard keys, whatever the size of the subtrees."""
    wanted = [(o.org_id, n) for o in orgs for n in range(shards(int(o.depth)))]
    totals: dict[str, Counter[str]] = {org_id: Counter() for org_id, _ in wanted}
    found = counters.get_many([(keys.sub_stat_pk(org_id, n), keys.SUB_STAT_SK) for org_id, n in wanted])
    for item in found:
        totals[str(item["org_id"])].update(own_counters(item))
    return totals


def own_figures(org_id: str) -> Counter[str]:
    """One organisation's own counters (its OwnStat)."""
    items = counters.get_many([(keys.org_pk(org_id), keys.OWN_STAT_SK)])
    if not items:
        raise NotFoundError("OWN_STAT_MISSING", "组织统计项不存在", "org_id")
    return own_counters(items[0])
