"""Item types of league dues (DUES-1..4): paid months, accounts, the standard, retention shares,
orders and their application, the ledger, counters, anomalies and reconciliation.
Key layouts are in docs/data-model.md; zhtj.dal.models re-exports every one."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.table.base import Item

# --- DUES: league dues (团费) -----------------------------------------------------------------
# Amounts are integer fen everywhere. What a member paid lives in the member's partition (the
# card reads it with the member's history); orders, ledgers and statistics have their own.


class PaidMonth(Item, discriminator="PaidMonth"):
    """One month of dues paid (DUES-4): pk MEMBER#<member>, sk PAID#<YYYY-MM>. Written once,
    by the transaction that applies the order's payment, or by the branch's record of months
    paid offline (DUES-5: `offline`, provider "offline", order_id "offline:<record>", no amount),
    each conditioned on the item not existing: the per-month claim online and offline share.
    The card reads month, amount_fen, paid_at, offline and paid_by_name (帮TA交)."""

    month = UnicodeAttribute()
    amount_fen = NumberAttribute()
    order_id = UnicodeAttribute()
    paid_at = UTCDateTimeAttribute()
    provider = UnicodeAttribute()
    offline = BooleanAttribute(null=True)  # DUES-5: paid to the branch by hand (线下交纳)
    note = UnicodeAttribute(null=True)  # offline: the branch's note
    receipt_key = UnicodeAttribute(null=True)  # offline: the receipt's photo (uploads bucket)
    recorded_by_org_id = UnicodeAttribute(null=True)  # offline: the organisation that recorded it
    paid_by_member_id = UnicodeAttribute(null=True)  # 帮TA交: the branch mate who paid
    paid_by_name = UnicodeAttribute(null=True)


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
    `rules` is JSON: category -> rule (see dues/rules.py)."""

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
    payer_name = UnicodeAttribute(null=True)  # 帮TA交 (DUES-5): the member paying for a branch mate
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


class DuesOnlineStart(Item, discriminator="DuesOnlineStart"):
    """The province's online-collection start month (DUES-5), as data: pk DUESONLINESTART, sk
    <effective from YYYY-MM-DD>. The version in force on a day is the latest effective by then;
    no month before its `start_month` is owed online."""

    effective_from = UnicodeAttribute()
    start_month = UnicodeAttribute()
    document = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


class ReconciliationReport(Item, discriminator="ReconciliationReport"):
    """A daily comparison against a provider's bill: pk DUESRECON, sk <bill date>#<provider>."""

    bill_date = UnicodeAttribute()
    provider = UnicodeAttribute()
    matched = NumberAttribute()
    differences = UnicodeAttribute()  # JSON list of {kind, out_trade_no, ours, theirs}
    made_at = UTCDateTimeAttribute()
