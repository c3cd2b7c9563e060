"""催交 (MSG-2): a branch reminds the members who owe dues, at most once a week per member.

Each member is one transaction: a ReminderMark written only if absent or expired (a week), the
audit record, and the notification queued after the commit (zhtj.messages). A member who owes
nothing, is not the branch's, or was reminded this week is refused by name with the reason; the
others are reminded.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from zhtj.core import clock
from zhtj.core.errors import DomainError, RuleViolation
from zhtj.dues import owed
from zhtj.dues.bills import china_today
from zhtj.members.models import Member
from zhtj.messages import notify
from zhtj.messages.models import ReminderMark
from zhtj.messages.rules import REMINDER_INTERVAL, Kind
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork

REMINDER_KIND = "DUES"
# A branch without a list names at most this many members of its own (one page of the roll).
MAX_MEMBERS = 500

NOT_OWING = RuleViolation("DUES_NOT_OWED", "该团员没有欠交的团费，无需催交", "member_ids")
NOT_IN_BRANCH = RuleViolation("MEMBER_NOT_IN_BRANCH", "该团员不属于本团支部", "member_ids")
REMINDED_THIS_WEEK = RuleViolation("REMINDED_THIS_WEEK", "一周内已催交过该团员，请下周再催", "member_ids")


class Outcome(msgspec.Struct):
    reminded: list[str] = msgspec.field(default_factory=list)
    refused: list[tuple[str, DomainError]] = msgspec.field(default_factory=list)


def _branch_members(branch_id: str) -> list[str]:
    found = Member.by_gsi1.query(keys.branch_members_pk(branch_id), limit=MAX_MEMBERS)
    return [m.member_id for m in found if isinstance(m, Member)]


def remind(principal: Principal, branch_id: str, member_ids: Sequence[str] | None) -> Outcome:
    """Remind the named members (all the branch's members who owe, without a list)."""
    branch = get_org(branch_id)
    operator = authorize(principal, "dues.remind", branch)
    named = member_ids is not None
    today, outcome = china_today(), Outcome()
    for member_id in dict.fromkeys(member_ids if member_ids is not None else _branch_members(branch_id)):
        try:
            member = owed.get_member(member_id)
            if member.branch_id != branch_id:
                raise NOT_IN_BRANCH
            months = owed.months_owed(member_id, today)
            if not months:
                raise NOT_OWING
            _remind_one(UnitOfWork(operator.actor), member, branch.short_name, len(months))
            outcome.reminded.append(member_id)
        except DomainError as error:
            # Without a list, members who owe nothing are simply not reminded.
            if named or error is REMINDED_THIS_WEEK:
                outcome.refused.append((member_id, error))
    return outcome


def _remind_one(uow: UnitOfWork, member: Member, branch_name: str, months: int) -> None:
    at = clock.now()
    uow.put(
        ReminderMark(
            keys.reminder_pk(REMINDER_KIND, member.member_id),
            keys.META,
            member_id=member.member_id,
            org_id=member.branch_id,
            reminded_at=at,
            expires_at=at + REMINDER_INTERVAL,
        ),
        condition=ReminderMark.pk.does_not_exist() | (ReminderMark.expires_at <= at),
        on_fail=REMINDED_THIS_WEEK,
    )
    uow.audit("dues.remind", "MEMBER", member.member_id, member.branch_id, after={"months_owed": months})
    notify.notify(
        uow,
        Kind.DUES_REMINDER,
        f"dues-remind:{member.member_id}:{at.isoformat()}",
        member_id=member.member_id,
        params={"branch": branch_name, "months": str(months)},
    )
    uow.commit()
