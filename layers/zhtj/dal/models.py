"""Item types of the single table. Key layouts (and the access pattern each serves) are
listed in docs/data-model.md; keep the two in step.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
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


# --- DUES: league dues (团费) -----------------------------------------------------------------
# Amounts are integer fen everywhere. What a member paid lives in the member's partition (the
# card reads it with the member's history); orders, ledgers and statistics have their own.


class PaidMonth(Item, discriminator="PaidMonth"):
    """One month of dues paid (DUES-4): pk MEMBER#<member>, sk PAID#<YYYY-MM>. Written once,
    by the transaction that applies the order's payment (never overwritten)."""

    month = UnicodeAttribute()
    amount_fen = NumberAttribute()
    order_id = UnicodeAttribute()
    paid_at = UTCDateTimeAttribute()
    provider = UnicodeAttribute()


class DuesAccount(Item, discriminator="DuesAccount"):
    """A member's dues state: pk MEMBER#<member>, sk DUES. `open_order_id` is the bill lock
    (one open order per member, taken by a conditional write); `paid_through` the last paid
    month, which a new order's lock is conditioned on (so no order is made for months another
    order has just paid)."""

    member_id = UnicodeAttribute()
    paid_through = UnicodeAttribute(null=True)
    open_order_id = UnicodeAttribute(null=True)
    locked_at = UTCDateTimeAttribute(null=True)
    # For the 2‰ band of the 2016 standard: the member's declared after-tax monthly income.
    declared_income_fen = NumberAttribute(null=True)
    # The China month of the member's latest payment: a second payment in the same month does
    # not count the member twice among those who paid that month (DuesCounter nMM).
    last_collected_month = UnicodeAttribute(null=True)


class DuesStandard(Item, discriminator="DuesStandard"):
    """A version of the dues standard (DUES-2), as data: pk DUESSTANDARD, sk <valid from YYYY-MM>.
    `rules` is JSON: category -> rule (see domain/dues_rules.py)."""

    valid_from = UnicodeAttribute()
    valid_until = UnicodeAttribute(null=True)  # exclusive, YYYY-MM; None = still in force
    name = UnicodeAttribute()
    document = UnicodeAttribute()
    rules = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class DuesShare(Item, discriminator="DuesShare"):
    """An organisation's retention share (留存比例) of the dues that reach it: pk ORG#<org>,
    sk DUESSHARE; basis points (0-10,000 = 0-100 %), set by the organisation above."""

    org_id = UnicodeAttribute()
    retention_bp = NumberAttribute()
    set_by = UnicodeAttribute()
    set_at = UTCDateTimeAttribute()


class DuesOrder(Item, discriminator="DuesOrder"):
    """A dues order (out_trade_no = order_id): pk DUESORDER#<id>, sk META;
    gsi1 DUESPAYER#<MEMBER|ORG>#<payer> / <created>#<id> (a payer's order history);
    gsi2 while open DUESOPEN#<shard> / <state>#<created>#<id> (reconciliation's work list).

    State only moves forward: PENDING -> PAID | CLOSED, by conditional writes. A many-member
    order is PAID first and its members applied one transaction each (`members_left`)."""

    order_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    state = UnicodeAttribute()
    payer_kind = UnicodeAttribute()
    payer_id = UnicodeAttribute()
    amount_fen = NumberAttribute()
    extra_fen = NumberAttribute(default=0)
    lines = UnicodeAttribute()  # JSON list of {member_id, months, month_fen, amount_fen}
    member_count = NumberAttribute()
    members_left = NumberAttribute(default=0)
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    pay_by = UTCDateTimeAttribute()
    paid_at = UTCDateTimeAttribute(null=True)
    transaction_id = UnicodeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    close_reason = UnicodeAttribute(null=True)
    version = VersionAttribute()


