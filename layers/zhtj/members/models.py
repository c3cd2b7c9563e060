"""Table items of members: PersonFields, Member."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.members.rules import MemberState
from zhtj.table.base import Item


class PersonFields(Item):
    """What a registration and a member record both hold (REG-1). The ID number is kept only
    sealed (KMS envelope), as a blind index for look-up, and masked for display."""

    name = UnicodeAttribute()
    id_sealed = UnicodeAttribute(null=True)
    id_index = UnicodeAttribute(null=True)
    id_masked = UnicodeAttribute(null=True)
    birth_date = UnicodeAttribute(null=True)
    sex = UnicodeAttribute(null=True)
    ethnicity = UnicodeAttribute(null=True)
    political_status = UnicodeAttribute(null=True)
    join_month = UnicodeAttribute(null=True)
    development_number = UnicodeAttribute(null=True)
    identity_proof = UnicodeAttribute(null=True)
    is_cadre = BooleanAttribute(default=False)
    education = UnicodeAttribute(null=True)
    occupation = UnicodeAttribute(null=True)
    income_band = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)


class Member(PersonFields, discriminator="Member"):
    """A league member (团员): pk MEMBER#<id>, sk META; gsi1 BRANCH#<branch> / <name>#<id>, or
    FORMER#<branch> / <name>#<id> once the member left by an exit or was deleted (the record
    stays; the branch's member list no longer shows it).

    Members belong to branches only (ORG-4); the branch gives their place in the tree.
    """

    member_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    state = UnicodeAttribute(default=MemberState.NORMAL.value)
    account_id = UnicodeAttribute(null=True)
    registration_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # EDIT/DEL/EXIT (changes/edits.py, deletions.py, exits.py): the open request of each kind,
    # at most one each (the pointers are the guards), and the edit review state the member sees.
    edit_state = UnicodeAttribute(null=True)
    open_edit_id = UnicodeAttribute(null=True)
    open_deletion_id = UnicodeAttribute(null=True)
    open_exit_id = UnicodeAttribute(null=True)
    # XFER: the open transfer (at most one; the pointer is the guard) and a delayed graduation (延期毕业).
    open_transfer_id = UnicodeAttribute(null=True)
    delayed_graduation = BooleanAttribute(null=True)
    # The China date a final exit or the deletion took effect.
    left_on = UnicodeAttribute(null=True)
    # STAT-3: the branch path the member's search tokens carry (absent while off the list);
    # every write that moves the tokens is conditioned on it (names/index.py).
    search_path = UnicodeAttribute(null=True)
    # PARTY-1 (party/service.py): the recommendation to the Party awaiting the committee above
    # (at most one; the pointer is the guard), and the China date one was approved.
    open_party_id = UnicodeAttribute(null=True)
    party_recommended_on = UnicodeAttribute(null=True)
    version = VersionAttribute()
