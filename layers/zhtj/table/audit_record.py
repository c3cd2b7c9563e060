"""Table items of table: AuditRecord."""

from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item


class AuditRecord(Item, discriminator="AuditRecord"):
    """AUDIT-1, append-only: pk AUDIT#<subject kind>#<subject id>, sk <time>#<id>;
    gsi1 AUDITORG#<org of the change> / <time>#<id>.
    """

    action = UnicodeAttribute()
    subject_kind = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    actor_account_id = UnicodeAttribute()
    actor_org_id = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()
    before = MapAttribute(null=True)  # type: ignore[var-annotated]
    after = MapAttribute(null=True)  # type: ignore[var-annotated]
