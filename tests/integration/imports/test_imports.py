"""Bulk entry (批量录入 = import), IMPORT-1..2, through the HTTP API, the imports queue and its worker."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from openpyxl import load_workbook

from tests.support import World, call, org_body, world_registrations
from tests.support.imports import drain, person, progress, run_import, upload, workbook
from tests.support.registration import make_id
from zhtj.core import settings
from zhtj.core.settings import IDENTITY_PROVIDER_ENV
from zhtj.imports import report_sheet
from zhtj.imports import rows as import_rows_module
from zhtj.imports import service as imports
from zhtj.imports import template as sheet
from zhtj.imports import worker as import_worker
from zhtj.imports.messages import IMPORTS
from zhtj.imports.rules import ImportState
from zhtj.integrations.identity import registry
from zhtj.members.codes import ETHNICITIES, POLITICAL_STATUSES
from zhtj.orgs import service as orgs
from zhtj.orgs.rules import OrgType
from zhtj.registration import worker as registration_worker
from zhtj.registration.models import Claim, Registration
from zhtj.table import keys, limits, pii, storage


def messages_waiting() -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=IMPORTS.url(), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def report_rows(client: Any, world: World, importer: str, import_id: str) -> list[dict[str, Any]]:
    status, answer = call(client, "GET", f"/imports/{import_id}/report", world.headers(importer))
    assert status == 200, answer
    response = requests.get(answer["url"], timeout=10)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book[report_sheet.REPORT_SHEET].iter_rows(values_only=True))
    assert rows[0] == report_sheet.REPORT_HEADERS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def registrations_of(world: World, branch_id: str) -> list[Registration]:
    """The registrations a branch received besides the world's members' own (approved as it was built)."""
    own = world_registrations(world)
    found = Registration.by_gsi1.query(keys.branch_registrations_pk(branch_id))
    return [r for r in found if isinstance(r, Registration) and r.registration_id not in own]


@pytest.fixture(autouse=True)
def identity_provider_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")
    monkeypatch.setenv(settings.IMPORT_CHUNK_ROWS_ENV, "2")


@pytest.fixture
def shipai(world: World) -> str:
    """A second branch under 天河, beside 华景."""
    body = org_body(
        OrgType.BRANCH,
        "广州市天河区石牌社区团支部",
        "中国共产主义青年团广州市天河区石牌社区支部委员会",
        "石牌社区团支部",
    )
    world.orgs["shipai"] = orgs.create_child(world.principal("tianhe"), world.orgs["tianhe"], body).org_id
    return world.orgs["shipai"]


def test_import_1_template_has_the_headers_and_validation_lists(client: Any, world: World, shipai: str) -> None:
    # Given / When
    status, answer = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/import-template", world.headers("tianhe"))
    # Then
    assert status == 200, answer
    response = requests.get(answer["url"], timeout=10)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    data = book[sheet.DATA_SHEET]
    header = [c.value for c in data[1]]
    # REG-1 / seed 002 annex §4.3: the required fields are marked.
    assert header[:6] == ["*姓名", "*身份证号码", "*民族", "*政治面貌", "*入团年月", "*是否团干部"]
    assert {"发展团员编号", "身份证明材料", "学历", "职业", "收入类别", "手机号码", "*所在团支部"} <= set(header)
    lists = book[sheet.LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    validations = {str(v.sqref).split(":")[0].rstrip("0123456789"): v for v in data.data_validations.dataValidation}
    column_of = {h.lstrip("*"): chr(ord("A") + i) for i, h in enumerate(header)}
    for title, codes in (("民族", ETHNICITIES), ("政治面貌", POLITICAL_STATUSES)):
        letter = column_of[title]
        validation = validations[letter]
        assert validation.type == "list"
        assert validation.formula1 == f"'{sheet.LISTS_SHEET}'!${letter}$1:${letter}${len(codes)}"
        assert [c.value for c in lists[letter][: len(codes)]] == list(codes.values())
    branches = column_of["所在团支部"]
    assert {c.value for c in lists[branches] if c.value} == {"华景社区团支部", "石牌社区团支部"}
    guide = [row for row in book[sheet.GUIDE_SHEET].iter_rows(values_only=True)]
    assert {row[0] for row in guide[1:]} >= {c.header for c in sheet.COLUMNS}
    # A branch's own template: the branch column is optional and lists the branch alone.
    status, own = call(client, "GET", f"/orgs/{world.orgs['huajing']}/import-template", world.headers("huajing"))
    own_book = load_workbook(io.BytesIO(requests.get(own["url"], timeout=10).content))
    assert "所在团支部" in [c.value for c in own_book[sheet.DATA_SHEET][1]]
    # The template is stored once per content, not once per download.
    status, again = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/import-template", world.headers("tianhe"))
    assert again["key"] == answer["key"]


def test_import_1_filled_template_imports(client: Any, world: World) -> None:
    # Given
    status, answer = call(client, "GET", f"/orgs/{world.orgs['huajing']}/import-template", world.headers("huajing"))
    assert status == 200
    book = load_workbook(io.BytesIO(requests.get(answer["url"], timeout=10).content))
    data = book[sheet.DATA_SHEET]
    header = [str(c.value).lstrip("*") for c in data[1]]
    data.append([person(1, None).get(h) for h in header])
    buffer = io.BytesIO()
    book.save(buffer)
    # When
    done = run_import(client, world, "huajing", buffer.getvalue())
    # Then
    assert (done["state"], done["rows_good"], done["rows_bad"]) == (ImportState.DONE, 1, 0)


def test_import_1_parent_imports_for_two_of_its_branches(client: Any, world: World, shipai: str) -> None:
    # Given
    rows = [
        person(1, "华景社区团支部"),
        person(2, shipai),
        person(3, world.orgs["huajing"], 是否团干部="是"),
    ]
    # When
    done = run_import(client, world, "tianhe", workbook(rows))
    # Then
    assert (done["state"], done["rows_total"], done["rows_good"], done["rows_bad"]) == (ImportState.DONE, 3, 3, 0)
    huajing, stone = registrations_of(world, world.orgs["huajing"]), registrations_of(world, shipai)
    assert sorted(r.name for r in huajing) == ["李晓强", "李晓红"]
    assert [r.name for r in stone] == ["李晓刚"]
    # Imported rows wait for the branch's review like any registration (REV-1), real-name checked (REG-5).
    assert {(r.state, r.real_name_state) for r in huajing + stone} == {("PENDING_REVIEW", "PASSED")}
    assert {r.is_cadre for r in huajing} == {True, False}
    cadre = next(r for r in huajing if r.is_cadre)
    assert cadre.id_masked == "*" * 16 + make_id(seq=3)[-2:]
    status, approved = call(client, "POST", f"/registrations/{cadre.registration_id}/approve", world.headers("huajing"))
    assert (status, approved["state"]) == (200, "APPROVED"), approved
    # The parent cannot review in the branch's place (REV-2: only once escalated).
    status, refused = call(
        client, "POST", f"/registrations/{stone[0].registration_id}/approve", world.headers("tianhe")
    )
    assert (status, refused["code"]) == (403, "NOT_ESCALATED")


def test_import_1_rows_only_for_direct_child_branches(client: Any, world: World, shipai: str) -> None:
    # Given
    rows = [
        person(1, world.orgs["huajing"]),  # a grandchild of 广州: refused
        person(2, world.orgs["huajing"], 是否团干部="是"),  # a cadre of 广州 in a branch below: kept
        person(3, world.orgs["tianhe"]),  # a direct child, but not a branch (ORG-4)
        person(4, "不存在的团支部"),
        person(5, None),  # a parent must name the branch
        person(6, world.orgs["lianhua"], 是否团干部="是"),  # another city's branch
    ]
    # When
    done = run_import(client, world, "gz", workbook(rows))
    # Then
    assert (done["rows_good"], done["rows_bad"]) == (1, 5)
    report = report_rows(client, world, "gz", done["import_id"])
    assert [(r["行号"], r["结果"], r["错误代码"], r["字段代码"]) for r in report] == [
        (2, "ERROR", "IMPORT-1", "branch_id"),
        (3, "OK", None, None),
        (4, "ERROR", "ORG-4", "branch_id"),
        (5, "ERROR", "BRANCH_UNKNOWN", "branch_id"),
        (6, "ERROR", "REQUIRED", "branch_id"),
        (7, "ERROR", "IMPORT-1", "branch_id"),
    ]
    assert report[0]["错误字段"] == "所在团支部"
    # A branch imports its own members only.
    done = run_import(client, world, "huajing", workbook([person(7, shipai), person(8, None)]))
    report = report_rows(client, world, "huajing", done["import_id"])
    assert [(r["结果"], r["错误代码"]) for r in report] == [("ERROR", "IMPORT-1"), ("OK", None)]


def test_import_2_good_rows_kept_bad_rows_reported(client: Any, world: World) -> None:
    # Given
    bad_checksum = make_id(seq=12)[:-1] + ("0" if make_id(seq=12)[-1] != "0" else "1")
    rows = [
        person(10, None),
        person(11, None, 民族="火星族"),
        person(12, None, 身份证号码=bad_checksum),
        person(13, None, 姓名=None),
        person(14, None, 发展团员编号=None),
        person(15, None, 是否团干部="也许"),
        person(16, None, 入团年月="2016.05", 发展团员编号=None, 身份证号码=make_id("19990301", 16)),
        person(
            17,
            None,
            入团年月="2015年3月",
            发展团员编号=None,
            身份证号码=make_id("19990301", 17),
            身份证明材料="入团志愿书",
            收入类别="学生",
        ),
        person(18, None, 学历="研" * 21),
        {},  # a blank row is no member
        person(19, None, 手机号码="12345"),
    ]
    # When
    done = run_import(client, world, "huajing", workbook(rows))
    # Then
    assert (done["state"], done["rows_total"], done["rows_good"], done["rows_bad"]) == (ImportState.DONE, 10, 2, 8)
    report = report_rows(client, world, "huajing", done["import_id"])
    got = [(r["行号"], r["结果"], r["错误代码"], r["字段代码"], r["错误字段"]) for r in report]
    assert got == [
        (2, "OK", None, None, None),
        (3, "ERROR", "ETHNICITY_UNKNOWN", "ethnicity", "民族"),
        (4, "ERROR", "ID_CHECKSUM", "id_number", "身份证号码"),
        (5, "ERROR", "REQUIRED", "name", "姓名"),
        (6, "ERROR", "REG-3", "development_number", "发展团员编号"),
        (7, "ERROR", "IS_CADRE_FORMAT", "is_cadre", "是否团干部"),
        (8, "ERROR", "REG-3", "identity_proof", "身份证明材料"),
        (9, "OK", None, None, None),
        (10, "ERROR", "INVALID_FIELD", "education", "学历"),
        (12, "ERROR", "PHONE_FORMAT", "phone", "手机号码"),
    ]
    assert all(r["错误说明"] for r in report if r["结果"] == "ERROR")
    assert report[1]["错误说明"] == "民族不在国家标准代码表中：火星族"
    # The report never carries an ID number in full, not even a malformed one: GB/T 35273's
    # de-identified form, the last two characters only, for every row.
    assert report[2]["身份证号码"] == "*" * 16 + bad_checksum[-2:]
    assert {r["身份证号码"][:16] for r in report} == {"*" * 16}
    kept = registrations_of(world, world.orgs["huajing"])
    assert sorted(r.registration_id for r in kept) == sorted(r["报到编号"] for r in report if r["结果"] == "OK")
    legacy = next(r for r in kept if r.join_month == "2015-03")
    assert (legacy.identity_proof, legacy.income_band) == ("APPLICATION_FORM", "STUDENT")


def test_import_2_names_are_checked_as_a_registrations_are(client: Any, world: World) -> None:
    # Given rows whose names a registration would refuse (a no-break space, an ideographic space,
    # an emoji, a Hangul filler, a Latin name with a resident ID) beside good ones (a name of two
    # parts, a Latin name with a Hong Kong permit)
    rows = [
        person(30, None, 姓名="李\u00a0明"),
        person(31, None, 姓名="李\u3000明"),
        person(32, None, 姓名="李明\U0001f600"),
        person(33, None, 姓名="李\u3164明"),
        person(34, None, 姓名="Chan Tai Man"),
        person(35, None, 姓名="阿卜杜·热合曼"),
        person(36, None, 姓名="Chan Tai Man", 身份证号码=make_id(seq=36, region="810000")),
    ]
    # When the file is imported
    done = run_import(client, world, "huajing", workbook(rows))
    # Then the same name rule decides each row, on the name column
    report = report_rows(client, world, "huajing", done["import_id"])
    got = [(r["行号"], r["结果"], r["错误代码"], r["字段代码"]) for r in report]
    assert got == [
        (2, "ERROR", "NAME_CHARACTER", "name"),
        (3, "ERROR", "NAME_CHARACTER", "name"),
        (4, "ERROR", "NAME_CHARACTER", "name"),
        (5, "ERROR", "NAME_CHARACTER", "name"),
        (6, "ERROR", "NAME_LATIN_NOT_ALLOWED", "name"),
        (7, "OK", None, None),
        (8, "OK", None, None),
    ]
    assert sorted(r.name for r in registrations_of(world, world.orgs["huajing"])) == ["Chan Tai Man", "阿卜杜·热合曼"]


def test_import_2_reupload_of_the_same_file_creates_nobody_twice(client: Any, world: World) -> None:
    # Given
    rows = [person(20, None), person(21, None), person(22, None), person(20, None, 姓名="李晓重")]
    data = workbook(rows)
    # When
    first = run_import(client, world, "huajing", data)
    # Then
    assert (first["rows_good"], first["rows_bad"]) == (3, 1)
    report = report_rows(client, world, "huajing", first["import_id"])
    assert (report[3]["错误代码"], report[3]["字段代码"]) == ("REG-4", "id_number")  # the same person twice in one file
    second = run_import(client, world, "huajing", data)
    assert (second["state"], second["rows_good"], second["rows_bad"]) == (ImportState.DONE, 0, 4)
    again = report_rows(client, world, "huajing", second["import_id"])
    assert {(r["结果"], r["错误代码"]) for r in again} == {("ERROR", "REG-4")}
    assert len(registrations_of(world, world.orgs["huajing"])) == 3
    # Nothing was written for the duplicates: not even refused registrations (the world's members'
    # own four, approved as it was built, are the others).
    assert len([r for r in Registration.scan() if isinstance(r, Registration)]) == 3 + 4
    owner = Claim.get(keys.id_claim_pk(pii.blind_index(make_id(seq=20))), keys.META).owner_id
    assert owner == imports.registration_id_for(first["import_id"], 2)


def test_import_2_rows_paced_by_the_real_name_rate_wait_their_turn_within_the_chunk(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the provider's rate at 2 checks a second (REG-5 pacing), the budget's clock held
    # a quarter into a second and moved on only by the chunk's waits
    monkeypatch.setenv(settings.IDENTITY_RATE_ENV, "2")
    held = {"at": datetime(2026, 9, 1, 8, 0, 0, 250_000, tzinfo=UTC)}
    monkeypatch.setattr(limits, "now", lambda: held["at"])
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        held["at"] += timedelta(seconds=seconds)

    monkeypatch.setattr(import_rows_module.time, "sleep", sleep)
    asked: list[datetime] = []

    class Passing:
        def verify(self, name: str, id_number: str, phone: str | None, attempt: int) -> bool:
            asked.append(held["at"])
            return True

    registry.register("passing", Passing)
    monkeypatch.setenv(IDENTITY_PROVIDER_ENV, "passing")
    # When a file of three rows is imported
    try:
        rows = [person(44, None), person(45, None), person(46, None)]
        done = run_import(client, world, "huajing", workbook(rows))
    finally:
        registry.unregister("passing")
    # Then two rows were checked in that second; the third waited once, within the chunk, for
    # the next second; and all three landed
    assert (done["state"], done["rows_good"], done["rows_bad"]) == (ImportState.DONE, 3, 0)
    assert slept == [0.75]
    assert [at.second for at in asked] == [0, 0, 1]


def test_import_2_a_chunk_whose_rows_get_no_turn_in_time_comes_back_and_asks_nobody_twice(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the provider's rate at 2 checks a second, its clock held in one second, and a chunk
    # that may not wait for the next one
    monkeypatch.setenv(settings.IDENTITY_RATE_ENV, "2")
    held = {"at": datetime(2026, 9, 1, 8, 0, 0, 250_000, tzinfo=UTC)}
    monkeypatch.setattr(limits, "now", lambda: held["at"])
    monkeypatch.setattr(import_rows_module, "PACED_WAIT_SECONDS", 0)
    asked: list[str] = []

    class Passing:
        def verify(self, name: str, id_number: str, phone: str | None, attempt: int) -> bool:
            asked.append(id_number)
            return True

    registry.register("passing", Passing)
    monkeypatch.setenv(IDENTITY_PROVIDER_ENV, "passing")
    try:
        # When a file of three rows is imported
        job = upload(client, world, "huajing", workbook([person(47, None), person(48, None), person(49, None)]))
        drain(client, expect_failure=True)
        # Then the chunk failed after writing the two rows that had their turns (kept with their
        # verdicts); the third was not asked
        written = [
            Registration.count(keys.registration_pk(imports.registration_id_for(job["import_id"], row)))
            for row in (2, 3, 4)
        ]
        assert written == [1, 1, 0] and len(asked) == 2
        # And when it comes back in the next second
        held["at"] += timedelta(seconds=1)
        drain(client)
    finally:
        registry.unregister("passing")
    # Then the import is done, every row once, and the provider was asked once per person
    done = progress(client, world, "huajing", job["import_id"])
    assert (done["state"], done["rows_good"], done["rows_bad"]) == (ImportState.DONE, 3, 0)
    assert sorted(asked) == sorted({make_id(seq=n) for n in (47, 48, 49)})


def test_import_2_a_claim_taken_after_the_check_refuses_that_row_alone(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given person 40 imported already, and a second file whose chunk does not see that claim
    # when it checks (as when another import takes it between the check and the write)
    first = run_import(client, world, "huajing", workbook([person(40, None)]))
    assert first["rows_good"] == 1
    monkeypatch.setattr(import_rows_module, "_owners", lambda messages: {})
    # When its rows are written together, person 40 among them
    rows = [person(41, None), person(40, None, 姓名="李晓重"), person(42, None)]
    done = run_import(client, world, "huajing", workbook(rows))
    # Then the shared transaction is refused, and each row is written alone: the other two
    # land, person 40 is refused by REG-4, and the first import's claim stands
    assert (done["state"], done["rows_good"], done["rows_bad"]) == (ImportState.DONE, 2, 1)
    report = report_rows(client, world, "huajing", done["import_id"])
    assert [(r["结果"], r["错误代码"]) for r in report] == [("OK", None), ("ERROR", "REG-4"), ("OK", None)]
    owner = Claim.get(keys.id_claim_pk(pii.blind_index(make_id(seq=40))), keys.META).owner_id
    assert owner == imports.registration_id_for(first["import_id"], 2)


def test_import_2_progress_is_visible_while_it_runs(client: Any, world: World) -> None:
    # Given
    job = upload(client, world, "huajing", workbook([person(30 + i, None) for i in range(5)]))
    # When
    assert drain(client, limit=1) == 1  # one chunk of 2 rows
    # Then
    running = progress(client, world, "huajing", job["import_id"])
    assert (running["state"], running["rows_total"], running["rows_done"], running["rows_good"]) == (
        ImportState.RUNNING,
        5,
        2,
        2,
    )
    status, answer = call(client, "GET", f"/imports/{job['import_id']}/report", world.headers("huajing"))
    assert (status, answer["code"]) == (409, "IMPORT_REPORT_NOT_READY")
    assert messages_waiting() == 1  # the worker queued the next chunk itself
    assert drain(client) == 2
    done = progress(client, world, "huajing", job["import_id"])
    assert (done["state"], done["rows_done"], done["rows_good"]) == (ImportState.DONE, 5, 5)
    status, listed = call(client, "GET", f"/orgs/{world.orgs['huajing']}/imports", world.headers("huajing"))
    assert [i["import_id"] for i in listed["items"]] == [job["import_id"]]


def test_import_2_a_crashed_chunk_rerun_writes_no_duplicate(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    job = upload(client, world, "huajing", workbook([person(40 + i, None) for i in range(3)]))
    real_record = import_worker._record

    def crash(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("the worker died after writing the rows, before counting the chunk")

    monkeypatch.setattr(import_worker, "_record", crash)
    # When
    drain(client, limit=1, expect_failure=True)
    # Then
    assert len(registrations_of(world, world.orgs["huajing"])) == 2  # the chunk's rows were written
    stuck = progress(client, world, "huajing", job["import_id"])
    assert (stuck["state"], stuck["rows_done"]) == (ImportState.RUNNING, 0)
    monkeypatch.setattr(import_worker, "_record", real_record)
    drain(client)
    done = progress(client, world, "huajing", job["import_id"])
    assert (done["state"], done["rows_good"], done["rows_bad"]) == (ImportState.DONE, 3, 0)
    assert len(registrations_of(world, world.orgs["huajing"])) == 3
    assert {r["结果"] for r in report_rows(client, world, "huajing", job["import_id"])} == {"OK"}
    # A stale redelivery of a counted chunk changes nothing.
    imports.continue_import(job["import_id"], sheet.FIRST_DATA_ROW)
    assert len(registrations_of(world, world.orgs["huajing"])) == 3


def test_import_2_a_chunk_failing_on_its_last_attempt_fails_the_import(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    job = upload(client, world, "huajing", workbook([person(50, None)]))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("KMS unavailable")

    monkeypatch.setattr(registration_worker, "stage", broken)
    # When / Then
    with pytest.raises(RuntimeError):
        imports.continue_import(job["import_id"], sheet.FIRST_DATA_ROW, last_attempt=True)
    failed = progress(client, world, "huajing", job["import_id"])
    assert (failed["state"], failed["error_code"]) == (ImportState.FAILED, "IMPORT_INTERRUPTED")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a workbook", "IMPORT_FILE_FORMAT"),
        (workbook([person(60, None)], headers=["姓名", "民族"]), "IMPORT_HEADER"),
        (workbook([]), "IMPORT_EMPTY"),
    ],
)
def test_import_2_an_unreadable_file_fails_with_the_reason(client: Any, world: World, data: bytes, code: str) -> None:
    done = run_import(client, world, "huajing", data)
    assert (done["state"], done["error_code"]) == (ImportState.FAILED, code)
    assert done["error_message"]
    assert registrations_of(world, world.orgs["huajing"]) == []


def test_import_2_a_file_replaced_after_start_is_refused(client: Any, world: World) -> None:
    job = upload(client, world, "huajing", workbook([person(70, None)]))
    boto3.client("s3").put_object(
        Bucket=storage.bucket("uploads"), Key=f"imports/{job['org_id']}/{job['import_id']}.xlsx", Body=b"x"
    )
    drain(client)
    failed = progress(client, world, "huajing", job["import_id"])
    assert (failed["state"], failed["error_code"]) == (ImportState.FAILED, "IMPORT_FILE_CHANGED")


def test_import_1_start_needs_the_file_and_only_once(client: Any, world: World) -> None:
    # Given
    status, created = call(
        client, "POST", f"/orgs/{world.orgs['huajing']}/imports", world.headers("huajing"), {"file_name": "a.xlsx"}
    )
    import_id = created["job"]["import_id"]
    # When
    status, answer = call(client, "POST", f"/imports/{import_id}/start", world.headers("huajing"))
    # Then
    assert (status, answer["code"], answer["field"]) == (400, "IMPORT_FILE_MISSING", "file")
    done = run_import(client, world, "huajing", workbook([person(80, None)]))
    status, answer = call(client, "POST", f"/imports/{done['import_id']}/start", world.headers("huajing"))
    assert (status, answer["code"]) == (409, "IMPORT_ALREADY_STARTED")


def test_import_1_only_the_importer_and_those_above_it_see_an_import(client: Any, world: World) -> None:
    # Given
    job = upload(client, world, "huajing", workbook([person(90, None)]))
    # When
    drain(client)
    # Then
    for caller, expected in (("huajing", 200), ("tianhe", 200), ("root", 200), ("yuexiu", 403), ("lianhua", 403)):
        for path in (f"/imports/{job['import_id']}", f"/imports/{job['import_id']}/report"):
            status, answer = call(client, "GET", path, world.headers(caller))
            assert status == expected, (caller, path, answer)
    status, answer = call(client, "POST", f"/imports/{job['import_id']}/start", world.headers("lianhua"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    status, answer = call(client, "GET", "/imports/inone", world.headers("root"))
    assert (status, answer["code"]) == (404, "IMPORT_NOT_FOUND")
    status, answer = call(client, "POST", f"/orgs/{world.orgs['system']}/imports", world.headers("root"), {})
    assert (status, answer["code"]) == (422, "ORG-7")


def test_import_2_cells_as_excel_stores_them(client: Any, world: World) -> None:
    # Given
    rows = [
        # Excel turns 2021-05 typed into a general cell into a date, and 是 into TRUE.
        person(100, None, 入团年月=datetime(2021, 5, 1), 是否团干部=True, 发展团员编号=202144000100),
        # An ID number typed into a number cell has lost its last digits: refused, not guessed.
        person(101, None, 身份证号码=float(make_id(seq=101)[:17] + "0")),
        person(102, None, 收入类别="月收入2000元以下", 手机号码=13800138000),
    ]
    # When
    done = run_import(client, world, "huajing", workbook(rows))
    # Then
    report = report_rows(client, world, "huajing", done["import_id"])
    assert [(r["结果"], r["错误代码"]) for r in report] == [
        ("OK", None),
        ("ERROR", "ID_NUMBER_AS_NUMBER"),
        ("OK", None),
    ]
    kept = {r.registration_id: r for r in registrations_of(world, world.orgs["huajing"])}
    first, third = kept[report[0]["报到编号"]], kept[report[2]["报到编号"]]
    assert (first.join_month, first.is_cadre, first.development_number) == ("2021-05", True, "202144000100")
    assert (third.income_band, third.phone) == ("BELOW_2000", "+8613800138000")


def upload_versions(job: dict[str, Any]) -> list[str]:
    """Every version and delete marker of an import's upload (the bucket is versioned)."""
    key = f"{storage.IMPORT_UPLOADS_PREFIX}{job['org_id']}/{job['import_id']}.xlsx"
    answer = boto3.client("s3").list_object_versions(Bucket=storage.bucket("uploads"), Prefix=key)
    return [v["VersionId"] for v in answer.get("Versions", []) + answer.get("DeleteMarkers", []) if v["Key"] == key]


