"""Item types of the single table. Key layouts (and the access pattern each serves) are
listed in docs/data-model.md; keep the two in step.

The foundation's items are here; dues, transfers, and awards with the read side's items are in
dues_models, transfer_models and record_models, re-exported below so that importing this module
registers every item class with the table's type discriminator.
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

# Every item class, one import for all (the discriminator must know them all).
from zhtj.dal.change_models import DeletionRequest, EditRequest, ExitRequest, JoinDateWindow
from zhtj.dal.dues_models import (
    AnomalyMark,
    DuesAccount,
    DuesCounter,
    DuesOrder,
    DuesOrderApplied,
    DuesShare,
    DuesStandard,
    LedgerEntry,
    PaidMonth,
    PaymentAnomaly,
    ReconciliationReport,
)
from zhtj.dal.record_models import (
    AnnualRegistration,
    Award,
    AwardDeclaration,
    Evaluation,
    EvaluationProposal,
    Finding,
    FindingHistory,
    IdSearchQuota,
    MemberNameToken,
    OwnStat,
    RetokenMark,
    SectorTarget,
    StreamMark,
    SubStat,
    SweepRun,
    VolunteerRecord,
)
from zhtj.dal.table import Item
from zhtj.dal.transfer_models import (
    IncomingTransfer,
    Transfer,
    TransferBatch,
    TransferBatchRow,
    TransferChainConfig,
    TransferProposal,
    TransferStats,
    TransferStep,
)

# Re-exported: they are imported from here like the foundation's own.
__all__ = [
    "AnnualRegistration",
    "AnomalyMark",
    "Award",
    "AwardDeclaration",
    "DeletionRequest",
    "DuesAccount",
    "DuesCounter",
    "DuesOrder",
    "DuesOrderApplied",
    "DuesShare",
    "DuesStandard",
    "EditRequest",
    "Evaluation",
    "EvaluationProposal",
    "ExitRequest",
    "Finding",
    "FindingHistory",
    "IdSearchQuota",
    "IncomingTransfer",
    "JoinDateWindow",
    "LedgerEntry",
    "MemberNameToken",
    "OwnStat",
    "PaidMonth",
    "PaymentAnomaly",
    "ReconciliationReport",
    "RetokenMark",
    "SectorTarget",
    "StreamMark",
    "SubStat",
    "SweepRun",
    "Transfer",
    "TransferBatch",
    "TransferBatchRow",
    "TransferChainConfig",
    "TransferProposal",
    "TransferStats",
    "TransferStep",
    "VolunteerRecord",
]


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
    state = UnicodeAttribute(default="NORMAL")
    account_id = UnicodeAttribute(null=True)
    registration_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # EDIT/DEL/EXIT (logic/edits.py, deletions.py, exits.py): the open request of each kind,
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
    # every write that moves the tokens is conditioned on it (logic/search_index.py).
    search_path = UnicodeAttribute(null=True)
    version = VersionAttribute()


class Registration(PersonFields, discriminator="Registration"):
    """A registration (报到): pk REG#<id>, sk META; gsi1 BRANCHREG#<branch> / <state>#<submitted>#<id>
    (a branch's registrations by state, oldest first); gsi2 OVERDUE#<escalated to> / <due>#<id>
    while an escalated review waits (REV-2's overdue list)."""

    registration_id = UnicodeAttribute()
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


class Timer(Item, discriminator="Timer"):
    """A deadline or a scheduled re-check: pk TIMER#<kind>#<subject>, sk META;
    gsi2 DUE#<China date>#<shard> / <due time>#<kind>#<subject>.

    Timers are indexed by the day they fall due, spread over a few shards, and swept by a
    scheduled state machine, so a million open deadlines cost no open executions."""

    timer_kind = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    due_at = UTCDateTimeAttribute()
    # For working-day deadlines: recomputed when a year's schedule is loaded.
    counted_from = UTCDateTimeAttribute(null=True)
    workdays = NumberAttribute(null=True)
    # Set by the sweep that hands the timer to the worker, so that later sweeps do not hand
    # it over again while that message is in flight; attempts stop a timer that keeps failing.
    claimed_until = UTCDateTimeAttribute(null=True)
    attempts = NumberAttribute(default=0)


class CalendarYear(Item, discriminator="CalendarYear"):
    """A year's published holiday schedule loaded by the province: pk CALENDAR, sk YEAR#<year>."""

    year = NumberAttribute()
    holidays = UnicodeAttribute()  # ISO dates, comma-separated
    workdays = UnicodeAttribute()
    loaded_at = UTCDateTimeAttribute()
    loaded_by = UnicodeAttribute()


class Wave(Item, discriminator="Wave"):
    """REG-8: when registration opens for a group of sectors: pk WAVES, sk <group>."""

    group = UnicodeAttribute()
    opens_at = UTCDateTimeAttribute()
    opened = BooleanAttribute(default=False)


class Import(Item, discriminator="Import"):
    """IMPORT-1/2, a bulk entry (批量录入) of members from an xlsx: pk IMPORT#<id>, sk META;
    gsi1 IMPORTS#<org> / <created>#<id> (an organisation's imports, in time order).

    Progress is counted in sheet rows: `next_row` is the first row of the next chunk, and it
    advances only together with the chunk's outcomes (ImportChunk), in one transaction."""

    import_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    file_name = UnicodeAttribute(null=True)
    upload_key = UnicodeAttribute()
    upload_etag = UnicodeAttribute(null=True)  # the uploaded file as started: a replaced file is refused
    state = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    rows_total = NumberAttribute(null=True)
    last_row = NumberAttribute(null=True)
    next_row = NumberAttribute(default=2)
    rows_done = NumberAttribute(default=0)
    rows_good = NumberAttribute(default=0)
    rows_bad = NumberAttribute(default=0)
    report_key = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)


class ImportChunk(Item, discriminator="ImportChunk"):
    """The outcomes of one chunk of an import's rows (the ID numbers masked): pk IMPORT#<id>,
    sk CHUNK#<first row>. Read back in order to write the report; expire by TTL afterwards."""

    first_row = NumberAttribute()
    next_row = NumberAttribute()
    outcomes = UnicodeAttribute()  # JSON: a list of RowOutcome.to_list()


# --- CARD: the electronic member card (团员证) -------------------------------------------------


class CardState(Item, discriminator="CardState"):
    """A member's card: pk MEMBER#<member>, sk CARD; while the content is newer than the last
    render, gsi2 CARDDUE#<shard> / <pending since, fixed-width UTC>#<member> (the card sweep).

    `content_version` moves (ADD 1) in every transaction that changes what the card shows
    (logic/cards.changed); `rendered_version` is the content version of the stored PDF and only
    ever grows (the render's conditional write). The member's display preferences live here
    too, so that changing them bumps the content version in the same single-item write."""

    member_id = UnicodeAttribute()
    card_number = UnicodeAttribute()
    content_version = NumberAttribute(default=0)
    changed_at = UTCDateTimeAttribute(null=True)
    pending_since = UTCDateTimeAttribute(null=True)
    rendered_version = NumberAttribute(default=0)
    rendered_at = UTCDateTimeAttribute(null=True)
    # The S3 object version (bucket role `cards`) holding the PDF of rendered_version.
    object_key = UnicodeAttribute(null=True)
    object_version = UnicodeAttribute(null=True)
    size_bytes = NumberAttribute(null=True)
    renders = NumberAttribute(default=0)
    # Preferences (REFERENCE: the member chooses what the card shows).
    dues_by_month = BooleanAttribute(default=True)
    hidden_fields = UnicodeAttribute(null=True)  # comma-separated optional field names
    shown_awards = UnicodeAttribute(null=True)  # comma-separated award ids; absent = all rewards

