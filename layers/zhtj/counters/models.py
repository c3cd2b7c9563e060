"""Table items of the statistics counters: OwnStat, SubStat, StreamMark."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from zhtj.table.base import Item


class OwnStat(Item, discriminator="OwnStat"):
    """What is attached to one organisation itself (its members, registrations, posts, ...):
    pk ORG#<org>, sk OWNSTAT. Created with the organisation, its path rewritten with it, its
    counters (top-level numbers named by zhtj.stats.rules) moved only by the stats
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
