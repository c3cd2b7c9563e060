"""Item types of the work list (待办, MSG-4): one WorkItem per open task under the organisation
it waits on, and one WorkCount per organisation. Key layouts are in docs/data-model.md."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from zhtj.table.base import Item


class WorkItem(Item, discriminator="WorkItem"):
    """An open task waiting on an organisation: pk WORK#<org>, sk <deadline>#<kind>#<id> (a Query
    is most urgent first; no deadline: `~<created>`, after the dated ones); gsi1
    WORKKIND#<org>#<kind> / the same sk (one kind); gsi2 WORKTASK#<kind>#<id> / <org> (where a
    task's items are, whatever its deadline was). Never holds an ID number."""

    org_id = UnicodeAttribute()
    task = UnicodeAttribute()  # worklist.rules.WorkKind
    task_id = UnicodeAttribute()
    name = UnicodeAttribute()  # the member's or applicant's name, for display
    member_id = UnicodeAttribute(null=True)
    registration_id = UnicodeAttribute(null=True)
    transfer_id = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    deadline = UTCDateTimeAttribute(null=True)
    unit = UnicodeAttribute(null=True)  # worklist.rules.DueUnit
    escalated = BooleanAttribute(default=False)
    stage = UnicodeAttribute(null=True)


class WorkCount(Item, discriminator="WorkCount"):
    """An organisation's open tasks counted by kind: pk WORKCOUNT#<org>, sk WORKCOUNT. Moved
    (ADD) in the same transaction as the WorkItems it counts."""

    org_id = UnicodeAttribute(null=True)
    registration = NumberAttribute(default=0)
    overdue_review = NumberAttribute(default=0)
    edit = NumberAttribute(default=0)
    join_month = NumberAttribute(default=0)
    transfer = NumberAttribute(default=0)
    award_declaration = NumberAttribute(default=0)
    exit = NumberAttribute(default=0)
    deletion = NumberAttribute(default=0)
    party = NumberAttribute(default=0)
