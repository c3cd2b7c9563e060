"""Table items of stats: SectorTarget, Finding."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from zhtj.table.base import Item


class SectorTarget(Item, discriminator="SectorTarget"):
    """STAT-2: the members an organisation expects to enter in one sector of its subtree and the
    share to reach: pk ORG#<org>, sk SECTORTARGET#<sector>."""

    org_id = UnicodeAttribute()
    sector = UnicodeAttribute()
    expected = NumberAttribute()
    target_percent = NumberAttribute()
    set_by = UnicodeAttribute()
    set_at = UTCDateTimeAttribute()


class Finding(Item, discriminator="Finding"):
    """A compliance finding of one organisation (SWEEP-1..3): pk ORG#<org>, sk FINDING#<code>;
    gsi1 FINDINGS#<province root> / <path>#<code> (a subtree's findings in path order)."""

    org_id = UnicodeAttribute()
    code = UnicodeAttribute()
    concerned = NumberAttribute()  # members, reviews, steps ... it concerns (1 for the organisation itself)
    path = UnicodeAttribute()
    noted_at = UTCDateTimeAttribute()  # when it appeared or its number last changed
