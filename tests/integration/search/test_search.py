"""STAT-3: any member or organisation found within the caller's subtree, by name fragment,
organisation name or ID number, through POST /search (route -> logic -> the indexes)."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import boto3
import pytest

from tests.support import World, call, drain, enrol, pay_dues
from tests.support.registration import submit
from zhtj.changes import exits
from zhtj.changes.rules import ExitKind
from zhtj.core.identity import check_character
from zhtj.members import service as member_changes
from zhtj.members.models import Member
from zhtj.names.models import MemberNameToken, RetokenMark
from zhtj.names.rules import name_grams
from zhtj.orgs import service as orgs
from zhtj.table import keys
from zhtj.table.bounded import query_bounded


def add(world: World, branch: str, name: str) -> str:
    """A member made by an approved registration (tests.support.enrol), indexed as it is made."""
    return enrol(world, branch, name)


def search(client: Any, world: World, who: str, q: str, **extra: Any) -> tuple[int, Any]:
    return call(client, "POST", "/search", world.headers(who), {"q": q, **extra})


def found(client: Any, world: World, who: str, q: str, **extra: Any) -> list[str]:
    status, answer = search(client, world, who, q, **extra)
    assert status == 200, answer
    return [hit["name"] for hit in answer["items"]]


def tokens_of(member_id: str) -> list[MemberNameToken]:
    member = Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)
    found_tokens = []
    for gram in name_grams(member.name):
        found_tokens += [
            t
            for t in MemberNameToken.query(keys.member_name_pk(gram), consistent_read=True)
            if isinstance(t, MemberNameToken) and t.member_id == member_id
        ]
    return found_tokens


# --- Each kind of query ---------------------------------------------------------------------------


def test_stat_3_members_are_found_by_a_name_fragment_of_one_to_four_characters(client: Any, world: World) -> None:
    # Given
    for name in ("张伟", "张伟明", "李张伟", "欧阳娜娜", "王小红"):
        add(world, "huajing", name)
    # When
    hits = found(client, world, "tianhe", "张伟")
    # Then
    assert hits[0] == "张伟" and sorted(hits[1:]) == ["张伟明", "李张伟"]
    assert sorted(found(client, world, "tianhe", "张")) == ["张伟", "张伟明", "李张伟"]
    assert found(client, world, "tianhe", "伟明") == ["张伟明"]
    assert found(client, world, "tianhe", "小红") == ["王小红"]
    assert found(client, world, "tianhe", "欧阳娜娜") == ["欧阳娜娜"]
    assert found(client, world, "tianhe", "阳娜娜") == ["欧阳娜娜"]
    assert found(client, world, "tianhe", "娜") == ["欧阳娜娜"]
    assert found(client, world, "tianhe", "赵") == []
    _, answer = search(client, world, "tianhe", "张伟")
    first = answer["items"][0]
    assert first["exact"] is True and first["kind"] == "member"
    assert (first["branch_id"], first["branch_name"]) == (world.orgs["huajing"], "广州市天河区华景社区团支部")
    assert all(not hit["exact"] for hit in answer["items"][1:])


def test_stat_3_exact_names_come_first_across_pages(client: Any, world: World) -> None:
    # Given
    for i in range(7):
        add(world, "huajing", f"陈思{'远航明'[i % 3]}" if i % 2 else "陈思")
    # When
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        body: dict[str, Any] = {"q": "陈思", "limit": 2, **({"cursor": cursor} if cursor else {})}
        status, answer = call(client, "POST", "/search", world.headers("gz"), body)
        assert status == 200 and len(answer["items"]) <= 2
        seen += answer["items"]
        cursor = answer["next_cursor"]
        if cursor is None:
            # Then
            break
    assert [hit["exact"] for hit in seen] == [True] * 4 + [False] * 3
    assert len({hit["id"] for hit in seen}) == 7
    # Cursors this search did not hand out: garbage, the old raw-key format, another query's
    forged = ["not-ours", _raw({"p": 1, "k": {"pk": 1}}), _raw({"p": 7}), answer_cursor(client, world, "陈")]
    for cursor in forged:
        status, answer = call(client, "POST", "/search", world.headers("gz"), {"q": "陈思", "cursor": cursor})
        assert (status, answer["code"]) == (400, "BAD_CURSOR")


def _raw(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def answer_cursor(client: Any, world: World, q: str) -> str:
    status, answer = call(client, "POST", "/search", world.headers("gz"), {"q": q, "limit": 1})
    assert status == 200 and answer["next_cursor"]
    return str(answer["next_cursor"])


def test_stat_3_branches_are_found_by_name_fragment_exact_name_first(client: Any, world: World) -> None:
    # Given / When
    status, answer = search(client, world, "gz", "华景", kind="branch")
    # Then
    assert status == 200
    assert [(h["id"], h["org_type"]) for h in answer["items"]] == [(world.orgs["huajing"], "BRANCH")]
    status, answer = search(client, world, "root", "团市委", kind="branch")
    assert {h["name"] for h in answer["items"]} == {"广州团市委", "深圳团市委"}
    status, answer = search(client, world, "root", "广州团市委", kind="branch")
    assert answer["items"][0] == {**answer["items"][0], "name": "广州团市委", "exact": True}
    status, answer = search(client, world, "sz", "华景", kind="branch")
    assert answer["items"] == []  # 华景 is in 广州, outside 深圳's subtree
    status, answer = search(client, world, "gz", "华", kind="branch")
    assert (status, answer["code"], answer["field"]) == (400, "SEARCH_TOO_SHORT", "q")


# --- ID numbers: through the blind index, never in plain text -------------------------------------

ID_BODY = "44010620050301123"
ID18 = ID_BODY + check_character(ID_BODY)
FULL_WIDTH = ID18.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))


def registered_member(client: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> str:
    """A member with an ID number, through registration, its worker and the branch's approval."""
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")
    form = {
        "name": "李晓明",
        "id_number": ID18,
        "ethnicity": "汉族",
        "political_status": "03",
        "join_month": "2021-05",
        "branch_id": world.orgs["huajing"],
        "is_cadre": False,
        "development_number": "202144010001",
    }
    status, answer = submit(client, form)
    assert status == 202, answer
    drain(client)
    status, approved = call(
        client, "POST", f"/registrations/{answer['registration_id']}/approve", world.headers("huajing"), None
    )
    assert status == 200, approved
    return str(approved["member_id"])


