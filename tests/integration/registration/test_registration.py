"""Registration (报到) and review through the HTTP API, the registration queue and its worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import pytest

from tests.support import World, call, drain
from tests.support.registration import applicant_for, follow, form, make_id, registered, submit
from zhtj.members.models import Member
from zhtj.orgs.models import Org
from zhtj.registration import identity_check
from zhtj.registration import service as registration
from zhtj.registration.messages import REGISTRATION
from zhtj.registration.models import Claim
from zhtj.registration.rules import RegistrationState
from zhtj.table import keys
from zhtj.table.queues import queue_url
from zhtj.timers import service as timers

REG_QUEUE = REGISTRATION.name


@pytest.fixture(autouse=True)
def identity_provider_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")


def test_reg_1_submission_is_queued_then_written_pending_review(client: Any, world: World) -> None:
    # Given an applicant signed in with their phone (ACCT-2)
    body = form(world)
    applicant = applicant_for(body)
    # When they submit
    status, answer = submit(client, body, applicant)
    # Then
    assert (status, answer["status"]) == (202, "QUEUED")
    followed = follow(client, answer["registration_id"], applicant)
    assert followed["status"] == "QUEUED"  # nothing is written before the worker runs
    assert drain(client) == 1
    followed = follow(client, answer["registration_id"], applicant)
    record = followed["registration"]
    assert (followed["status"], record["real_name_state"]) == ("PENDING_REVIEW", "PASSED")
    # REG-2: birth date and sex come from the ID number, never typed twice; GB/T 35273: what is
    # shown of them is de-identified (the birth year-month, the number's last two characters).
    assert (record["birth_month"], record["sex"]) == ("2005-03", "M")
    assert record["id_masked"] == "*" * 16 + make_id()[-2:] and "birth_date" not in record
    assert "id_number" not in record


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"ethnicity": "火星族"}, 400, "ETHNICITY_UNKNOWN", "ethnicity"),
        ({"political_status": "99"}, 400, "POLITICAL_STATUS_UNKNOWN", "political_status"),
        ({"id_number": make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")}, 400, "ID_CHECKSUM", "id_number"),
        ({"join_month": "2099-01"}, 400, "JOIN_MONTH_FUTURE", "join_month"),
        ({"join_month": "2021-13"}, 400, "JOIN_MONTH_FORMAT", "join_month"),
        ({"phone": "12345"}, 400, "PHONE_FORMAT", "phone"),
        ({"development_number": None}, 422, "REG-3", "development_number"),
        ({"development_number": "201944010001"}, 400, "DEVELOPMENT_NUMBER_YEAR", "development_number"),
        (
            {"join_month": "2016-05", "development_number": None, "id_number": make_id("19990301")},
            422,
            "REG-3",
            "identity_proof",
        ),
        (
            {"id_number": make_id("20100101"), "join_month": "2022-06", "development_number": "202244010001"},
            422,
            "REG-3",
            "join_month",
        ),
        ({"branch_id": "nonexistent"}, 404, "ORG_NOT_FOUND", "org_id"),
        ({"unknown_field": 1}, 400, "INVALID_FIELD", "unknown_field"),
    ],
)
def test_reg_1_2_3_bad_fields_are_refused_one_by_one(
    client: Any, world: World, overrides: dict[str, Any], status: int, code: str, field: str
) -> None:
    # Given / When
    got, answer = submit(client, form(world, **overrides))
    # Then
    assert (got, answer["code"], answer["field"]) == (status, code, field), answer
    assert answer["message"]
    assert (
        boto3.client("sqs").get_queue_attributes(
            QueueUrl=queue_url(REG_QUEUE), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "0"
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("张\t三", "NAME_CHARACTER"),
        ("张\n三", "NAME_CHARACTER"),
        ("张\u00a0三", "NAME_CHARACTER"),
        ("张\u3000三", "NAME_CHARACTER"),
        ("张三\U0001f600", "NAME_CHARACTER"),
        ("张\ue000三", "NAME_CHARACTER"),
        ("张\u3164三", "NAME_CHARACTER"),
        ("张\ufe0f三", "NAME_CHARACTER"),
    ],
    ids=repr,
)
def test_reg_1_a_malformed_name_is_refused_before_anything_is_queued(
    client: Any, world: World, name: str, code: str
) -> None:
    # Given a registration whose name holds a character outside the name rule
    # When it is submitted
    got, answer = submit(client, form(world, name=name))
    # Then it is refused on `name` in Chinese, and nothing waits for the worker to store
    assert (got, answer["code"], answer["field"]) == (400, code, "name"), answer
    assert "姓名" in answer["message"]
    assert (
        boto3.client("sqs").get_queue_attributes(
            QueueUrl=queue_url(REG_QUEUE), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "0"
    )


def test_reg_1_a_latin_name_only_with_a_residence_permit(client: Any, world: World) -> None:
    # Given the Latin name "Chan Tai Man"
    # When a resident ID card's holder registers with it
    got, answer = submit(client, form(world, name="Chan Tai Man"))
    # Then it is refused on `name`
    assert (got, answer["code"], answer["field"]) == (400, "NAME_LATIN_NOT_ALLOWED", "name"), answer
    # When a Hong Kong resident with a residence permit (region code 810000) registers with it
    registration_id = registered(client, world, name="Chan Tai Man", id_number=make_id("20050301", region="810000"))
    # Then the registration waits for review under that name
    assert (registration_id["status"], registration_id["registration"]["name"]) == ("PENDING_REVIEW", "Chan Tai Man")


def test_reg_2_legacy_15_digit_id_is_converted(client: Any, world: World) -> None:
    # Given
    legacy = make_id("19880301")[:6] + "880301" + "123"
    # When
    registration_id = registered(
        client,
        world,
        id_number=legacy,
        join_month="2003-05",
        development_number=None,
        identity_proof="APPLICATION_FORM",
    )
    # Then
    assert registration_id["registration"]["birth_month"] == "1988-03"


def test_org_4_registration_only_to_a_branch(client: Any, world: World) -> None:
    status, answer = submit(client, form(world, branch_id=world.orgs["tianhe"]))
    assert (status, answer["code"]) == (422, "ORG-4")


def test_reg_4_one_live_registration_per_id_number(client: Any, world: World) -> None:
    first = registered(client, world)
    second = registered(client, world, branch_id=world.orgs["lianhua"], development_number="202144010002")
    assert first["status"] == "PENDING_REVIEW"
    assert (second["status"], second["registration"]["refusal_code"]) == ("REFUSED", "REG-4")
    number_reuse = registered(client, world, id_number=make_id(seq=125))
    assert (number_reuse["status"], number_reuse["registration"]["refusal_code"]) == ("REFUSED", "REG-4")


def test_redelivered_submission_writes_once(client: Any, world: World) -> None:
    # Given
    _, answer = submit(client, form(world))
    message = boto3.client("sqs").receive_message(QueueUrl=queue_url(REG_QUEUE))["Messages"][0]
    # When
    for _ in range(3):
        registration.apply_submission(REGISTRATION.parse(message["Body"]))
    # Then
    written = registration.find(answer["registration_id"])
    assert written is not None and written.state == RegistrationState.PENDING
    from zhtj.table.audit_record import AuditRecord

    trail = [r.action for r in AuditRecord.query(keys.audit_pk("REGISTRATION", answer["registration_id"]))]
    assert trail.count("registration.submit") == 1


def test_same_idempotency_key_gives_the_same_registration(client: Any, world: World) -> None:
    headers = {"Idempotency-Key": "form-42", **applicant_for(form(world))}
    _, first = submit(client, form(world), headers)
    _, again = submit(client, form(world), headers)
    assert first["registration_id"] == again["registration_id"]
    drain(client)
    assert registration.find(first["registration_id"]).state == RegistrationState.PENDING  # type: ignore[union-attr]


def test_rev_1_rev_3_approval_creates_the_member_moves_the_claim_and_is_permanent(client: Any, world: World) -> None:
    # Given
    applied = registered(client, world)
    registration_id = applied["registration_id"]
    before = Org.get(keys.org_pk(world.orgs["huajing"]), keys.META).member_count
    # When
    status, approved = call(client, "POST", f"/registrations/{registration_id}/approve", world.headers("huajing"))
    # Then
    assert (status, approved["state"]) == (200, "APPROVED")
    member = Member.get(keys.member_pk(approved["member_id"]), keys.META)
    assert (member.branch_id, member.join_month, member.id_masked) == (
        world.orgs["huajing"],
        "2021-05",
        approved["id_masked"],
    )
    assert Org.get(keys.org_pk(world.orgs["huajing"]), keys.META).member_count == before + 1
    claim = Claim.get(keys.id_claim_pk(member.id_index), keys.META)
    assert (claim.owner_kind, claim.owner_id) == ("MEMBER", member.member_id)
    # REV-3: approved is permanent here: a second review is refused, and so is a withdrawal.
    status, answer = call(client, "POST", f"/registrations/{registration_id}/approve", world.headers("huajing"))
    assert (status, answer["code"]) == (409, "REGISTRATION_NOT_PENDING")
    status, answer = call(
        client, "POST", f"/me/registrations/{registration_id}/withdraw", applied["headers"], {"reason": "不想报了"}
    )
    assert (status, answer["code"]) == (409, "REGISTRATION_NOT_LIVE")
    # The member cannot register a second time (REG-4).
    again = registered(client, world, branch_id=world.orgs["lianhua"], development_number="202144010009")
    assert again["registration"]["refusal_code"] == "REG-4"


def test_rev_1_approval_reads_in_one_batch_and_writes_in_one_transaction(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a pending registration in 华景, and every DynamoDB request counted
    registration_id = registered(client, world)["registration_id"]
    reviewer = world.headers("huajing")  # 华景 signed in
    sent: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            wanted = [k["sk"]["S"].split("#")[0] for t in params.get("RequestItems", {}).values() for k in t["Keys"]]
            sent.append(f"{operation} {','.join(sorted(wanted))}".strip())
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    # When 华景 approves it
    status, approved = call(client, "POST", f"/registrations/{registration_id}/approve", reviewer)
    # Then: the reviewer's session (the token's check), the registration, the acting branch and
    # the operator's grants (one key per operator role) in one BatchGetItem, and the one
    # transaction (the new member's card is announced without reading its state)
    assert (status, approved["state"]) == (200, "APPROVED")
    assert sent == ["BatchGetItem GRANT,GRANT,GRANT,GRANT,META,META,SESSION", "TransactWriteItems"]


def test_rev_1_return_needs_reason_then_reg_6_resubmit_to_another_branch(client: Any, world: World) -> None:
    # Given
    applied = registered(client, world)
    registration_id = applied["registration_id"]
    # When
    status, answer = call(
        client, "POST", f"/registrations/{registration_id}/return", world.headers("huajing"), {"reason": " "}
    )
    # Then
    assert (status, answer["code"], answer["field"]) == (400, "INVALID_FIELD", "reason")
    status, returned = call(
        client,
        "POST",
        f"/registrations/{registration_id}/return",
        world.headers("huajing"),
        {"reason": "入团年月与档案不符"},
    )
    assert (status, returned["state"], returned["return_reason"]) == (200, "RETURNED", "入团年月与档案不符")
    corrected = registered(
        client,
        world,
        applied["headers"],
        branch_id=world.orgs["lianhua"],
        join_month="2021-04",
        previous_id=registration_id,
    )
    assert corrected["status"] == "PENDING_REVIEW"
    assert registration.find(registration_id).state == RegistrationState.SUPERSEDED  # type: ignore[union-attr]


def test_reg_6_withdraw_frees_the_id_number(client: Any, world: World) -> None:
    applied = registered(client, world)
    registration_id = applied["registration_id"]
    status, answer = call(
        client, "POST", f"/me/registrations/{registration_id}/withdraw", applied["headers"], {"reason": "选错了团支部"}
    )
    assert (status, answer["status"]) == (200, "WITHDRAWN")
    again = registered(client, world, branch_id=world.orgs["lianhua"])
    assert again["status"] == "PENDING_REVIEW"


def test_rev_2_parent_reviews_only_after_escalation(client: Any, world: World) -> None:
    registration_id = registered(client, world)["registration_id"]
    status, answer = call(client, "POST", f"/registrations/{registration_id}/approve", world.headers("tianhe"))
    assert (status, answer["code"]) == (403, "NOT_ESCALATED")
    status, answer = call(client, "POST", f"/registrations/{registration_id}/approve", world.headers("sz"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")


def test_rev_2_review_deadline_is_5_working_days(client: Any, world: World) -> None:
    # Given / When
    registration_id = registered(client, world)["registration_id"]
    # Then
    record = registration.find(registration_id)
    assert record is not None and record.review_due is not None
    from zhtj.timers import calendar

    due_day = calendar.current().add_workdays(record.submitted_at, registration.REVIEW_WORKDAYS)
    assert record.review_due == calendar.end_of_workday(due_day)
    from zhtj.timers.models import Timer

    timer = Timer.get(keys.timer_pk(timers.REVIEW_DUE, registration_id), keys.META)
    assert timer.due_at == record.review_due


def test_reg_5_failed_real_name_is_rechecked_then_passed_offline(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "100")
    monkeypatch.setenv("ZHTJ_FAKE_IDP_REFAIL_PERCENT", "100")
    # When
    registration_id = registered(client, world)["registration_id"]
    # Then
    assert registration.find(registration_id).real_name_state == "RECHECK_SCHEDULED"  # type: ignore[union-attr]
    status, answer = call(client, "POST", f"/registrations/{registration_id}/approve", world.headers("huajing"))
    assert (status, answer["code"]) == (422, "REG-5")
    identity_check.recheck(
        registration_id
    )  # the timer's doing (tests/integration/deadlines/test_deadlines.py drives the sweep)
    assert registration.find(registration_id).real_name_state == "FAILED"  # type: ignore[union-attr]
    status, upload = call(client, "POST", f"/registrations/{registration_id}/offline-photo", world.headers("huajing"))
    assert status == 200
    status, answer = call(
        client,
        "POST",
        f"/registrations/{registration_id}/offline-pass",
        world.headers("huajing"),
        {"note": "已核对身份证原件", "photo_key": upload["key"]},
    )
    assert (status, answer["code"]) == (400, "PHOTO_MISSING")
    from zhtj.table import storage

    boto3.client("s3").put_object(Bucket=storage.bucket("uploads"), Key=upload["key"], Body=b"jpeg")
    status, answer = call(
        client,
        "POST",
        f"/registrations/{registration_id}/offline-pass",
        world.headers("huajing"),
        {"note": "已核对身份证原件", "photo_key": upload["key"]},
    )
    assert (status, answer["real_name_state"]) == (200, "OFFLINE_PASSED")
    status, answer = call(client, "POST", f"/registrations/{registration_id}/approve", world.headers("huajing"))
    assert (status, answer["state"]) == (200, "APPROVED")


def test_reg_5_recheck_can_pass(client: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "100")
    monkeypatch.setenv("ZHTJ_FAKE_IDP_REFAIL_PERCENT", "0")
    registration_id = registered(client, world)["registration_id"]
    identity_check.recheck(registration_id)
    identity_check.recheck(registration_id)  # a second firing changes nothing
    assert registration.find(registration_id).real_name_state == "PASSED"  # type: ignore[union-attr]


def test_reg_8_registration_opens_by_sector_wave(client: Any, world: World) -> None:
    # Given
    from datetime import timedelta

    from zhtj.core.clock import now
    from zhtj.registration import waves

    soon = (now() + timedelta(days=7)).isoformat()
    # When
    status, answer = call(client, "PUT", "/registration-waves", world.headers("gz"), {"opens": {"OTHERS": soon}})
    # Then
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")
    opens = {"UNIVERSITIES": (now() - timedelta(days=1)).isoformat(), "OTHERS": soon}
    status, answer = call(client, "PUT", "/registration-waves", world.headers("root"), {"opens": opens})
    assert status == 200
    status, answer = submit(client, form(world))  # 华景 is a community branch: OTHERS, not open yet
    assert (status, answer["code"], answer["field"]) == (422, "REG-8", "branch_id")
    assert "其他领域" in answer["message"]
    university = form(world, branch_id=world.orgs["cs2024"])
    status, _ = submit(client, university)
    assert status == 202
    # The schedule opens a wave when its time comes.
    from zhtj.registration.models import Wave

    wave = Wave.get(keys.WAVES_PK, "OTHERS")
    wave.update(actions=[Wave.opens_at.set(now() - timedelta(minutes=1))])
    scheduled = json.loads((Path(__file__).parents[3] / "events" / "tree_jobs_watchdog.schedule.json").read_text())
    assert client.lambda_.invoke("open_waves", scheduled).payload == {"opened": ["OTHERS"]}
    assert waves.waves()["OTHERS"].opened
    status, _ = submit(client, form(world, id_number=make_id(seq=131), development_number="202144010003"))
    assert status == 202


def test_id_numbers_are_never_stored_or_queued_in_plain_text(client: Any, world: World) -> None:
    # Given
    plain = make_id()
    # When
    submit(client, form(world))
    # Then
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url(REG_QUEUE))["Messages"]
    assert plain not in messages[0]["Body"]
    boto3.client("sqs").change_message_visibility(
        QueueUrl=queue_url(REG_QUEUE), ReceiptHandle=messages[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    drain(client)
    registration_id = json.loads(messages[0]["Body"])["registration_id"]
    call(client, "POST", f"/registrations/{registration_id}/approve", world.headers("huajing"))
    dump = json.dumps(boto3.client("dynamodb").scan(TableName="zhtj")["Items"], ensure_ascii=False)
    assert plain not in dump and plain[6:14] + plain[14:] not in dump


def test_full_id_number_only_for_the_reviewing_branch_and_audited(client: Any, world: World) -> None:
    registration_id = registered(client, world)["registration_id"]
    status, answer = call(client, "GET", f"/registrations/{registration_id}/id-number", world.headers("huajing"))
    assert (status, answer["id_number"]) == (200, make_id())
    for outsider in ("tianhe", "sz"):
        status, answer = call(client, "GET", f"/registrations/{registration_id}/id-number", world.headers(outsider))
        assert status == 403
    status, trail = call(client, "GET", f"/orgs/{world.orgs['huajing']}/audit", world.headers("huajing"))
    assert "registration.reveal_id_number" in [r["action"] for r in trail["items"]]


def test_rev_1_two_approvers_at_once_exactly_one_wins(client: Any, world: World) -> None:
    # Given
    from concurrent.futures import ThreadPoolExecutor

    from zhtj.core.errors import DomainError

    tickets = [
        registered(client, world, id_number=make_id(seq=140 + i), development_number=f"20214401{i:04d}")[
            "registration_id"
        ]
        for i in range(5)
    ]
    principal = world.principal("huajing")

    def approve(registration_id: str) -> str:
        try:
            registration.approve(principal, registration_id)
            return "ok"
        except DomainError as error:
            return error.code

    before = Org.get(keys.org_pk(world.orgs["huajing"]), keys.META).member_count
    # When
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(approve, [t for t in tickets for _ in range(2)]))
    # Then
    assert sorted(results) == ["REGISTRATION_NOT_PENDING"] * 5 + ["ok"] * 5
    assert Org.get(keys.org_pk(world.orgs["huajing"]), keys.META).member_count == before + 5
    members = [
        m
        for m in Member.by_gsi1.query(keys.branch_members_pk(world.orgs["huajing"]))
        if getattr(m, "registration_id", None) in tickets
    ]
    assert sorted(m.registration_id for m in members) == sorted(tickets)


def test_reg_7_admission_date_starts_the_5_working_day_window(client: Any, world: World) -> None:
    # Given
    from datetime import timedelta

    from zhtj.registration.service import today_in_china
    from zhtj.timers.models import Timer

    admitted = today_in_china() - timedelta(days=2)
    # When
    registration_id = registered(client, world, admitted_on=admitted.isoformat())["registration_id"]
    # Then
    window = Timer.get(keys.timer_pk(timers.REG7_DUE, registration_id), keys.META)
    assert window.workdays == timers.ADMISSION_WORKDAYS
    status, answer = submit(
        client,
        form(
            world,
            id_number=make_id(seq=161),
            development_number="202144010031",
            admitted_on=(today_in_china() + timedelta(days=1)).isoformat(),
        ),
    )
    assert (status, answer["code"], answer["field"]) == (400, "ADMITTED_ON_FUTURE", "admitted_on")