def test_import_2_the_upload_is_deleted_every_version_once_its_rows_are_written(client: Any, world: World) -> None:
    """Given a spreadsheet of plain ID numbers uploaded (twice: the bucket keeps both versions),
    when the import is DONE, then no version of it is left, the masked report remains, and a
    message delivered again after a crash removes a copy that came back."""
    # Given
    status, created = call(
        client, "POST", f"/orgs/{world.orgs['huajing']}/imports", world.headers("huajing"), {"file_name": "a.xlsx"}
    )
    assert status == 201, created
    headers = {"Content-Type": created["content_type"]}
    for data in (workbook([person(90, None)]), workbook([person(90, None), person(91, None)])):
        assert requests.put(created["upload_url"], data=data, headers=headers, timeout=10).status_code == 200
    job = created["job"]
    # When
    assert len(upload_versions(job)) == 2
    assert call(client, "POST", f"/imports/{job['import_id']}/start", world.headers("huajing"))[0] == 202
    # Then
    drain(client)
    done = progress(client, world, "huajing", job["import_id"])
    assert (done["state"], done["rows_good"]) == (ImportState.DONE, 2)
    assert upload_versions(job) == []
    report = report_rows(client, world, "huajing", job["import_id"])
    assert [r["身份证号码"] for r in report] == ["*" * 16 + make_id(seq=n)[-2:] for n in (90, 91)]
    # A redelivered last message (the worker died after DONE, before the deletion) deletes it.
    key = f"{storage.IMPORT_UPLOADS_PREFIX}{job['org_id']}/{job['import_id']}.xlsx"
    storage.put_bytes("uploads", key, workbook([person(90, None)]), sheet.XLSX_CONTENT_TYPE)
    imports.continue_import(job["import_id"], sheet.FIRST_DATA_ROW)
    assert upload_versions(job) == []


def test_import_2_a_failed_import_deletes_its_upload_too(client: Any, world: World) -> None:
    """Given a file whose header row is wrong (its rows still hold ID numbers), when the import
    fails, then its upload is gone as well."""
    job = upload(client, world, "huajing", workbook([person(92, None)], headers=["姓名", "身份证号码"]))
    drain(client)
    assert progress(client, world, "huajing", job["import_id"])["state"] == ImportState.FAILED
    assert upload_versions(job) == []
