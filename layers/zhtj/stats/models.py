"""Table items of stats: OwnStat, SubStat, StreamMark, SectorTarget."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item


class OwnStat(Item, discriminator="OwnStat"):
    """What is attached to one organisation itself (its members, registrations, posts, ...):
    pk ORG#<org>, sk OWNSTAT. Created with the organisation, its path rewritten with it, its
    counters (top-level numbers named by zhtj.domain.stat_rules) moved only by the stats
    stream (ADD) and, for the time-dependent ones (t_*), SET by the daily sweep. Its own stream
    records roll its figures up the path into SubStat."""

    org_id = UnicodeAttribute()
    path = UnicodeAttribute()


class SubStat(Item, discriminator="SubStat"):
    """One shard of an organisation's subtree counters: pk STAT#<org>#<shard>, sk STAT. Moved
    by ADD only, from the stream; a read gets every shard with one BatchGetItem."""

    org_id = UnicodeAttribute()


class StreamMark(Item, discriminator="StreamMark"):
    """A stream record already applied (its counter moves landed with this mark, in one
    transaction): pk STREAMREC#<event id>, sk META; expires (TTL) after the stream's retention."""


class SectorTarget(Item, discriminator="SectorTarget"):
    """STAT-2: the members an organisation expects to enter in one sector of its subtree and the
    share to reach: pk ORG#<org>, sk SECTORTARGET#<sector>."""

    org_id = UnicodeAttribute()
    sector = UnicodeAttribute()
    expected = NumberAttribute()
    target_percent = NumberAttribute()
    set_by = UnicodeAttribute()
    set_at = UTCDateTimeAttribute()
