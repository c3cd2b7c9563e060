"""The enrolment peak in small: 2,000 registrations at once through the local stack's HTTP API,
with 5% of the registration worker's invocations crashing (half before, half after doing
their work). Every registration must end pending exactly once, then approvals racing on the
same registration must produce exactly one member each; nothing lost, nothing doubled,
dead-letter queues empty."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests.support.stack import applicants, start_stack
from zhtj.core.identity import check_character

SUBMISSIONS = 2000
# A message goes to the DLQ after 5 failed receives, so a crash share s sends ~s^5 x 2,000 healthy
# messages there: at 0.1 one run in 50 failed for the DLQ doing its job; at 0.05, one in 1,600
# (still some ten crashed batches a run). The other faults are proven in-process: tests/faults/.
CRASH_SHARE = 0.05
SETTLE_SECONDS = 420


def person(i: int, branch_id: str) -> dict[str, Any]:
    body = f"440106{2000 + i // 365:04d}{1 + (i % 365) // 31 % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return {
        "name": "团员" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[i // 10 % 10],
        "id_number": body + check_character(body),
        "ethnicity": "01",
        "political_status": "03",
        "join_month": "2021-05",
        "branch_id": branch_id,
        "is_cadre": False,
        "development_number": f"2021{i:08d}",
    }


def aws(stack: Any, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack.aws_url,
        region_name="cn-north-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def registrations_by_state(stack: Any, branch_id: str) -> Counter[str]:
    table = aws(stack, "dynamodb")
    states: Counter[str] = Counter()
    paginator = table.get_paginator("query")
    for page in paginator.paginate(
        TableName="zhtj",
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :b",
        ExpressionAttributeValues={":b": {"S": f"BRANCHREG#{branch_id}"}},
    ):
        states.update(item["state"]["S"] for item in page["Items"])
    return states


def queue_depths(stack: Any, delayed: bool = False) -> dict[str, int]:
    """Each queue's messages waiting and in flight; with `delayed`, those sent with a delay too (a
    registration paced by the real-name rate goes back on its queue so; a card waits out its
    quiet period so, which the end of this test need not)."""
    sqs = aws(stack, "sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    if delayed:
        names.append("ApproximateNumberOfMessagesDelayed")
    depths = {}
    for url in sqs.list_queues()["QueueUrls"]:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        depths[url.rsplit("/", 1)[1]] = sum(int(v) for v in attributes.values())
    return depths


def _errors(log: str) -> list[str]:
    """The stack log's lines that tell of a failure other than the injected crashes (the last 20)."""
    lines = [line for line in log.splitlines() if ("rror" in line or "Traceback" in line) and "injected" not in line]
    return lines[-20:]


@pytest.mark.e2e
def test_burst_of_2000_registrations_with_crashing_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given
    monkeypatch.setenv("ZHTJ_FAULTS", f"registration_worker={CRASH_SHARE}")
    stack = start_stack(tmp_path, demo_scale=20)
    try:
        assert stack.demo is not None
        branch = stack.demo["branch_org_id"]
        api = stack.api_url
        # The demo's members of this branch are approved registrations of their own.
        demo = registrations_by_state(stack, branch)
        people = applicants(stack, SUBMISSIONS)  # ACCT-2: each from a signed-in account of its own

        def submit(i: int) -> str:
            answer = requests.post(f"{api}/registrations", json=person(i, branch), headers=people[i], timeout=60)
            assert answer.status_code == 202, answer.text
            return str(answer.json()["registration_id"])

        # When
        with ThreadPoolExecutor(16) as pool:
            tickets = list(pool.map(submit, range(SUBMISSIONS)))
        # Then
        assert len(set(tickets)) == SUBMISSIONS

        # Wait on the queue (one attributes call), not on the table (a 2,000-item GSI query).
        deadline = time.monotonic() + SETTLE_SECONDS
        while queue_depths(stack, delayed=True).get("zhtj-registration", 0):
            assert time.monotonic() < deadline, queue_depths(stack)
            time.sleep(1)
        written = registrations_by_state(stack, branch) - demo
        if written != Counter({"PENDING_REVIEW": SUBMISSIONS}):
            depths = queue_depths(stack, delayed=True)
            shown = {q: n for q, n in depths.items() if n or q.startswith("zhtj-registration")}
            pytest.fail(f"written {dict(written)}; queues {shown}; errors {_errors(stack.log())[-5:]}")
        # The crashes did happen (the runner logs each with its traceback; its own line says the
        # records went back, should a traceback be cut short).
        log = stack.log()
        crashed = log.count("injected fault in registration_worker") + log.count("registration_worker raised")
        invocations = log.count("local.runner registration_worker")
        assert crashed, f"no injected crash in {invocations} invocations of registration_worker"

        # Two secretaries' clicks on each of 50 registrations: exactly one approval each.
        secretary = {"Authorization": f"Bearer {stack.demo['branch_secretary']}"}

        def member_count() -> int:
            return int(requests.get(f"{api}/orgs/{branch}", headers=secretary, timeout=60).json()["member_count"])

        before = member_count()

        def approve(reg_id: str) -> int:
            return requests.post(f"{api}/registrations/{reg_id}/approve", headers=secretary, timeout=60).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(approve, [t for t in tickets[:50] for _ in range(2)]))
        assert Counter(codes) == Counter({200: 50, 409: 50})
        states = registrations_by_state(stack, branch) - demo
        assert states == Counter({"PENDING_REVIEW": SUBMISSIONS - 50, "APPROVED": 50})
        assert member_count() == before + 50

        # Batches that crashed after their work come back once more and find it done.
        deadline = time.monotonic() + 120
        while any(queue_depths(stack).values()) and time.monotonic() < deadline:
            time.sleep(1)
        depths = queue_depths(stack)
        assert all(depth == 0 for depth in depths.values()), str({q: d for q, d in depths.items() if d})
        assert registrations_by_state(stack, branch) - demo == Counter(
            {"PENDING_REVIEW": SUBMISSIONS - 50, "APPROVED": 50}
        )
    finally:
        assert stack.interrupt() == 0
