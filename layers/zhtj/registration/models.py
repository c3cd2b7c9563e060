"""Table items of registration: Registration, Claim, Wave, RealNameVerdict."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.members.models import PersonFields
from zhtj.table.base import Item


class Registration(PersonFields, discriminator="Registration"):
    """A registration (报到): pk REG#<id>, sk META; gsi1 BRANCHREG#<branch> / <state>#<submitted>#<id>
    (a branch's registrations by state, oldest first); gsi2 OVERDUE#<escalated to> / <due>#<id>
    while an escalated review waits (REV-2's overdue list)."""

    registration_id = UnicodeAttribute()
    # ACCT-2: the account that submitted it (none for a registration an import made).
    account_id = UnicodeAttribute(null=True)
    branch_id = UnicodeAttribute()
    state = UnicodeAttribute()
    real_name_state = UnicodeAttribute()
    real_name_note = UnicodeAttribute(null=True)
    real_name_photo_key = UnicodeAttribute(null=True)
    submitted_at = UTCDateTimeAttribute()
    review_due = UTCDateTimeAttribute(null=True)
    reviewed_at = UTCDateTimeAttribute(null=True)
    reviewed_by = UnicodeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)
    refusal_code = UnicodeAttribute(null=True)
    refusal_message = UnicodeAttribute(null=True)
    previous_id = UnicodeAttribute(null=True)
    member_id = UnicodeAttribute(null=True)
    # REV-2: set when the review deadline passed; the parent may then review in its place.
    escalated_to = UnicodeAttribute(null=True)
    # REG-7: decided when the admission window closes; True if submitted after it.
    late_registration = BooleanAttribute(null=True)
    version = VersionAttribute()


class Claim(Item, discriminator="Claim"):
    """A uniqueness claim: pk IDNO#<blind index> (REG-4: one live registration or membership per
    ID number) or DEVNO#<number> (one person per development number), sk META."""

    owner_kind = UnicodeAttribute()
    owner_id = UnicodeAttribute()


class Wave(Item, discriminator="Wave"):
    """REG-8: when registration opens for a group of sectors: pk WAVES, sk <group>."""

    group = UnicodeAttribute()
    opens_at = UTCDateTimeAttribute()
    opened = BooleanAttribute(default=False)


class RealNameVerdict(Item, discriminator="RealNameVerdict"):
    """REG-5: what the real-name provider answered for one set of facts: pk REALNAME#<keyed hash
    of name, ID number and phone> (zhtj.table.pii.facts_index), sk META. `first` is the answer
    to the first check, `second` to the automatic re-check (the one allowed second call): a
    resubmission with the same facts reuses them instead of paying the provider again. Gone by
    TTL after a year (a record corrected at the authority is then checked afresh)."""

    first = BooleanAttribute()
    second = BooleanAttribute(null=True)
    checked_at = UTCDateTimeAttribute()
