"""League dues (团费) as pure rules: months, the standard's categories and amounts, the split
of a payment down the chain of organisations (DUES-1, DUES-2), and the words of dues' states
and outcomes (StrEnums: their values are what is stored).

Everything here is integer fen. The standard itself is data (DuesStandard items, edited by
the province); this module only knows how to read one version of it and how to check an
edited one. The two versions shipped as seed data are `STANDARD_2016` and `STANDARD_PRE_2016`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, Final

import msgspec

from zhtj.core.errors import ValidationError

# DUES-1: from September 2018 all collection is online. Earlier months were collected on
# paper and are not billed by the system. DUES-5: the province's start month is data
# (DuesOnlineStart, versions by the date they take effect; dues/owed.py); this is the seed.
ONLINE_SINCE: Final = "2018-09"
ONLINE_SINCE_DOCUMENT: Final = "团粤发〔2018〕15号"
# DUES-5: months a branch records as paid offline in one go (one transaction).
OFFLINE_MAX_MONTHS: Final = 24
MONTH_PATTERN: Final = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
FULL_BP: Final = 10_000  # 100 % in basis points
# What the webhook's idempotency records and the anomalies' marks remember outlives the
# providers' re-send windows (WeChat 24 h 4 m, Alipay ~25 h).
IDEMPOTENCY_SECONDS: Final = 72 * 3600

# The categories of the standard (REFERENCE.md), the same words as IncomeBand.
CATEGORIES: Final = ("STUDENT", "UNEMPLOYED", "RELIEF", "FARMER", "BELOW_2000", "FROM_2000")


# --- States and outcomes -----------------------------------------------------------------------


class OrderState(StrEnum):
    """A dues order's state (DuesOrder.state). It only moves forward: PENDING -> PAID | CLOSED."""

    PENDING = "PENDING"
    PAID = "PAID"
    CLOSED = "CLOSED"


class OpenList(StrEnum):
    """Which of reconciliation's work lists an open order is on (the open index's sort-key
    prefix): waiting for its payment, or paid and its members still being applied."""

    PENDING = "PENDING"
    APPLYING = "APPLYING"


class PayerKind(StrEnum):
    """Who pays an order: the member themself, or an organisation for its members (代缴)."""

    MEMBER = "MEMBER"
    ORG = "ORG"


class Decision(StrEnum):
    """What a payment (a notification, the provider's answer to a query) did to its order."""

    CREDITED = "CREDITED"  # applied now
    QUEUED = "QUEUED"  # PAID now, its members applied from the queue
    DUPLICATE = "DUPLICATE"  # already done by the same transaction (or closed by someone else)
    ANOMALY = "ANOMALY"  # recorded for a person, never credited
    CLOSED = "CLOSED"  # the order closed and the bills unlocked
    IGNORED = "IGNORED"  # a status that changes nothing


class Reason(StrEnum):
    """Why an order was settled or closed: the audit record's `source`, DuesOrder.close_reason."""

    NOTIFICATION = "NOTIFICATION"
    RECONCILED = "RECONCILED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    PROVIDER_CLOSED = "PROVIDER_CLOSED"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    DEMO = "DEMO"


class AnomalyCode(StrEnum):
    """What the ledger found wrong with a payment (PaymentAnomaly.code). A provider's refusal
    of a verified notification is recorded under its own PaymentError code instead."""

    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    PROVIDER_MISMATCH = "PROVIDER_MISMATCH"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    PAYLOAD_MISMATCH = "PAYLOAD_MISMATCH"
    APPLY_CONFLICT = "APPLY_CONFLICT"
    PAID_AFTER_CLOSE = "PAID_AFTER_CLOSE"
    PAID_TWICE = "PAID_TWICE"
    CLOSED_AFTER_PAID = "CLOSED_AFTER_PAID"
    REFUND = "REFUND"


class BillDifference(StrEnum):
    """How a provider's daily bill and our orders disagree (ReconciliationReport.differences)."""

    NOT_OURS = "NOT_OURS"  # a trade of theirs that is not an order of ours for that provider
    NOT_PAID_HERE = "NOT_PAID_HERE"  # their trade, our order not PAID
    AMOUNT_OR_TRANSACTION = "AMOUNT_OR_TRANSACTION"
    NOT_ON_BILL = "NOT_ON_BILL"  # an order we marked paid that day, missing from their bill


