"""Organisation life (LIFE-1) through the HTTP API: photos uploaded, meetings recorded, and the
daily sweep run in-process (its segment and its finish, without the state machine)."""

from __future__ import annotations

from datetime import date
from typing import Any

import boto3

from tests.support.http import call
from tests.support.queues import drain_stream
from tests.support.world import World
from zhtj.table import storage


def photo(client: Any, world: World, branch: str, size: int = 1024, content_type: str = "image/jpeg") -> str:
    """A photo of a meeting uploaded as the client would: a presigned upload's key, the object put."""
    status, upload = call(
        client, "POST", f"/orgs/{world.orgs[branch]}/life-photos", world.headers(branch), {"content_type": content_type}
    )
    assert status == 200, upload
    boto3.client("s3").put_object(Bucket=storage.bucket("uploads"), Key=upload["key"], Body=b"\xff" * size)
    return str(upload["key"])


def meeting_body(
    world: World, branch: str, held_on: date, kind: str = "BRANCH_ASSEMBLY", **extra: Any
) -> dict[str, Any]:
    """Every member of the branch present, but the last of several (absent, with a reason)."""
    members = world.members[branch]
    present = members[:-1] if len(members) > 1 else members
    absent = [{"member_id": members[-1], "present": False, "reason": "出差"}] if len(members) > 1 else []
    return {
        "kind": kind,
        "held_on": held_on.isoformat(),
        "topic": "学习团章",
        "minutes": "会议讨论了团章第一章。",
        "attendees": [{"member_id": m, "present": True} for m in present] + absent,
    } | extra


def record_meeting(
    client: Any, world: World, branch: str, held_on: date, kind: str = "BRANCH_ASSEMBLY"
) -> dict[str, Any]:
    status, meeting = call(
        client,
        "POST",
        f"/orgs/{world.orgs[branch]}/life-meetings",
        world.headers(branch),
        meeting_body(world, branch, held_on, kind),
    )
    assert status == 201, meeting
    return dict(meeting)


def sweep_in_process() -> None:
    """The daily sweep over one segment and its finish, then the stream the finish moved."""
    from zhtj.sweeps import service as sweeps

    drain_stream()
    run = sweeps.start(None, segments=1)
    sweeps.scan_segment(run.run_id, 0, 1)
    sweeps.finish(run.run_id)
    drain_stream()
