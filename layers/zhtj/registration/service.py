"""Registration (报到) and its review (审核), REG-1..6, REV-1..3: the operations the routes, the
registration worker and other capabilities call, gathered from the modules that do each job:

- submit.py: the synchronous checks and the queue message (REG-1..3, REG-7, REG-8);
- worker.py: the worker's one-transaction write (REG-4, REG-5, REV-2);
- applicant.py: the applicant following and withdrawing their registration (REG-6, ACCT-2);
- review.py: the branch's review (REV-1..3);
- records.py: reading a registration.

The states are `rules.RegistrationState`; the names below are what other capabilities import.
"""

from __future__ import annotations

from zhtj.registration.applicant import NOT_LIVE, QUEUE_GRACE, current, status, withdraw
from zhtj.registration.records import check_id, find, get
from zhtj.registration.review import (
    NOT_PENDING,
    approve,
    list_for_branch,
    member_of,
    read,
    return_to_member,
    reveal_id_number,
)
from zhtj.registration.rules import LIVE
from zhtj.registration.submit import person_fields, submit, today_in_china
from zhtj.registration.worker import ALREADY_WRITTEN, DUPLICATE_ID, DUPLICATE_NUMBER, REVIEW_WORKDAYS, apply_submission

__all__ = [
    "ALREADY_WRITTEN",
    "DUPLICATE_ID",
    "DUPLICATE_NUMBER",
    "LIVE",
    "NOT_LIVE",
    "NOT_PENDING",
    "QUEUE_GRACE",
    "REVIEW_WORKDAYS",
    "apply_submission",
    "approve",
    "check_id",
    "current",
    "find",
    "get",
    "list_for_branch",
    "member_of",
    "person_fields",
    "read",
    "return_to_member",
    "reveal_id_number",
    "status",
    "submit",
    "today_in_china",
    "withdraw",
]
