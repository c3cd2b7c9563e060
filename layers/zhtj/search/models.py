"""Table items of search: IdSearchQuota."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
)

from zhtj.table.base import Item


class IdSearchQuota(Item, discriminator="IdSearchQuota"):
    """STAT-3's look-ups by ID number one reader made on one China day: pk
    IDSEARCHES#<account>#<day>, sk META. Each look-up adds one in the transaction that audits it,
    on condition that the day's limit is not reached; gone by TTL the day after."""

    used = NumberAttribute(default=0)