# --- Months ---------------------------------------------------------------------------------------


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def check_month(value: str, field: str = "month") -> str:
    if not MONTH_PATTERN.match(value):
        raise ValidationError("MONTH_FORMAT", "月份格式应为YYYY-MM", field)
    return value


def add_months(month: str, count: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included ([] when first is after last)."""
    result: list[str] = []
    month = first
    while month <= last:
        result.append(month)
        month = add_months(month, 1)
    return result


def owed_months(
    join_month: str | None,
    paid_through: str | None,
    today: date,
    left_on: date | None = None,
    online_since: str = ONLINE_SINCE,
) -> list[str]:
    """The months owed up to and including the month before `today` (China date): from the
    month after the last paid one, or else from admission, never before the online-collection
    start month (DUES-5: `online_since`, the province's data); a member who left owes nothing
    after the month they left."""
    if paid_through is not None:
        first = add_months(paid_through, 1)
    elif join_month is not None:
        first = join_month
    else:
        return []
    first = max(first, online_since)
    last = add_months(month_of(today), -1)
    if left_on is not None:
        last = min(last, month_of(left_on))
    return months_between(first, last)


def longest_unpaid_run(owed: Sequence[str]) -> int:
    """Consecutive unpaid months ending last month (EXIT-1's 6 months): `owed` is contiguous
    by construction, so its length."""
    return len(owed)


# --- The standard -------------------------------------------------------------------------------


class Rule(msgspec.Struct, frozen=True):
    """How one category's monthly dues are computed: a fixed amount, or a rate on the monthly
    income (per mille), truncated to `truncate_to_fen`, clamped to [min_fen, max_fen]. Where
    the income is unknown `default_income_fen` is used (the band's floor). `local_min_fen` and
    `local_max_fen` bound what the province may set for a fixed amount (farmers: 0.2-1 yuan)."""

    fixed_fen: int | None = None
    permille: int | None = None
    default_income_fen: int | None = None
    truncate_to_fen: int = 1
    min_fen: int = 0
    max_fen: int | None = None
    local_min_fen: int | None = None
    local_max_fen: int | None = None

    def monthly_fen(self, income_fen: int | None) -> int:
        if self.fixed_fen is not None:
            return self.fixed_fen
        assert self.permille is not None
        income = income_fen if income_fen is not None else (self.default_income_fen or 0)
        amount = income * self.permille // 1000
        amount -= amount % self.truncate_to_fen
        amount = max(amount, self.min_fen)
        if self.max_fen is not None:
            amount = min(amount, self.max_fen)
        return amount

    def to_json(self) -> dict[str, int]:
        return {
            k: v
            for k, v in msgspec.structs.asdict(self).items()
            if v is not None and not (k == "truncate_to_fen" and v == 1)
        }


_RULE_FIELDS = set(Rule.__struct_fields__)


def parse_rules(raw: Mapping[str, Any]) -> dict[str, Rule]:
    """Check an edited standard's rules and build them. Raises ValidationError (field "rules")."""
    missing = [c for c in CATEGORIES if c not in raw]
    if missing:
        raise ValidationError("DUES_RULES_INCOMPLETE", f"缺少类别：{'、'.join(missing)}", "rules")
    rules: dict[str, Rule] = {}
    for category, spec in raw.items():
        if category not in CATEGORIES:
            raise ValidationError("DUES_CATEGORY_UNKNOWN", f"未知的团费类别：{category}", "rules")
        if not isinstance(spec, Mapping) or not set(spec) <= _RULE_FIELDS:
            raise ValidationError("DUES_RULE_INVALID", f"{category}：规则字段无效", "rules")
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in spec.values()):
            raise ValidationError("DUES_RULE_INVALID", f"{category}：金额须为非负整数（分）", "rules")
        rule = Rule(**spec)
        if (rule.fixed_fen is None) == (rule.permille is None):
            raise ValidationError("DUES_RULE_INVALID", f"{category}：须为固定金额或按收入比例之一", "rules")
        if rule.truncate_to_fen < 1:
            raise ValidationError("DUES_RULE_INVALID", f"{category}：取整单位须至少1分", "rules")
        if rule.fixed_fen is not None and (
            (rule.local_min_fen is not None and rule.fixed_fen < rule.local_min_fen)
            or (rule.local_max_fen is not None and rule.fixed_fen > rule.local_max_fen)
        ):
            raise ValidationError("DUES_RULE_OUT_OF_RANGE", f"{category}：金额超出规定范围", "rules")
        rules[category] = rule
    return rules


def category_of(income_band: str | None, occupation: str | None) -> str:
    """A member's dues category: the income band chosen at registration (or reviewed since,
    EDIT-2); without one, guessed from the occupation; else the base salaried rate."""
    if income_band in CATEGORIES:
        return str(income_band)
    text = occupation or ""
    if "学生" in text:
        return "STUDENT"
    if "农" in text:
        return "FARMER"
    if "无业" in text or "待业" in text or "失业" in text:
        return "UNEMPLOYED"
    return "BELOW_2000"


# The 2016 standard (中青发〔2016〕13号) and the one before it, as shipped seed data.
STANDARD_2016: Final[dict[str, Any]] = {
    "valid_from": "2016-01",
    "valid_until": None,
    "name": "2016年团费收缴标准",
    "document": "中青发〔2016〕13号",
    "rules": {
        "STUDENT": {"fixed_fen": 20},
        "UNEMPLOYED": {"fixed_fen": 20},
        "RELIEF": {"fixed_fen": 20},
        "FARMER": {"fixed_fen": 20, "local_min_fen": 20, "local_max_fen": 100},
        "BELOW_2000": {"fixed_fen": 300},
        "FROM_2000": {
            "permille": 2,
            "default_income_fen": 200_000,
            "truncate_to_fen": 100,
            "min_fen": 400,
            "max_fen": 2000,
        },
    },
}
STANDARD_PRE_2016: Final[dict[str, Any]] = {
    "valid_from": "1990-01",
    "valid_until": "2016-01",
    "name": "2016年以前团费收缴标准",
    "document": "原团费标准（按收入0.5%/1%，学生0.1元）",
    "rules": {
        "STUDENT": {"fixed_fen": 10},
        "UNEMPLOYED": {"fixed_fen": 10},
        "RELIEF": {"fixed_fen": 10},
        "FARMER": {"fixed_fen": 10},
        "BELOW_2000": {"permille": 5, "default_income_fen": 100_000},
        "FROM_2000": {"permille": 10, "default_income_fen": 200_000},
    },
}
SEED_STANDARDS: Final = (STANDARD_PRE_2016, STANDARD_2016)


class StandardVersion(msgspec.Struct, frozen=True):
    valid_from: str
    valid_until: str | None
    rules: Mapping[str, Rule]

    def covers(self, month: str) -> bool:
        return self.valid_from <= month and (self.valid_until is None or month < self.valid_until)


def version_for(versions: Sequence[StandardVersion], month: str) -> StandardVersion:
    """The version in force in a month (the latest that covers it). Raises ValidationError."""
    for version in sorted(versions, key=lambda v: v.valid_from, reverse=True):
        if version.covers(month):
            return version
    raise ValidationError("DUES_STANDARD_MISSING", f"{month}没有适用的团费标准", "month")


def month_amounts(
    versions: Sequence[StandardVersion], months: Sequence[str], category: str, income_fen: int | None
) -> list[int]:
    """Each month's dues in fen under the standard then in force."""
    return [version_for(versions, m).rules[category].monthly_fen(income_fen) for m in months]


# --- The split down the chain (retention shares) ---------------------------------------------------


def split(amount_fen: int, retention_bp: Sequence[int]) -> list[int]:
    """Split a payment down the chain of organisations, root first: each keeps its share
    (basis points, rounded down) of what reaches it and passes the rest down; the last (the
    member's branch) keeps whatever reaches it. Integer fen; the parts sum to the amount
    exactly, and every remainder of a rounding stays with the level below (deterministic)."""
    if amount_fen < 0:
        raise ValueError("amount must not be negative")
    kept: list[int] = []
    left = amount_fen
    for index, bp in enumerate(retention_bp):
        if not 0 <= bp <= FULL_BP:
            raise ValueError("retention share out of range")
        share = left if index == len(retention_bp) - 1 else left * bp // FULL_BP
        kept.append(share)
        left -= share
    return kept
