"""Organisation life (三会两制一课, LIFE-1): a branch records its meetings with attendees, minutes
and photos; the counts per quarter reach the statistics of every level; a branch with none in
the last finished quarter is the sweep's finding, rolled up the tree, until it records one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support import World, call, drain_stream
from tests.support.life import meeting_body, photo, record_meeting, sweep_in_process
from zhtj.core import clock
from zhtj.life import rules as life_rules
from zhtj.orgs.models import Org
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord


def test_life_1_a_branch_records_a_meeting_with_attendees_minutes_and_photos(client: Any, world: World) -> None:
    # Given two photos uploaded by presigned URL
    today = clock.today_in_china()
    photos = [photo(client, world, "huajing"), photo(client, world, "huajing", content_type="image/png")]
    # When the branch records a branch assembly held today
    body = meeting_body(world, "huajing", today, photo_keys=photos)
    status, meeting = call(
        client, "POST", f"/orgs/{world.orgs['huajing']}/life-meetings", world.headers("huajing"), body
    )
    # Then it is recorded, with who was there and who was absent, and audited
    assert status == 201, meeting
    assert meeting["kind_name"] == "支部大会" and meeting["quarter"] == life_rules.quarter_of(today)
    assert meeting["present"] == world.members["huajing"][:2]
    assert meeting["absent"] == [{"member_id": world.members["huajing"][2], "reason": "出差"}]
    assert meeting["photo_keys"] == photos
    audit = [r for r in AuditRecord.query(keys.audit_pk("ORG", world.orgs["huajing"])) if r.action == "life.record"]
    assert len(audit) == 1 and audit[0].after["meeting_id"] == meeting["meeting_id"]
    # The branch and the organisations above it read it; its list is by date
    for reader in ("huajing", "tianhe", "root"):
        status, page = call(client, "GET", f"/orgs/{world.orgs['huajing']}/life-meetings", world.headers(reader))
        assert status == 200 and [m["meeting_id"] for m in page["items"]] == [meeting["meeting_id"]]
    status, one = call(client, "GET", f"/life-meetings/{meeting['meeting_id']}", world.headers("gz"))
    names, links = one.pop("names"), one.pop("photos")
    assert status == 200 and one == meeting
    # Its page names who was there and who was not, and links each photo (a presigned GET)
    assert set(names) == set(world.members["huajing"][:3])
    assert sorted(names.values()) == sorted(["林晓华", "黄志强", "陈美玲"])
    assert [link["key"] for link in links] == photos
    assert all(photo_key in link["url"] for photo_key, link in zip(photos, links, strict=True))
    status, answer = call(client, "GET", f"/life-meetings/{meeting['meeting_id']}", world.headers("lianhua"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")


def test_life_1_attendees_photos_dates_and_the_recording_organisation_are_checked(client: Any, world: World) -> None:
    path, headers = f"/orgs/{world.orgs['huajing']}/life-meetings", world.headers("huajing")
    today = clock.today_in_china()
    # A member of another branch is no attendee
    stranger = meeting_body(world, "huajing", today)
    stranger["attendees"].append({"member_id": world.members["lianhua"][0], "present": True})
    status, answer = call(client, "POST", path, headers, stranger)
    assert (status, answer["code"]) == (400, "ATTENDEE_NOT_IN_BRANCH")
    # A photo over 5 MB, one never uploaded, one of another branch
    big = photo(client, world, "huajing", size=life_rules.MAX_PHOTO_BYTES + 1)
    elsewhere = photo(client, world, "lianhua")
    for keys_, code in (
        ([big], "PHOTO_TOO_LARGE"),
        (["life/x/none.jpg"], "PHOTO_MISSING"),
        ([elsewhere], "PHOTO_MISSING"),
    ):
        status, answer = call(client, "POST", path, headers, meeting_body(world, "huajing", today, photo_keys=keys_))
        assert (status, answer["code"]) == (400, code)
    # Only JPEG or PNG may be uploaded
    status, answer = call(
        client, "POST", f"/orgs/{world.orgs['huajing']}/life-photos", headers, {"content_type": "image/gif"}
    )
    assert (status, answer["code"]) == (400, "PHOTO_TYPE")
    # Not in the future; and a county committee records no branch life
    tomorrow = meeting_body(world, "huajing", today + timedelta(days=1))
    status, answer = call(client, "POST", path, headers, tomorrow)
    assert (status, answer["code"]) == (400, "LIFE_DATE_FUTURE")
    status, answer = call(
        client,
        "POST",
        f"/orgs/{world.orgs['tianhe']}/life-meetings",
        world.headers("tianhe"),
        meeting_body(world, "huajing", today),
    )
    assert (status, answer["code"]) == (422, "LIFE-1")


def test_life_1_meetings_per_quarter_reach_the_statistics_of_every_level(client: Any, world: World) -> None:
    # Given a lecture this quarter and a branch assembly in the last finished quarter
    today = clock.today_in_china()
    last, _, last_day = life_rules.last_finished_quarter(today)
    this = life_rules.quarter_of(today)
    record_meeting(client, world, "huajing", today, "LECTURE")
    record_meeting(client, world, "huajing", last_day)
    record_meeting(client, world, "lianhua", today)
    # (the branch's list is newest first)
    status, page = call(client, "GET", f"/orgs/{world.orgs['huajing']}/life-meetings", world.headers("huajing"))
    assert status == 200 and [m["held_on"] for m in page["items"]] == [today.isoformat(), last_day.isoformat()]
    drain_stream(client)
    # When each level reads its figures, Then the branch's meetings are counted by quarter and kind
    expected = {
        "huajing": {this: 1, f"{this}_LECTURE": 1, last: 1, f"{last}_BRANCH_ASSEMBLY": 1},
        "tianhe": {this: 1, f"{this}_LECTURE": 1, last: 1, f"{last}_BRANCH_ASSEMBLY": 1},
        "lianhua": {this: 1, f"{this}_BRANCH_ASSEMBLY": 1},
        "root": {this: 2, f"{this}_LECTURE": 1, f"{this}_BRANCH_ASSEMBLY": 1, last: 1, f"{last}_BRANCH_ASSEMBLY": 1},
    }
    for org, figures in expected.items():
        status, body = call(client, "GET", f"/orgs/{world.orgs[org]}/stats", world.headers(org))
        assert status == 200 and body["organisation_life"] == figures, (org, body["organisation_life"])


def test_life_1_a_committee_reads_its_childrens_organisation_life_a_page_in_one_batch(
    client: Any, world: World, aws_calls: list[str]
) -> None:
    # Given a lecture at 华景 and a branch assembly at 莲花 this quarter, the stream delivered
    today = clock.today_in_china()
    this = life_rules.quarter_of(today)
    record_meeting(client, world, "huajing", today, "LECTURE")
    record_meeting(client, world, "lianhua", today)
    drain_stream(client)
    headers = world.headers("root")  # signed in before the count
    aws_calls.clear()
    # When the province reads its direct children's organisation life
    status, page = call(client, "GET", f"/orgs/{world.orgs['root']}/life-stats/children", headers)
    made = list(aws_calls)
    # Then every child is listed with its subtree's counts, as each child's own figures say
    assert status == 200, page
    lives = {child["org_id"]: child["organisation_life"] for child in page["items"]}
    assert len(lives) > 1 and sum(life.get(this, 0) for life in lives.values()) == 2
    for org_id, life in lives.items():
        _, figures = call(client, "GET", f"/orgs/{org_id}/stats", headers)
        assert figures["organisation_life"] == life
    # And, after the session and the province's authorisation, the page cost one Query of the
    # children and one BatchGetItem of their counters: not one read per child
    assert made[made.index("Query") :] == ["Query", "BatchGetItem"], made


def findings(client: Any, world: World, org: str) -> set[tuple[str, str]]:
    names = {v: k for k, v in world.orgs.items()}
    status, page = call(client, "GET", f"/orgs/{world.orgs[org]}/findings?limit=100", world.headers(org))
    assert status == 200 and page["next_cursor"] is None
    return {(names.get(f["org_id"], f["org_id"]), f["code"]) for f in page["items"]}


def test_life_1_the_quarter_finding_appears_rolls_up_and_clears(client: Any, world: World) -> None:
    # Given 华景 and 莲花 in place since before the last finished quarter, only 莲花 holding a meeting in it
    today = clock.today_in_china()
    _, first_day, last_day = life_rules.last_finished_quarter(today)
    before = datetime(first_day.year - 1, 12, 1, tzinfo=UTC)
    for branch in ("huajing", "lianhua"):
        Org(keys.org_pk(world.orgs[branch]), keys.META).update(
            actions=[Org.created_at.set(before)], add_version_condition=False
        )
    record_meeting(client, world, "lianhua", first_day + timedelta(days=20), "GROUP_MEETING")
    # When the daily sweep runs
    sweep_in_process()
    # Then 华景 alone is found, and the finding rolls up to 天河 and 广州; the branches made this
    # quarter (the world's others) are not judged on a quarter they were not in place for
    assert {f for f in findings(client, world, "root") if f[1] == "NO_ORG_LIFE"} == {("huajing", "NO_ORG_LIFE")}
    status, summary = call(client, "GET", f"/orgs/{world.orgs['gz']}/findings/summary", world.headers("gz"))
    assert status == 200 and summary["counts"]["NO_ORG_LIFE"] == 1
    assert {c["name"]: c["counts"].get("NO_ORG_LIFE") for c in summary["children"]}["广州市天河区团委"] == 1
    # When 华景 records the lecture it held in that quarter, and the next sweep runs
    record_meeting(client, world, "huajing", last_day, "LECTURE")
    sweep_in_process()
    # Then the finding is gone at every level
    assert not {f for f in findings(client, world, "root") if f[1] == "NO_ORG_LIFE"}
    status, summary = call(client, "GET", f"/orgs/{world.orgs['gz']}/findings/summary", world.headers("gz"))
    assert "NO_ORG_LIFE" not in summary["counts"]
