"""Table items of recommendation to the Party (推优入党, PARTY-1): PartyRecommendation."""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.table.base import Item


class PartyRecommendation(Item, discriminator="PartyRecommendation"):
    """A branch's recommendation of a member to the Party (推优入党, PARTY-1): pk MEMBER#<member>,
    sk PARTY#<recommendation>; gsi1 PARTYQ#<reviewing org> / <state>#<proposed at>#<id> (the
    committee above the branch decides). The card shows an approved one (decided_on,
    reviewing_org_name); the statistics count them by state for the branch."""

    recommendation_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    member_name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    reviewing_org_id = UnicodeAttribute()
    reviewing_org_name = UnicodeAttribute()
    state = UnicodeAttribute()  # party.rules.RecommendationState
    proposed_on = UnicodeAttribute()  # China date
    meeting_id = UnicodeAttribute()  # the 支部大会 that resolved it (LifeMeeting)
    meeting_held_on = UnicodeAttribute()
    grounds = UnicodeAttribute()
    award_ids = ListAttribute(of=UnicodeAttribute, default=list)
    evaluation_years = ListAttribute(of=UnicodeAttribute, default=list)  # years, as text
    previous_id = UnicodeAttribute(null=True)  # the returned recommendation this one follows
    proposed_by = UnicodeAttribute()
    proposed_at = UTCDateTimeAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    decided_on = UnicodeAttribute(null=True)  # China date
    return_reason = UnicodeAttribute(null=True)
    version = VersionAttribute()