class DuesOrderApplied(Item, discriminator="DuesOrderApplied"):
    """One member of a queued order applied: pk DUESORDER#<order>, sk MEMBER#<member>; for
    arrears longer than one part, each part before the last: sk MEMBER#<member>#PART#<nnn>.
    Its conditional put is what makes each transaction happen once."""

    order_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    part = NumberAttribute(default=0)
    applied_at = UTCDateTimeAttribute()


class LedgerEntry(Item, discriminator="LedgerEntry"):
    """What one organisation kept of one member's payment: pk LEDGER#<org>,
    sk <collected YYYY-MM>#<paid at>#<order>#<member>."""

    org_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    collected_month = UnicodeAttribute()
    received_fen = NumberAttribute()
    kept_fen = NumberAttribute()
    passed_fen = NumberAttribute()
    retention_bp = NumberAttribute()
    at = UTCDateTimeAttribute()


class DuesCounter(Item, discriminator="DuesCounter"):
    """Collection statistics of an organisation's subtree for one year (DUES-4): pk DUESSTAT#<org>,
    sk <year>#<shard>. Per dues month MM, top-level numbers pMM (members paid), aMM (fen paid);
    per China month MM of collection, cMM (fen collected), nMM (members who paid) and kMM (fen
    this organisation kept), moved by ADD only. The root and depth-1 organisations
    are sharded (every payment passes them); a read sums the shards of one year (one Query)."""

    org_id = UnicodeAttribute()
    year = NumberAttribute()


class PaymentAnomaly(Item, discriminator="PaymentAnomaly"):
    """A verified notification that failed our business checks (WEBHOOKS rule 5), or a
    reconciliation difference: pk DUESANOMALY#<YYYY-MM>, sk <at>#<id>. Never credited."""

    anomaly_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    code = UnicodeAttribute()
    message = UnicodeAttribute()
    out_trade_no = UnicodeAttribute(null=True)
    transaction_id = UnicodeAttribute(null=True)
    delivery_id = UnicodeAttribute(null=True)
    raw_status = UnicodeAttribute(null=True)
    amount_fen = NumberAttribute(null=True)
    at = UTCDateTimeAttribute()


class AnomalyMark(Item, discriminator="AnomalyMark"):
    """A payment anomaly already recorded: pk DUESANOMALYMARK#<fingerprint>, sk META, put in the
    anomaly's transaction, so that a refused notification re-sent many times is recorded once;
    expires (TTL) after the providers' re-send windows."""


class ReconciliationReport(Item, discriminator="ReconciliationReport"):
    """A daily comparison against a provider's bill: pk DUESRECON, sk <bill date>#<provider>."""

    bill_date = UnicodeAttribute()
    provider = UnicodeAttribute()
    matched = NumberAttribute()
    differences = UnicodeAttribute()  # JSON list of {kind, out_trade_no, ours, theirs}
    made_at = UTCDateTimeAttribute()


# --- XFER: transfers of membership (logic/transfers.py) ----------------------------------------


class TransferStep(MapAttribute):  # type: ignore[type-arg]
    """One answer in a transfer's history: who was asked, who answered, how, when, how late."""

    step = NumberAttribute()  # index in the chain; -1 for an appeal's decision
    org_id = UnicodeAttribute()  # the organisation asked
    acted_org_id = UnicodeAttribute(null=True)  # who answered (an ancestor once escalated)
    outcome = UnicodeAttribute()  # APPROVED, RETURNED, ESCALATED, APPEAL_UPHELD, APPEAL_GRANTED, WITHDRAWN
    at = UTCDateTimeAttribute()
    hours = NumberAttribute(null=True)  # response time since the step was asked
    late = BooleanAttribute(default=False)
    reason = UnicodeAttribute(null=True)


