"""The monthly dues reminder (MSG-1): on the schedule, every member who owes dues is told, once
per (member, month).

No index lists the members who owe (what one owes depends on the month, DUES-5's start month and
the standard), so the reminder walks what is indexed: the schedule queues one message per
partition of the organisation tree index (TREE#<bucket>: the roots and their direct children);
each message reads a page of that partition's branches (gsi2, a query), each branch's members
(gsi1 BRANCH#<branch>, a query) and their dues accounts (BatchGetItem), and queues a
DUES_REMINDER for each member who owes and has an account, then queues the next page. Never a
table scan. The event id is `dues-month:<month>:<member>`: a page handled twice (a redelivery, a
crash) tells nobody twice, the notifications worker's Delivery records keep each (event, account,
channel) once.
"""

from __future__ import annotations

from datetime import date

from msgspec.structs import replace

from zhtj.core import clock
from zhtj.core.clock import CHINA_TZ
from zhtj.core.observability import logger, metrics
from zhtj.dues.models import DuesAccount
from zhtj.dues.owed import last_paid_month, online_start, owed_for
from zhtj.members.models import Member
from zhtj.messages import notify
from zhtj.messages.rules import Kind
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus, OrgType
from zhtj.reminders.messages import REMINDERS, DuesMonthPage
from zhtj.table import keys, paging

# Branches a message reads before it queues the next page (each with all its members).
BRANCHES_PER_PAGE = 20
BATCH_GET = 100


def event_id(month: str, member_id: str) -> str:
    return f"dues-month:{month}:{member_id}"


def _buckets() -> list[str]:
    """The tree index's partitions: each root's own, and one per direct child of a root."""
    buckets: list[str] = []
    for root in Org.by_gsi1.query(keys.children_pk("ROOT")):
        if not isinstance(root, Org):
            continue
        buckets.append(root.org_id)
        children = [
            *Org.by_gsi1.query(keys.children_pk(root.org_id)),
            *Org.by_gsi1.query(keys.system_orgs_pk(root.org_id)),
        ]
        buckets += sorted(c.org_id for c in children if isinstance(c, Org))
    return buckets


def start(today: date | None = None) -> int:
    """The schedule: one message per tree partition for this China month. Returns how many."""
    day = today or clock.now().astimezone(CHINA_TZ).date()
    month = f"{day:%Y-%m}"
    buckets = _buckets()
    for bucket in buckets:
        REMINDERS.send(DuesMonthPage(month=month, bucket=bucket))
    logger.info("monthly dues reminder started", extra={"month": month, "partitions": len(buckets)})
    return len(buckets)


def handle(message: DuesMonthPage) -> int:
    """One page of a partition's branches: their members who owe are told. Queues the next page.
    Returns how many members were told."""
    branches, cursor = paging.query_page(
        Org.by_gsi2.query,
        keys.tree_pk(message.bucket),
        filter_condition=(Org.org_type == OrgType.BRANCH.value) & (Org.status == OrgStatus.ACTIVE.value),
        limit=BRANCHES_PER_PAGE,
        cursor=message.cursor,
    )
    today = clock.now().astimezone(CHINA_TZ).date()
    since = online_start(today)
    told = sum(remind_branch(b, message.month, today, since) for b in branches if isinstance(b, Org))
    if cursor is not None:
        REMINDERS.send(replace(message, cursor=cursor))
    if told:
        metrics.add_metric(name="DuesRemindersQueued", unit="Count", value=told)
    return told


def remind_branch(branch: Org, month: str, today: date, since: str) -> int:
    """Tell the branch's members who owe (and have an account); returns how many."""
    members = [m for m in Member.by_gsi1.query(keys.branch_members_pk(branch.org_id)) if isinstance(m, Member)]
    accounts: dict[str, DuesAccount] = {}
    for at in range(0, len(members), BATCH_GET):
        batch = [(keys.member_pk(m.member_id), keys.DUES_ACCOUNT_SK) for m in members[at : at + BATCH_GET]]
        for found in DuesAccount.batch_get(batch):
            if isinstance(found, DuesAccount):
                accounts[found.member_id] = found
    told = 0
    for member in members:
        if not member.account_id:
            continue  # imported and never signed up: nobody to tell
        account = accounts.get(member.member_id)
        owed = owed_for(member, account.paid_through if account else None, today, since)
        if owed:
            # Months paid outside an order (migrated records) may cover what the account does not show.
            newest = last_paid_month(member.member_id)
            if newest is not None and (
                account is None or account.paid_through is None or newest > account.paid_through
            ):
                owed = owed_for(member, newest, today, since)
        if not owed:
            continue
        notify.notify(
            None,
            Kind.DUES_REMINDER,
            event_id(month, member.member_id),
            member_id=member.member_id,
            params={"branch": branch.short_name, "months": str(len(owed))},
        )
        told += 1
    return told
