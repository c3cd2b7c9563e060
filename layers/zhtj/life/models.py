"""Table items of organisation life (LIFE-1): LifeMeeting."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute

from zhtj.table.base import Item


class LifeMeeting(Item, discriminator="LifeMeeting"):
    """A meeting or lecture a branch held (三会两制一课, LIFE-1): pk LIFE#<meeting>, sk META;
    gsi1 BRANCHLIFE#<branch> / <held on>#<meeting>. The statistics stream counts it for its
    branch by the quarter it was held in (`life_<YYYY>Q<n>`). The card does not show it."""

    meeting_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    meeting_kind = UnicodeAttribute()  # life.rules.MeetingKind
    held_on = UnicodeAttribute()  # China date
    topic = UnicodeAttribute()
    minutes = UnicodeAttribute()
    present = ListAttribute(of=UnicodeAttribute, default=list)  # member ids
    absent = UnicodeAttribute(default="[]")  # JSON list of {member_id, reason}
    photo_keys = ListAttribute(of=UnicodeAttribute, default=list)
    recorded_by = UnicodeAttribute()
    recorded_by_org_id = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()
    version = VersionAttribute()
