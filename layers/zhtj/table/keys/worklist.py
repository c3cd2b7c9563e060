"""Keys of the work list (待办, MSG-4): one WorkItem per open task, under the organisation it
waits on, and that organisation's counts."""

from __future__ import annotations

WORK_COUNT_SK = "WORKCOUNT"


def work_pk(org_id: str) -> str:
    """An organisation's open tasks, sk <deadline>#<kind>#<id>: most urgent first."""
    return f"WORK#{org_id}"


def work_sk(due_key: str, kind: str, task_id: str) -> str:
    """`due_key`: the deadline's stamp, or `~<created stamp>` for a task with none (after every
    dated task, oldest first)."""
    return f"{due_key}#{kind}#{task_id}"


def work_kind_pk(org_id: str, kind: str) -> str:
    """gsi1: an organisation's open tasks of one kind, in the same order."""
    return f"WORKKIND#{org_id}#{kind}"


def work_task_pk(kind: str, task_id: str) -> str:
    """gsi2: where one task's items are (sk: the organisation), whatever its deadline was."""
    return f"WORKTASK#{kind}#{task_id}"


def work_count_pk(org_id: str) -> str:
    """An organisation's counts of open tasks by kind (sk WORKCOUNT)."""
    return f"WORKCOUNT#{org_id}"


def work_mark_pk(event_id: str) -> str:
    """A stream record the work list has applied (its own marks: the statistics keep theirs)."""
    return f"WORKREC#{event_id}"
