"""Table items of sweeps: FindingHistory, SweepRun."""

from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item


class FindingHistory(Item, discriminator="FindingHistory"):
    """A day's finding counts of an organisation's subtree, by code, as the daily sweep saw
    them: pk ORG#<org>, sk FINDHIST#<YYYY-MM-DD>."""

    org_id = UnicodeAttribute()
    day = UnicodeAttribute()
    counts = MapAttribute()  # type: ignore[var-annotated]
    run_id = UnicodeAttribute()


class SweepRun(Item, discriminator="SweepRun"):
    """One sweep (the daily one or on demand): pk SWEEP#<run>, sk META; gsi1 SWEEPS / <started>.
    Segments report into `segments_done` (a string set: a redelivered segment adds nothing)."""

    run_id = UnicodeAttribute()
    segments = NumberAttribute()
    segments_done = UnicodeSetAttribute(null=True)
    state = UnicodeAttribute()  # sweeps.rules.SweepState
    started_at = UTCDateTimeAttribute()
    started_by = UnicodeAttribute()
    day = UnicodeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    findings = MapAttribute(null=True)  # type: ignore[var-annotated]
    drift = UnicodeAttribute(null=True)  # JSON: what the recount found different (must be empty)
    drift_count = NumberAttribute(null=True)
    items_scanned = NumberAttribute(null=True)