class Transfer(Item, discriminator="Transfer"):
    """XFER-1..6, a transfer of membership: pk MEMBER#<member>, sk XFER#<transfer> (the member's
    transfer history is a prefix of the member partition; the card reads it from there).
    gsi1 XFERQ#<organisation asked> / <due>#<transfer> while a step waits (an organisation's
    inbox; an escalation moves it to the organisation above); gsi2 XFERBATCH#<batch> /
    <member> for a transfer started by a batch."""

    transfer_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    member_name = UnicodeAttribute()
    out_of_province = BooleanAttribute(default=False)
    cause = UnicodeAttribute()
    cause_text = UnicodeAttribute(null=True)
    from_branch_id = UnicodeAttribute()
    from_branch_name = UnicodeAttribute()
    from_path = UnicodeAttribute()
    to_branch_id = UnicodeAttribute(null=True)
    to_branch_name = UnicodeAttribute(null=True)
    to_path = UnicodeAttribute(null=True)
    destination = UnicodeAttribute(null=True)  # XFER-4: Destination
    destination_name = UnicodeAttribute(null=True)
    letter_number = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    chain = ListAttribute(of=UnicodeAttribute)
    step_index = NumberAttribute()  # the step waiting; -1 while an appeal waits
    step_org_id = UnicodeAttribute(null=True)  # the organisation asked now
    step_path = UnicodeAttribute(null=True)  # its materialized path (who may act once escalated)
    escalated_to = UnicodeAttribute(null=True)  # the step's deadline passed: this ancestor may act
    step_asked_at = UTCDateTimeAttribute(null=True)
    step_due_at = UTCDateTimeAttribute(null=True)
    step_overdue = BooleanAttribute(default=False)
    history = ListAttribute(of=TransferStep, default=list)
    returned_by = UnicodeAttribute(null=True)
    returned_step = NumberAttribute(null=True)
    appealed = BooleanAttribute(default=False)  # one appeal per return
    return_code = UnicodeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)
    appeal_reason = UnicodeAttribute(null=True)
    appeal_attachment_key = UnicodeAttribute(null=True)
    withdraw_reason = UnicodeAttribute(null=True)
    graduate = BooleanAttribute(default=False)  # from a graduates' branch (XFER-6)
    batch_id = UnicodeAttribute(null=True)
    started_by = UnicodeAttribute()
    started_org_id = UnicodeAttribute(null=True)  # None: the member started it
    # Confirmed by the member from an organisation's proposal (XFER-2): which, and whose.
    proposal_id = UnicodeAttribute(null=True)
    proposed_by_org_id = UnicodeAttribute(null=True)
    requested_at = UTCDateTimeAttribute()
    completed_at = UTCDateTimeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()


class TransferProposal(Item, discriminator="TransferProposal"):
    """XFER-2, a transfer proposed by an organisation outside the member's subtree (the
    receiving side), waiting for the member's own confirmation: pk MEMBER#<member>, sk
    XPROP#<proposing organisation> (one proposal per member and organisation at a time);
    gsi1 XPROPORG#<proposing organisation> / <proposed>#<proposal>. It opens no transfer and
    counts in no figure; confirming starts the transfer as the member's own. Expires by TTL."""

    proposal_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    member_name = UnicodeAttribute()
    org_id = UnicodeAttribute()  # the proposing organisation
    org_name = UnicodeAttribute()
    cause = UnicodeAttribute()
    cause_text = UnicodeAttribute(null=True)
    to_branch_id = UnicodeAttribute()
    to_branch_name = UnicodeAttribute()
    note = UnicodeAttribute(null=True)  # what the proposer tells the member
    state = UnicodeAttribute()  # PROPOSED, CONFIRMED, DECLINED (lapsed: PROPOSED past valid_until)
    proposed_by = UnicodeAttribute()
    proposed_at = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)
    decline_reason = UnicodeAttribute(null=True)
    # No version: a decided or lapsed proposal is replaced by the next one, and every write is
    # guarded by its state and proposal_id instead.
    transfer_id = UnicodeAttribute(null=True)  # the transfer its confirmation started