def test_stat_3_an_id_number_finds_its_member_exactly_masked_within_the_scope(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    member_id = registered_member(client, world, monkeypatch)
    masked = "*" * 16 + ID18[-2:]  # GB/T 35273: the last two characters only
    # When
    for typed in (ID18, FULL_WIDTH, f"{ID18[:6]} {ID18[6:14]} {ID18[14:]}"):
        response = client.http.post(
            "/search", headers=world.headers("gz"), body=json.dumps({"q": typed}, ensure_ascii=False)
        )
        # Then
        assert response.status_code == 200
        assert ID18 not in response.body.decode() and FULL_WIDTH not in response.body.decode()
        hits = json.loads(response.body)["items"]
        assert [(h["id"], h["name"], h["id_masked"], h["branch_name"], h["exact"]) for h in hits] == [
            (member_id, "李晓明", masked, "广州市天河区华景社区团支部", True)
        ]
    # The name search shows the same masked number.
    status, answer = search(client, world, "huajing", "晓明")
    assert [(h["id"], h["id_masked"]) for h in answer["items"]] == [(member_id, masked)]
    # Outside the subtree (a sibling county, another city) the number finds nobody.
    for outsider in ("yuexiu", "sz"):
        status, answer = search(client, world, outsider, ID18)
        assert (status, answer["items"]) == (200, [])
    # A number nobody registered, and a mistyped one.
    other = "44010620050302123"
    status, answer = search(client, world, "root", other + check_character(other))
    assert (status, answer["items"]) == (200, [])
    wrong = ID18[:-1] + ("0" if ID18[-1] != "0" else "1")
    status, answer = search(client, world, "root", wrong)
    assert (status, answer["code"], answer["field"]) == (400, "ID_CHECKSUM", "q")
    assert wrong not in answer["message"]


def test_stat_3_every_id_number_search_is_audited_masked(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a member with an ID number, when the city looks up that number and one nobody
    holds, then the city's audit trail names the reader, the masked number and the member found,
    and never the number itself."""
    # Given
    member_id = registered_member(client, world, monkeypatch)
    other = "44010620050302123"
    nobody = other + check_character(other)
    # When
    for q in (ID18, nobody):
        status, _ = search(client, world, "gz", q)
        assert status == 200
    # Then
    status, trail = call(client, "GET", f"/orgs/{world.orgs['gz']}/audit", world.headers("gz"), None)
    assert status == 200, trail
    looked_up = [r for r in trail["items"] if r["action"] == "search.id_number"]
    reader = world.admins["gz"]
    assert sorted((r["actor_account_id"], r["subject_id"], r["after"]["member_id"] or "") for r in looked_up) == [
        (reader, reader, ""),
        (reader, reader, member_id),
    ]
    assert {r["after"]["id_masked"] for r in looked_up} == {"*" * 16 + ID18[-2:], "*" * 16 + nobody[-2:]}
    assert ID18[:6] not in json.dumps(trail) and ID18[6:14] not in json.dumps(trail)


def test_stat_3_id_number_searches_are_limited_per_reader_and_day(client: Any, world: World) -> None:
    """Given a reader who made the day's ID-number searches, when they make one more, then it is
    refused with 429 and a Chinese message, and not answered; a name search still works, another
    reader still has their own, and the count lives in one item that expires (TTL)."""
    # Given
    from zhtj.search.models import IdSearchQuota
    from zhtj.search.service import ID_SEARCHES_PER_DAY

    numbers = [f"44010620050302{n:03d}" for n in range(ID_SEARCHES_PER_DAY + 1)]
    numbers = [n + check_character(n) for n in numbers]
    for number in numbers[:-1]:
        status, answer = search(client, world, "gz", number)
        assert (status, answer["items"]) == (200, [])
    # When
    status, refused = search(client, world, "gz", numbers[-1])
    # Then
    assert (status, refused["code"], refused["field"]) == (429, "ID_SEARCH_LIMIT", "q")
    assert "上限" in refused["message"] and "items" not in refused
    assert search(client, world, "gz", "华景")[0] == 200
    assert search(client, world, "tianhe", numbers[-1])[0] == 200
    quotas = [q for q in IdSearchQuota.scan() if isinstance(q, IdSearchQuota)]
    assert sorted(int(q.used) for q in quotas) == [1, ID_SEARCHES_PER_DAY]
    assert all(q.expires_at is not None for q in quotas)
    status, trail = call(client, "GET", f"/orgs/{world.orgs['gz']}/audit?limit=100", world.headers("gz"))
    assert len([r for r in trail["items"] if r["action"] == "search.id_number"]) == ID_SEARCHES_PER_DAY


def test_stat_3_no_plain_id_number_anywhere_in_the_table_or_the_logs(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given
    registered_member(client, world, monkeypatch)
    # When
    for typed in (ID18, FULL_WIDTH, ID18[:-1] + ("0" if ID18[-1] != "0" else "1")):
        search(client, world, "gz", typed)
    # Then
    table = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in table.get_paginator("scan").paginate(TableName="zhtj"):
        items += page["Items"]
    dumped = json.dumps(items, ensure_ascii=False)
    assert any(item.get("kind", {}).get("S") == "MemberNameToken" for item in items)
    for form in (ID18, FULL_WIDTH, ID18[:6] + ID18[8:17]):  # 18, full-width, the 15-digit legacy form
        assert form not in dumped
    logged = capsys.readouterr()
    assert ID18 not in logged.out + logged.err and FULL_WIDTH not in logged.out + logged.err


# --- Scope and authorization ----------------------------------------------------------------------


def test_stat_3_a_siblings_member_is_not_found(client: Any, world: World) -> None:
    # Given
    add(world, "huajing", "周子涵")
    add(world, "lianhua", "周子涵")
    # When / Then
    assert found(client, world, "gz", "子涵") == ["周子涵"]  # 广州's own only
    assert found(client, world, "yuexiu", "子涵") == []  # 越秀, 天河's sibling
    assert [h for h in found(client, world, "root", "周子涵")] == ["周子涵", "周子涵"]
    status, answer = search(client, world, "yuexiu", "子涵", org_id=world.orgs["tianhe"])
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    status, answer = search(client, world, "gz", "子涵", org_id=world.orgs["huajing"])
    assert [h["branch_id"] for h in answer["items"]] == [world.orgs["huajing"]]
    member = world.members["huajing"][0]
    as_member = {"Authorization": f"Bearer {_member_token(world, member)}", "Content-Type": "application/json"}
    status, answer = call(client, "POST", "/search", as_member, {"q": "子涵"})
    assert (status, answer["code"]) == (403, "NOT_OPERATOR")


def _member_token(world: World, member_id: str) -> str:
    from tests.support.sessions import session_token

    return session_token(world.member_accounts[member_id])


# --- The index follows every change of a member's place --------------------------------------------


def test_stat_3_tokens_follow_a_transfer_and_leave_with_an_exit(client: Any, world: World) -> None:
    # Given
    moving = add(world, "huajing", "黄文静")
    pay_dues(moving)
    path = f"/members/{moving}/transfers"
    body = {"cause": "EMPLOYMENT", "to_branch_id": world.orgs["lianhua"]}
    # When
    status, t = call(client, "POST", path, world.headers("huajing"), body)
    # Then
    assert status == 201, t
    for who in ("huajing", "tianhe", "lianhua", "futian"):
        status, t = call(
            client, "POST", f"{path}/{t['transfer_id']}/approve", world.headers(who), {"step": t["step_index"]}
        )
        assert status == 200, t
    assert t["state"] == "COMPLETED"
    assert found(client, world, "gz", "文静") == []
    status, answer = search(client, world, "sz", "文静")
    assert [(h["id"], h["branch_id"]) for h in answer["items"]] == [(moving, world.orgs["lianhua"])]
    lianhua_path = orgs.get_org(world.orgs["lianhua"]).path
    assert {t.sk for t in tokens_of(moving)} == {keys.member_name_sk(lianhua_path, moving)}
    # A final exit takes the member off the list and out of the search.
    exits.apply(world.principal("lianhua"), moving, ExitKind.VOLUNTARY, date(2026, 1, 5), "支部大会决议")
    exits.approve(world.principal("futian"), moving)
    assert found(client, world, "sz", "文静") == [] and tokens_of(moving) == []


def test_stat_3_tokens_follow_a_merge(client: Any, world: World) -> None:
    # Given
    merged = world.members["lianhua"][0]
    # When
    status, answer = call(
        client,
        "POST",
        f"/orgs/{world.orgs['lianhua']}/merge",
        world.headers("root"),
        {"into_org_id": world.orgs["huajing"], "reason": "合并"},
    )
    # Then
    assert status == 200, answer
    huajing_path = orgs.get_org(world.orgs["huajing"]).path
    assert {t.sk for t in tokens_of(merged)} == {keys.member_name_sk(huajing_path, merged)}
    assert merged in [h["id"] for h in search(client, world, "tianhe", "周文杰")[1]["items"]]
    assert search(client, world, "sz", "周文杰")[1]["items"] == []


def test_stat_3_tokens_follow_a_subtree_move_including_members_added_while_it_runs(client: Any, world: World) -> None:
    # Given
    before = add(world, "huajing", "郑雨桐")
    job = orgs.move(world.principal("root"), world.orgs["tianhe"], world.orgs["sz"], "区划调整")
    # 华景's path is rewritten by the job; a member added before that carries the old path.
    # When
    during = add(world, "huajing", "郑雨萱")
    # Then
    assert orgs.continue_move(job.job_id) is True
    new_path = orgs.get_org(world.orgs["huajing"]).path
    assert new_path.startswith(orgs.get_org(world.orgs["sz"]).path)
    for member_id in (before, during, *world.members["huajing"]):
        assert {t.sk for t in tokens_of(member_id)} == {keys.member_name_sk(new_path, member_id)}
        assert Member.get(keys.member_pk(member_id), keys.META).search_path == new_path
    assert list(RetokenMark.query(keys.retoken_pk(job.job_id))) == []
    assert sorted(found(client, world, "sz", "郑雨")) == ["郑雨桐", "郑雨萱"]
    assert found(client, world, "gz", "郑雨") == []
    assert orgs.continue_move(job.job_id) is True  # redelivered: nothing changes
    # A branch moved by itself: the mark is written with the move, its members follow.
    job = orgs.move(world.principal("root"), world.orgs["huajing"], world.orgs["futian"], "调整")
    assert orgs.continue_move(job.job_id) is True
    assert sorted(found(client, world, "futian", "郑雨")) == ["郑雨桐", "郑雨萱"]
    assert found(client, world, "tianhe", "郑雨") == []


# --- A fragment query reads a bounded amount --------------------------------------------------------


def test_stat_3_a_filtered_query_stops_at_its_read_budget_and_resumes(world: World) -> None:
    # Given
    for i in range(12):
        add(world, "huajing", f"吴{'甲乙丙丁'[i % 4]}{'子丑寅卯'[i // 4]}")
    path = orgs.get_org(world.orgs["root"]).path
    seen: list[str] = []
    key = None
    calls = 0
    # When
    while True:
        items, key = query_bounded(
            MemberNameToken,
            keys.member_name_pk("吴"),
            MemberNameToken.sk.startswith(path),
            filter_condition=MemberNameToken.name.contains("丁"),
            want=10,
            start_key=key,
            budget=4,
            page_size=2,
        )
        calls += 1
        assert len(items) <= 3  # at most about the budget read, whatever the filter passes
        seen += [t.label for t in items]
        if key is None:
            break
    # Then
    assert sorted(seen) == sorted(["吴丁子", "吴丁丑", "吴丁寅"]) and calls >= 3


def test_stat_3_a_member_written_with_a_branch_path_a_move_replaced_is_refused(world: World) -> None:
    # Given
    from zhtj.core.errors import ConflictError
    from zhtj.names import index as search_index
    from zhtj.orgs.models import Org
    from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

    stale = orgs.get_org(world.orgs["huajing"])  # read before the move, as a slow approval would
    job = orgs.move(world.principal("root"), world.orgs["tianhe"], world.orgs["sz"], "区划调整")
    assert orgs.continue_move(job.job_id) is True
    late = member_changes.new_member("m-late", "孙一鸣", stale.org_id, None)
    uow = UnitOfWork(SYSTEM_ACTOR)
    search_index.index(uow, late, stale)
    uow.put(late, condition=Member.pk.does_not_exist())
    uow.update(stale, [Org.member_count.add(1)], condition=search_index.branch_guard(stale), versioned=False)
    # When / Then
    with pytest.raises(ConflictError):
        uow.commit()
    assert list(MemberNameToken.query(keys.member_name_pk("=孙一鸣"))) == []  # nothing at the old path
