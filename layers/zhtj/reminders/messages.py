"""The reminders queue and its message: one page of one tree partition's branches whose members
who owe dues are reminded this month (MSG-1's monthly dues reminder)."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class DuesMonthPage(Message, frozen=True, kw_only=True, tag_field="kind", tag="dues_month_page"):
    """Remind, for `month` (China, YYYY-MM), the members who owe of the branches of tree
    partition `bucket` from `cursor` on (a page at a time; the worker queues the next page)."""

    month: str
    bucket: str
    cursor: str | None = None


REMINDERS: Queue[DuesMonthPage] = Queue("reminders", DuesMonthPage)