class TransferStats(Item, discriminator="TransferStats"):
    """XFER-2 monitoring of an organisation's subtree, one of a few shards: pk XSTAT#<org>,
    sk SHARD#<n>. Every transfer event ADDs to the items of every organisation above the
    branches involved (their paths) in its own transaction; a read sums the shards (one Query).
    Sharding keeps the province's items from being one hot key in the graduation peak."""

    out_open = NumberAttribute(default=0)
    out_returned = NumberAttribute(default=0)
    out_completed = NumberAttribute(default=0)
    out_withdrawn = NumberAttribute(default=0)
    in_open = NumberAttribute(default=0)
    in_returned = NumberAttribute(default=0)
    in_completed = NumberAttribute(default=0)
    in_withdrawn = NumberAttribute(default=0)
    responses = NumberAttribute(default=0)
    within_deadline = NumberAttribute(default=0)
    late_steps = NumberAttribute(default=0)
    overdue_now = NumberAttribute(default=0)
    graduates = NumberAttribute(default=0)
    graduates_transferred = NumberAttribute(default=0)
    h0 = NumberAttribute(default=0)
    h1 = NumberAttribute(default=0)
    h2 = NumberAttribute(default=0)
    h3 = NumberAttribute(default=0)
    h4 = NumberAttribute(default=0)
    h5 = NumberAttribute(default=0)
    h6 = NumberAttribute(default=0)
    h7 = NumberAttribute(default=0)
    h8 = NumberAttribute(default=0)
    h9 = NumberAttribute(default=0)


class TransferChainConfig(Item, discriminator="TransferChainConfig"):
    """XFER-2: the province's approval chain as data: pk CONFIG, sk XFERCHAIN."""

    steps = UnicodeAttribute()  # JSON list of {"side": FROM|TO, "up": n}
    response_hours = NumberAttribute()
    set_by = UnicodeAttribute()
    set_at = UTCDateTimeAttribute()


class TransferBatch(Item, discriminator="TransferBatch"):
    """XFER-6, a batch of transfers (a graduating class): pk XBATCH#<batch>, sk META; gsi1
    XBATCHES#<org> / <created>#<batch>. Outcomes per member: pk XBATCH#<batch>, sk ROW#<member>
    (the summary is counted from them on read: a batch has at most 1,000)."""

    batch_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    # The organisation the creator acted for (the batch's organisation or one above it): the
    # worker starts each member as that operator, so XFER-2's scope check is the creator's.
    created_org_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    rows = NumberAttribute()
    rows_json = UnicodeAttribute()  # the list as given: [{member_id, to_branch_id, cause, cause_text}]


class TransferBatchRow(Item, discriminator="TransferBatchRow"):
    """One member of a batch and what became of them: pk XBATCH#<batch>, sk ROW#<member>."""

    member_id = UnicodeAttribute()
    to_branch_id = UnicodeAttribute()
    cause = UnicodeAttribute()
    outcome = UnicodeAttribute(default="QUEUED")  # QUEUED, STARTED, REFUSED
    transfer_id = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    approval = UnicodeAttribute(null=True)  # None, QUEUED, APPROVED, REFUSED
    approval_error = UnicodeAttribute(null=True)


class IncomingTransfer(Item, discriminator="IncomingTransfer"):
    """XFER-5, a member coming from outside the province: pk INCOMING#<id>, sk META; gsi1
    INCOMINGORG#<branch> / <state>#<recorded>#<id>. The receiving branch records the letter and
    the file check; the person then registers within 5 working days (REG-7's timer)."""

    incoming_id = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    name = UnicodeAttribute()
    id_index = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    id_sealed = UnicodeAttribute()
    join_month = UnicodeAttribute()
    development_number = UnicodeAttribute(null=True)
    letter_number = UnicodeAttribute()
    from_organisation = UnicodeAttribute()
    state = UnicodeAttribute()  # ACCEPTED, REGISTERED, LATE
    accepted_at = UTCDateTimeAttribute()
    register_by = UTCDateTimeAttribute()
    registered_at = UTCDateTimeAttribute(null=True)
    recorded_by = UnicodeAttribute()


