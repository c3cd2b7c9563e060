"""Table items of awards: Award, AwardDeclaration."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.table.base import Item


class Award(Item, discriminator="Award"):
    """A reward or punishment on a member's record (奖惩, AWARD-1): pk MEMBER#<member>, sk
    AWARD#<award>; gsi1 AWARDS#<entering org> / <entered at>#<award> (what an organisation
    entered); gsi2 AWARDLATE#<entering org> / <entered at>#<award> while flagged late (AWARD-2).
    The card reads award_id, award_kind, title, granted_on, granted_by_name, in_force."""

    award_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    award_kind = UnicodeAttribute()  # REWARD, PUNISHMENT
    title = UnicodeAttribute()
    level = UnicodeAttribute(null=True)  # 级别/等级 as the document states it
    document_number = UnicodeAttribute()
    granted_on = UnicodeAttribute()  # the document's China date
    granted_by_org_id = UnicodeAttribute(null=True)  # None: a body outside the league tree
    granted_by_name = UnicodeAttribute()
    entered_by_org_id = UnicodeAttribute()
    entered_by = UnicodeAttribute()
    entered_at = UTCDateTimeAttribute()
    entry_deadline = UnicodeAttribute()  # AWARD-2: China date, 20 working days after granted_on
    late = BooleanAttribute(default=False)
    attachment_key = UnicodeAttribute(null=True)
    starts_on = UnicodeAttribute(null=True)  # punishments
    released_on = UnicodeAttribute(null=True)
    in_force = BooleanAttribute(null=True)  # punishments: false once released
    declaration_id = UnicodeAttribute(null=True)  # entered by approving the member's declaration
    batch_id = UnicodeAttribute(null=True)
    version = VersionAttribute()


class AwardDeclaration(Item, discriminator="AwardDeclaration"):
    """A member's declaration of an award they received (not on the card until approved): pk
    MEMBER#<member>, sk DECL#<declaration>; gsi1 AWARDQ#<reviewing org> / <state>#<declared>#<id>."""

    declaration_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    award_kind = UnicodeAttribute()
    title = UnicodeAttribute()
    level = UnicodeAttribute(null=True)
    document_number = UnicodeAttribute()
    granted_on = UnicodeAttribute()
    granted_by_org_id = UnicodeAttribute(null=True)
    granted_by_name = UnicodeAttribute()
    reviewing_org_id = UnicodeAttribute()
    attachment_key = UnicodeAttribute(null=True)
    state = UnicodeAttribute()  # PENDING, APPROVED, RETURNED
    declared_at = UTCDateTimeAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)
    award_id = UnicodeAttribute(null=True)
    version = VersionAttribute()
