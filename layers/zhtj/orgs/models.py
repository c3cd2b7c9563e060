"""Table items of orgs: Org, NameToken, OrgNameClaim, BranchRelabel, TreeJob, TreeLock, Grant."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.orgs.rules import OrgStatus, TreeJobStatus
from zhtj.table.base import Item


class Org(Item, discriminator="Org"):
    """An organisation (团组织): pk ORG#<id>, sk META.

    gsi1: CHILDREN#<parent> / <type rank>#<short name>#<id> (children of a parent, by type);
    gsi2: TREE#<depth-1 ancestor> / <path> (a subtree by materialized path).
    """

    org_id = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)
    path = UnicodeAttribute()
    depth = NumberAttribute()
    org_type = UnicodeAttribute()
    level = UnicodeAttribute(null=True)
    sector = UnicodeAttribute()
    short_name = UnicodeAttribute()
    full_name = UnicodeAttribute()
    alias = UnicodeAttribute()
    region_name = UnicodeAttribute(null=True)
    entry_year = NumberAttribute(null=True)
    status = UnicodeAttribute(default=OrgStatus.ACTIVE.value)
    system = BooleanAttribute(default=False)
    member_count = NumberAttribute(default=0)
    child_count = NumberAttribute(default=0)
    # Set while a move of this subtree rewrites the paths below it.
    moving_job_id = UnicodeAttribute(null=True)
    # REV-2: reviews of this branch that passed their deadline (a permanent mark, never decremented).
    overdue_reviews = NumberAttribute(default=0)
    # XFER-6: a class branch marked to graduate on a China date becomes a graduates' branch then.
    graduation_date = UnicodeAttribute(null=True)
    graduates_branch = BooleanAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class NameToken(Item, discriminator="NameToken"):
    """One bigram of an organisation's short name: pk NAME#<bigram>, sk <path>#<id>.

    A fragment search in a subtree reads one bigram's partition from the subtree's path on.
    """

    ref_id = UnicodeAttribute()
    # The short name lower-cased without spaces (what fragments are matched against).
    name = UnicodeAttribute()
    label = UnicodeAttribute()
    org_type = UnicodeAttribute()


class OrgNameClaim(Item, discriminator="OrgNameClaim"):
    """ORG-5: an active organisation's short name, held by it alone in the province: pk
    ORGNAME#<short name lower-cased without spaces>, sk META. Put on creation (must not exist),
    moved by a rename (the old one deleted, the new one put, in one transaction), deleted when
    the organisation is dissolved. Two renames to one name: one transaction wins."""

    ref_id = UnicodeAttribute()


class BranchRelabel(Item, discriminator="BranchRelabel"):
    """A renamed branch whose members' search labels (MemberNameToken.branch_name) and cards
    (the branch's full name) still follow: pk RELABELS, sk <branch id>. Written in the rename's
    transaction; the org-relabel worker deletes it once every member has followed (unless a
    later rename rewrote it); the tree watchdog sends on one that stalled."""

    branch_id = UnicodeAttribute()
    renamed_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()  # the worker's last page (the watchdog's clock)


class Grant(Item, discriminator="Grant"):
    """A position or administrator right of an account in an organisation (职务 / 管理员):
    pk ACCOUNT#<id>, sk GRANT#<org>#<role>; gsi1 STAFF#<org> / <role>#<account>.
    """

    account_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    role = UnicodeAttribute()
    granted_at = UTCDateTimeAttribute()


class TreeJob(Item, discriminator="TreeJob"):
    """A subtree move: pk JOB#<id>, sk META; gsi1 JOBS#RUNNING / <created> while it runs."""

    job_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    old_path = UnicodeAttribute()
    new_path = UnicodeAttribute()
    status = UnicodeAttribute(default=TreeJobStatus.RUNNING.value)
    rewritten = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)


class TreeLock(Item, discriminator="TreeLock"):
    """One subtree move at a time per depth-1 bucket: pk LOCK#TREE#<bucket>, sk META.
    Expires by TTL should its job die, so a lost job cannot lock a city forever."""

    job_id = UnicodeAttribute()