# --- AWARD and the annual records (issue 7): items the card reads (card_content.SECTIONS) ------


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


class AnnualRegistration(Item, discriminator="AnnualRegistration"):
    """年度团籍注册 of one member for one year: pk MEMBER#<member>, sk ANNUAL#<year>; gsi1
    ANNUALREG#<branch>#<year> / <member>. The card reads year, result, registered_on."""

    member_id = UnicodeAttribute()
    year = NumberAttribute()
    result = UnicodeAttribute()  # 已注册, 暂缓注册, 不予注册
    registered_on = UnicodeAttribute()  # China date
    org_id = UnicodeAttribute()
    org_name = UnicodeAttribute()
    registered_by = UnicodeAttribute()


class Evaluation(Item, discriminator="Evaluation"):
    """教育评议 of one member for one year, written when the committee above certifies the
    branch's proposal: pk MEMBER#<member>, sk EVAL#<year>. The card reads year, grade, org_name."""

    member_id = UnicodeAttribute()
    year = NumberAttribute()
    grade = UnicodeAttribute()
    org_id = UnicodeAttribute()
    org_name = UnicodeAttribute()
    certified_by_org_id = UnicodeAttribute()
    certified_on = UnicodeAttribute()


class EvaluationProposal(Item, discriminator="EvaluationProposal"):
    """A branch's evaluation of all its members for a year: pk ORG#<branch>, sk EVALPROP#<year>;
    gsi1 EVALPROPS#<parent>#<year> / <state>#<branch> (what the committee above certifies)."""

    branch_id = UnicodeAttribute()
    year = NumberAttribute()
    state = UnicodeAttribute()  # PROPOSED, CERTIFIED, RETURNED
    grades_json = UnicodeAttribute()  # {member_id: grade}
    evaluated = NumberAttribute()
    excellent = NumberAttribute()
    party_members = NumberAttribute(default=0)
    proposed_by = UnicodeAttribute()
    proposed_at = UTCDateTimeAttribute()
    decided_by_org_id = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)
    # No version attribute: its state guards every write, and a returned proposal is replaced whole.


class VolunteerRecord(Item, discriminator="VolunteerRecord"):
    """Volunteer service (志愿服务) of one activity: pk MEMBER#<member>, sk
    VOLUNTEER#<served on>#<record>. The card reads activity, served_on, tenths_of_hours and
    sums them (cumulative hours)."""

    record_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    activity = UnicodeAttribute()
    served_on = UnicodeAttribute()
    tenths_of_hours = NumberAttribute()
    entered_by_org_id = UnicodeAttribute()
    entered_by = UnicodeAttribute()
    entered_at = UTCDateTimeAttribute()


# --- STAT-3: finding members by name fragment (logic/search_index.py, logic/search.py) ----------


class MemberNameToken(Item, discriminator="MemberNameToken"):
    """One gram of a listed member's name (a unigram, a bigram, or =<whole name>): pk
    MNAME#<gram>, sk <the branch's path><member id>. A fragment search in a subtree is one
    Query of one gram's partition with begins_with(sk, <subtree path>). Carries what a hit
    shows, so that a page of hits needs no further reads (the ID number masked only)."""

    member_id = UnicodeAttribute()
    name = UnicodeAttribute()  # normalized (search_rules.normalize_name): what fragments match
    label = UnicodeAttribute()  # the name as registered
    branch_id = UnicodeAttribute()
    branch_name = UnicodeAttribute()
    id_masked = UnicodeAttribute(null=True)


class IdSearchQuota(Item, discriminator="IdSearchQuota"):
    """STAT-3's look-ups by ID number one reader made on one China day: pk
    IDSEARCHES#<account>#<day>, sk META. Each look-up adds one in the transaction that audits it,
    on condition that the day's limit is not reached; gone by TTL the day after."""

    used = NumberAttribute(default=0)


