"""Item types of the single table. Key layouts (and the access pattern each serves) are
listed in docs/data-model.md; keep the two in step.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.dal.table import Item


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
    status = UnicodeAttribute(default="ACTIVE")
    system = BooleanAttribute(default=False)
    member_count = NumberAttribute(default=0)
    child_count = NumberAttribute(default=0)
    # Set while a move of this subtree rewrites the paths below it.
    moving_job_id = UnicodeAttribute(null=True)
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


class Account(Item, discriminator="Account"):
    """A login: pk ACCOUNT#<id>, sk META. A cadre's or member's account names their member record."""

    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    member_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class Grant(Item, discriminator="Grant"):
    """A position or administrator right of an account in an organisation (职务 / 管理员):
    pk ACCOUNT#<id>, sk GRANT#<org>#<role>; gsi1 STAFF#<org> / <role>#<account>.
    """

    account_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    role = UnicodeAttribute()
    granted_at = UTCDateTimeAttribute()


class Member(Item, discriminator="Member"):
    """A league member (团员): pk MEMBER#<id>, sk META; gsi1 BRANCH#<branch> / <name>#<id>.

    Members belong to branches only (ORG-4); the branch gives their place in the tree.
    """

    member_id = UnicodeAttribute()
    name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    state = UnicodeAttribute(default="NORMAL")
    account_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()


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


class TreeJob(Item, discriminator="TreeJob"):
    """A subtree move: pk JOB#<id>, sk META; gsi1 JOBS#RUNNING / <created> while it runs."""

    job_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    old_path = UnicodeAttribute()
    new_path = UnicodeAttribute()
    status = UnicodeAttribute(default="RUNNING")
    rewritten = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)


class TreeLock(Item, discriminator="TreeLock"):
    """One subtree move at a time per depth-1 bucket: pk LOCK#TREE#<bucket>, sk META.
    Expires by TTL should its job die, so a lost job cannot lock a city forever."""

    job_id = UnicodeAttribute()
