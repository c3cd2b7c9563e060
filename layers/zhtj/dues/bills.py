"""Bills (DUES-1): what a member owes now, month by month at the standard then in force, and
the member's dues account (the bill lock, the last paid month, the declared income).

While an order is open the member's bill is locked: the lock is `DuesAccount.open_order_id`,
taken by dues/orders.py with a conditional write that also names the last paid month seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import msgspec
from pynamodb.expressions.update import Action

from zhtj.accounts.reads import is_self
from zhtj.core import clock
from zhtj.core.errors import ConflictError, ForbiddenError, ValidationError
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import DuesAccount
from zhtj.dues.owed import MEMBER_NOT_FOUND, get_member, last_paid_month, owed_for
from zhtj.dues.standard import versions
from zhtj.members.models import Member
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.base import Item
from zhtj.table.unit_of_work import Actor, UnitOfWork
from zhtj.timers.workdays import CHINA_TZ

NOT_SELF = ForbiddenError("NOT_SELF", "只能为本人缴纳团费", None)
BILL_LOCKED = ConflictError("BILL_LOCKED", "已有未完成的团费订单，请完成支付或等待订单关闭后再试", None)


class Bill(msgspec.Struct, frozen=True):
    member_id: str
    category: str
    paid_through: str | None
    months: list[str]
    month_fen: list[int]
    open_order_id: str | None
    # The account's own `paid_through` as read: the bill lock is conditioned on it.
    seen_paid_through: str | None = None

    @property
    def total_fen(self) -> int:
        return sum(self.month_fen)


def members_with_accounts(member_ids: Sequence[str]) -> dict[str, tuple[Member, DuesAccount | None]]:
    """Members and their dues accounts (same partition), consistent, in batch reads (one for
    up to 50 members) rather than two reads per member. Raises NotFoundError for a missing member."""
    wanted = [(keys.member_pk(m), sk) for m in member_ids for sk in (keys.META, keys.DUES_ACCOUNT_SK)]
    members: dict[str, Member] = {}
    accounts: dict[str, DuesAccount] = {}
    for item in Item.batch_get(wanted, consistent_read=True):
        if isinstance(item, Member):
            members[item.member_id] = item
        elif isinstance(item, DuesAccount):
            accounts[item.member_id] = item
    if any(m not in members for m in member_ids):
        raise MEMBER_NOT_FOUND
    return {m: (members[m], accounts.get(m)) for m in member_ids}


def account_of(member_id: str) -> DuesAccount | None:
    try:
        return DuesAccount.get(keys.member_pk(member_id), keys.DUES_ACCOUNT_SK, consistent_read=True)
    except DuesAccount.DoesNotExist:
        return None


def china_today() -> date:
    return clock.now().astimezone(CHINA_TZ).date()


def bill_for(
    member: Member, account: DuesAccount | None, today: date, standard: list[dues_rules.StandardVersion]
) -> Bill:
    seen = account.paid_through if account is not None else None
    # Paid months written outside an order (migrated records) count too: the later of the two.
    newest = last_paid_month(member.member_id)
    paid_through = max((m for m in (seen, newest) if m is not None), default=None)
    months = owed_for(member, paid_through, today)
    category = dues_rules.category_of(member.income_band, member.occupation)
    income = int(account.declared_income_fen) if account and account.declared_income_fen is not None else None
    return Bill(
        member_id=member.member_id,
        category=category,
        paid_through=paid_through,
        months=months,
        month_fen=dues_rules.month_amounts(standard, months, category, income),
        open_order_id=account.open_order_id if account is not None else None,
        seen_paid_through=seen,
    )


def readable_member(principal: Principal, member_id: str) -> Member:
    """The member themself, or an operator above the member's branch. Raises ForbiddenError."""
    member = get_member(member_id)
    if not is_self(principal, member_id):
        authorize(principal, "dues.read", get_org(member.branch_id))
    return member


def bill(principal: Principal, member_id: str) -> Bill:
    member = readable_member(principal, member_id)
    return bill_for(member, account_of(member_id), china_today(), versions())


def declare_income(principal: Principal, member_id: str, income_fen: int | None) -> DuesAccount:
    """The member declares their after-tax monthly income for the 2‰ band (FROM_2000); bills
    made afterwards use it. Refused while an order is open (the bill is locked)."""
    if not is_self(principal, member_id):
        raise NOT_SELF
    if income_fen is not None and not 0 <= income_fen <= 100_000_000:
        raise ValidationError("INCOME_RANGE", "月收入金额无效", "income_fen")
    member = get_member(member_id)
    uow = UnitOfWork(Actor(account_id=principal.account_id, org_id=None))
    actions: list[Action] = [DuesAccount.kind.set(DuesAccount), DuesAccount.member_id.set(member_id)]
    actions.append(
        DuesAccount.declared_income_fen.set(income_fen)
        if income_fen is not None
        else DuesAccount.declared_income_fen.remove()
    )
    uow.update(
        DuesAccount(keys.member_pk(member_id), keys.DUES_ACCOUNT_SK),
        actions,
        condition=DuesAccount.open_order_id.does_not_exist(),
        on_fail=BILL_LOCKED,
        versioned=False,
    )
    uow.audit("dues.declare_income", "MEMBER", member_id, member.branch_id, after={"declared": income_fen is not None})
    uow.commit()
    account = account_of(member_id)
    assert account is not None
    return account