class RetokenMark(Item, discriminator="RetokenMark"):
    """A branch whose path a move rewrote while its members' search tokens still carry the old
    one: pk RETOKEN#<job>, sk <branch>. Written in the same transaction as the branch's new
    path, deleted once every member's tokens follow (the move job finishes after its marks)."""

    branch_id = UnicodeAttribute()


# --- Statistics and sweeps (STAT-1..2, SWEEP-1..3) --------------------------------------------


class OwnStat(Item, discriminator="OwnStat"):
    """What is attached to one organisation itself (its members, registrations, posts, ...):
    pk ORG#<org>, sk OWNSTAT. Created with the organisation, its path rewritten with it, its
    counters (top-level numbers named by zhtj.domain.stat_rules) moved only by the stats
    stream (ADD) and, for the time-dependent ones (t_*), SET by the daily sweep. Its own stream
    records roll its figures up the path into SubStat."""

    org_id = UnicodeAttribute()
    path = UnicodeAttribute()


class SubStat(Item, discriminator="SubStat"):
    """One shard of an organisation's subtree counters: pk STAT#<org>#<shard>, sk STAT. Moved
    by ADD only, from the stream; a read gets every shard with one BatchGetItem."""

    org_id = UnicodeAttribute()


class StreamMark(Item, discriminator="StreamMark"):
    """A stream record already applied (its counter moves landed with this mark, in one
    transaction): pk STREAMREC#<event id>, sk META; expires (TTL) after the stream's retention."""


class Finding(Item, discriminator="Finding"):
    """A compliance finding of one organisation (SWEEP-1..3): pk ORG#<org>, sk FINDING#<code>;
    gsi1 FINDINGS#<province root> / <path>#<code> (a subtree's findings in path order)."""

    org_id = UnicodeAttribute()
    code = UnicodeAttribute()
    concerned = NumberAttribute()  # members, reviews, steps ... it concerns (1 for the organisation itself)
    path = UnicodeAttribute()
    noted_at = UTCDateTimeAttribute()  # when it appeared or its number last changed


class FindingHistory(Item, discriminator="FindingHistory"):
    """A day's finding counts of an organisation's subtree, by code, as the daily sweep saw
    them: pk ORG#<org>, sk FINDHIST#<YYYY-MM-DD>."""

    org_id = UnicodeAttribute()
    day = UnicodeAttribute()
    counts = MapAttribute()  # type: ignore[var-annotated]
    run_id = UnicodeAttribute()


class SweepRun(Item, discriminator="SweepRun"):
    """One sweep (the daily one or on demand): pk SWEEP#<run>, sk META; gsi1 SWEEPS / <started>.
    Segments report into `segments_done` (a string set: a redelivered segment adds nothing)."""

    run_id = UnicodeAttribute()
    segments = NumberAttribute()
    segments_done = UnicodeSetAttribute(null=True)
    state = UnicodeAttribute()  # SCANNING, FINISHING, DONE
    started_at = UTCDateTimeAttribute()
    started_by = UnicodeAttribute()
    day = UnicodeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    findings = MapAttribute(null=True)  # type: ignore[var-annotated]
    drift = UnicodeAttribute(null=True)  # JSON: what the recount found different (must be empty)
    drift_count = NumberAttribute(null=True)
    items_scanned = NumberAttribute(null=True)


class SectorTarget(Item, discriminator="SectorTarget"):
    """STAT-2: the members an organisation expects to enter in one sector of its subtree and the
    share to reach: pk ORG#<org>, sk SECTORTARGET#<sector>."""

    org_id = UnicodeAttribute()
    sector = UnicodeAttribute()
    expected = NumberAttribute()
    target_percent = NumberAttribute()
    set_by = UnicodeAttribute()
    set_at = UTCDateTimeAttribute()
