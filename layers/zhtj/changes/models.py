"""Item types of the changes to a member after approval (EDIT-1..4, DEL-1, EXIT-1..2): edit,
deletion and exit requests, and the join-date correction windows.
Key layouts are in docs/data-model.md."""

from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item

# --- Changes to a member after approval: EDIT, DEL, EXIT ----------------------------------
# A member's requests live in the member's own partition, so that a member's history of each
# kind is one query and the open request is found from the member's pointer by one read.


class EditRequest(Item, discriminator="EditRequest"):
    """A change of reviewed data (EDIT-2) or of the join month (EDIT-4): pk MEMBER#<member>,
    sk EDIT#<request>. gsi1: BRANCHEDIT#<branch> / <state>#<requested at>#<request> when the
    branch reviews it (EDIT-2, EDIT-4 inside a window); PROVINCEEDIT / <state>#<requested
    at>#<request> when the city-level committee applied and the province decides (EDIT-4
    outside a window)."""

    request_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    route = UnicodeAttribute()  # BRANCH_REVIEW or PROVINCE_APPLICATION
    state = UnicodeAttribute()
    changes = MapAttribute()  # type: ignore[var-annotated]
    previous = MapAttribute()  # type: ignore[var-annotated]
    reason = UnicodeAttribute(null=True)  # the member's, or the committee's written explanation
    requested_by = UnicodeAttribute()
    requested_org_id = UnicodeAttribute(null=True)
    requested_at = UTCDateTimeAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_org_id = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)


class DeletionRequest(Item, discriminator="DeletionRequest"):
    """DEL-1, a request to delete a member: pk MEMBER#<member>, sk DELETION#<request>.
    gsi1 DELCITY#<city-level committee> / <state>#<requested at>#<request> (what a city-level
    committee collects); gsi2 while open DELETIONS#<state> / <requested at>#<request> (what
    the province decides, and returns in bulk)."""

    request_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    city_org_id = UnicodeAttribute()
    state = UnicodeAttribute()
    cause = UnicodeAttribute()
    reason = UnicodeAttribute()
    explanation = UnicodeAttribute(null=True)
    requested_by = UnicodeAttribute()
    requested_org_id = UnicodeAttribute()
    requested_at = UTCDateTimeAttribute()
    forwarded_by = UnicodeAttribute(null=True)
    forwarded_at = UTCDateTimeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)


class ExitRequest(Item, discriminator="ExitRequest"):
    """EXIT-1/EXIT-2, leaving the league by a branch meeting's resolution: pk MEMBER#<member>,
    sk EXIT#<request>; gsi1 BRANCHEXIT#<branch> / <state>#<applied at>#<request>."""

    request_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    exit_kind = UnicodeAttribute()
    state = UnicodeAttribute()
    resolution_date = UnicodeAttribute()
    resolution = UnicodeAttribute()
    applied_by = UnicodeAttribute()
    applied_org_id = UnicodeAttribute()
    applied_at = UTCDateTimeAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_org_id = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)


class JoinDateWindow(Item, discriminator="JoinDateWindow"):
    """EDIT-4: a window in which members may ask to correct their join month, set by the
    province: pk JOINWINDOWS, sk <opens on>#<closes on> (China dates, both inclusive)."""

    opens_on = UnicodeAttribute()
    closes_on = UnicodeAttribute()
    set_by = UnicodeAttribute()
    set_at = UTCDateTimeAttribute()
