"""The organisation tree through the HTTP API (route -> logic -> DynamoDB), rule by rule."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from tests.support import World, call, drain
from tests.support.accounts import invite, invited_cadre
from tests.support.cards import card_version
from tests.support.sessions import session_token
from zhtj.accounts.models import Account
from zhtj.audit import service as audit
from zhtj.orgs import service as orgs
from zhtj.orgs.messages import TREE_MAINTENANCE
from zhtj.orgs.models import BranchRelabel, NameToken, Org, TreeJob
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord

BRANCH = {
    "org_type": "BRANCH",
    "sector": "COMMUNITY",
    "short_name": "广州市天河区石牌社区团支部",
    "full_name": "中国共产主义青年团广州市天河区石牌社区支部委员会",
    "alias": "石牌社区团支部",
}


def create(client: Any, world: World, actor: str, parent: str, body: dict[str, Any]) -> tuple[int, Any]:
    return call(client, "POST", f"/orgs/{world.orgs[parent]}/children", world.headers(actor), body)


def test_org_6_parent_admin_creates_child_and_audit_1_records_it(client: Any, world: World) -> None:
    # Given / When
    status, body = create(client, world, "tianhe", "tianhe", BRANCH)
    # Then
    assert status == 201
    assert body["path"] == f"{orgs.get_org(world.orgs['tianhe']).path}{body['org_id']}/"
    assert orgs.get_org(world.orgs["tianhe"]).child_count == 2
    status, trail = call(client, "GET", f"/orgs/{body['org_id']}/audit", world.headers("tianhe"))
    assert status == 200
    record = trail["items"][0]
    assert (record["action"], record["actor_account_id"], record["actor_org_id"]) == (
        "org.create",
        world.admins["tianhe"],
        world.orgs["tianhe"],
    )
    assert record["before"] is None and record["after"]["short_name"] == BRANCH["short_name"]


def test_audit_1_each_entry_names_the_actor_and_the_organisation_acted_for(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a member of 华景 (registered by the system's worker, approved by 华景's administrator)
    # who then changed their own phone, and a cadre 华景 entered and invited (ACCT-5)
    member_id = world.members["huajing"][0]
    own = {"Authorization": f"Bearer {session_token(world.member_accounts[member_id])}"}
    status, answer = call(client, "PATCH", f"/members/{member_id}", own, {"phone": "13912345678"})
    assert status == 200, answer
    status, answer = invite(client, world, "huajing", "王建国", "13912340000")
    assert status == 201, answer
    batches: list[int] = []
    real_batch_get = audit.Item.batch_get

    def counted(keys_wanted: Any, *args: Any, **kwargs: Any) -> Any:
        keys_wanted = list(keys_wanted)
        if sys._getframe(1).f_globals["__name__"] == audit.__name__:  # not the operator check's batch
            batches.append(len(keys_wanted))
        return real_batch_get(keys_wanted, *args, **kwargs)

    monkeypatch.setattr(audit.Item, "batch_get", counted)
    monkeypatch.setattr(Account, "get", lambda *_, **__: pytest.fail("an account read row by row"))
    # When 华景 reads the member's trail and its own
    status, member_trail = call(client, "GET", f"/members/{member_id}/audit", world.headers("huajing"))
    assert status == 200, member_trail
    status, org_trail = call(client, "GET", f"/orgs/{world.orgs['huajing']}/audit", world.headers("huajing"))
    assert status == 200, org_trail
    # Then each entry names who acted and for which organisation, beside the ids
    shown = {(e["action"], e["actor_name"], e["actor_org_name"]) for e in member_trail["items"] + org_trail["items"]}
    huajing = "广州市天河区华景社区团支部"
    assert {
        ("member.edit", "林晓华", None),
        ("member.create", "huajing管理员", huajing),
        ("registration.submit", "系统", None),
        ("cadre.invite", "huajing管理员", huajing),
    } <= shown
    entry = next(e for e in member_trail["items"] if e["action"] == "member.edit")
    assert (entry["actor_account_id"], entry["actor_org_id"]) == (world.member_accounts[member_id], None)

    # ... looked up with one BatchGetItem per page, of the page's distinct accounts, organisations
    # and named subjects (members, organisations, accounts, registrations)
    def distinct(page: dict[str, Any]) -> int:
        wanted = {("ACCOUNT", e["actor_account_id"]) for e in page["items"]} - {("ACCOUNT", "system")}
        wanted |= {("ORG", e["actor_org_id"]) for e in page["items"] if e["actor_org_id"]}
        wanted |= {
            (e["subject_kind"], e["subject_id"]) for e in page["items"] if e["subject_kind"] in audit._NAMED_SUBJECTS
        }
        return len(wanted)

    assert batches == [distinct(member_trail), distinct(org_trail)]


def test_org_6_sibling_admin_cannot_create_in_another_subtree(client: Any, world: World) -> None:
    status, body = create(client, world, "yuexiu", "tianhe", BRANCH)
    assert (status, body["code"]) == (403, "OUT_OF_SCOPE")
    assert "下级组织" in body["message"]


def test_org_1_branch_cannot_have_children(client: Any, world: World) -> None:
    body = {**BRANCH, "short_name": "广州市天河区华景社区二团支部", "alias": "华景二支部"}
    status, answer = create(client, world, "tianhe", "huajing", body)
    assert (status, answer["code"], answer["field"]) == (422, "ORG-1", "org_type")


def test_org_1_leading_organ_steps_down_one_level(client: Any, world: World) -> None:
    # Given
    body = {
        "org_type": "LEADING_ORGAN",
        "level": "CITY",
        "sector": "GOVERNMENT",
        "short_name": "广州市黄埔团区委",
        "full_name": "中国共产主义青年团广州市黄埔区委员会",
        "alias": "黄埔团区委",
        "region_name": "广州市黄埔区",
    }
    # When
    status, answer = create(client, world, "gz", "gz", body)
    # Then
    assert (status, answer["code"]) == (422, "ORG-1")


def test_org_2_only_leading_organs_set_up_working_committees(client: Any, world: World) -> None:
    # Given
    body = {
        "org_type": "WORKING_COMMITTEE",
        "sector": "UNIVERSITY",
        "short_name": "中山大学南校区团工委",
        "full_name": "中国共产主义青年团中山大学南校区工作委员会",
        "alias": "南校区团工委",
    }
    # When
    status, answer = create(client, world, "sysu", "sysu", body)
    # Then
    assert (status, answer["code"]) == (422, "ORG-2")
    body.update(
        short_name="广州市天河区园区团工委",
        full_name="中国共产主义青年团广州市天河区园区工作委员会",
        alias="园区团工委",
    )
    status, _ = create(client, world, "tianhe", "tianhe", body)
    assert status == 201


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("alias", "石牌 团支部", "ALIAS_SPACE"),
        ("alias", "石牌<团支部>", "ALIAS_FORBIDDEN_CHARACTER"),
        ("alias", "一二三四五六七八九十一二三四五六七", "INVALID_FIELD"),
        ("short_name", "石牌社区团支部", "SHORT_NAME_REGION"),
        ("short_name", "广州市天河区石牌社区", "SHORT_NAME_SUFFIX"),
        ("full_name", "广州市天河区石牌社区支部委员会", "FULL_NAME_PREFIX"),
        ("full_name", "中国共产主义青年团广州市天河区石牌社区总支部委员会", "FULL_NAME_SUFFIX"),
        ("short_name", "广州市天河区\u200b石牌团支部", "NAME_INVISIBLE_CHARACTER"),
    ],
)
def test_org_5_names_refused_with_field_errors(client: Any, world: World, field: str, value: str, code: str) -> None:
    status, answer = create(client, world, "tianhe", "tianhe", {**BRANCH, field: value})
    assert (status, answer["code"], answer["field"]) == (400, code, field)
    assert answer["message"]


def test_org_5_every_wrong_name_is_reported_at_once(client: Any, world: World) -> None:
    """Given a new branch whose short name, full name and alias are all wrong,
    when its parent's administrator creates it,
    then the answer names all three fields, the first one also at the top level."""
    body = {**BRANCH, "short_name": "广州市天河区石牌社区", "full_name": "石牌社区支部委员会", "alias": "石牌 团支部"}
    status, answer = create(client, world, "tianhe", "tianhe", body)
    assert status == 400
    listed = [(e["code"], e["field"]) for e in answer["errors"]]
    assert listed == [("SHORT_NAME_SUFFIX", "short_name"), ("FULL_NAME_PREFIX", "full_name"), ("ALIAS_SPACE", "alias")]
    assert {k: answer[k] for k in ("code", "message", "field")} == answer["errors"][0]
    assert all(e["message"] for e in answer["errors"])


def test_org_5_a_single_wrong_name_has_no_list(client: Any, world: World) -> None:
    """Given only the alias wrong, when the branch is created, then the answer is the one
    {code, message, field} refusal, without an `errors` list."""
    status, answer = create(client, world, "tianhe", "tianhe", {**BRANCH, "alias": "石牌 团支部"})
    assert (status, set(answer)) == (400, {"code", "message", "field"})


def test_org_5_class_branch_carries_entry_year(client: Any, world: World) -> None:
    # Given
    body = {
        "org_type": "BRANCH",
        "sector": "UNIVERSITY",
        "short_name": "中山大学计算机2班团支部",
        "full_name": "中国共产主义青年团中山大学计算机学院2班支部委员会",
        "alias": "计算机2班",
        "class_branch": True,
        "entry_year": 2025,
    }
    # When
    status, answer = create(client, world, "sysu", "sysu", body)
    # Then
    assert (status, answer["code"]) == (400, "SHORT_NAME_ENTRY_YEAR")
    status, _ = create(client, world, "sysu", "sysu", {**body, "short_name": "中山大学2025级计算机2班团支部"})
    assert status == 201


def test_org_8_children_are_listed_in_pages(client: Any, world: World) -> None:
    # When
    seen: list[str] = []
    cursor = None
    while True:
        path = f"/orgs/{world.orgs['root']}/children?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = call(client, "GET", path, world.headers("root"))
        assert status == 200
        seen += [o["short_name"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # Then
    # Leading organs first; the ORG-7 system organisation is not a listed child.
    assert seen == ["广州团市委", "深圳团市委", "中山大学团委"]


def test_subtree_of_root_spans_every_bucket_in_path_order(client: Any, world: World) -> None:
    # When
    names: list[str] = []
    cursor = None
    while True:
        path = f"/orgs/{world.orgs['root']}/subtree?limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, page = call(client, "GET", path, world.headers("root"))
        assert status == 200, page
        names += [o["org_id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # Then
    assert sorted(names) == sorted(world.orgs.values())
    assert len(names) == len(set(names))


def test_subtree_filters_by_type_and_stays_in_scope(client: Any, world: World) -> None:
    status, page = call(client, "GET", f"/orgs/{world.orgs['gz']}/subtree?org_type=BRANCH", world.headers("gz"))
    assert status == 200
    assert [o["org_id"] for o in page["items"]] == [world.orgs["huajing"]]
    status, answer = call(client, "GET", f"/orgs/{world.orgs['sz']}/subtree", world.headers("gz"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")


def test_forged_cursor_is_a_clear_error(client: Any, world: World) -> None:
    status, answer = call(
        client, "GET", f"/orgs/{world.orgs['root']}/children?cursor=bm90LWpzb24", world.headers("root")
    )
    assert (status, answer["code"], answer["field"]) == (400, "BAD_CURSOR", "cursor")


def test_search_by_name_fragment_within_scope(client: Any, world: World) -> None:
    status, page = call(client, "GET", f"/orgs/{world.orgs['root']}/search?q=华景", world.headers("root"))
    assert status == 200
    assert [h["org_id"] for h in page["items"]] == [world.orgs["huajing"]]
    status, page = call(client, "GET", f"/orgs/{world.orgs['sz']}/search?q=天河", world.headers("sz"))
    assert (status, page["items"]) == (200, [])
    status, answer = call(client, "GET", f"/orgs/{world.orgs['root']}/search?q=华", world.headers("root"))
    assert (status, answer["code"]) == (400, "SEARCH_TOO_SHORT")


def test_org_6_move_subtree_rewrites_paths_below(client: Any, world: World) -> None:
    # 天河 (with its branch) moves from 广州 to 深圳 (province admin: both are in its subtree).
    # Given / When
    status, job = call(
        client,
        "POST",
        f"/orgs/{world.orgs['tianhe']}/move",
        world.headers("root"),
        {"new_parent_id": world.orgs["sz"], "reason": "区划调整"},
    )
    # Then
    assert status == 202, job
    assert job["status"] == "RUNNING"
    # While the job runs, the tree it touches refuses another move.
    status, answer = call(
        client,
        "POST",
        f"/orgs/{world.orgs['yuexiu']}/move",
        world.headers("root"),
        {"new_parent_id": world.orgs["sz"], "reason": "再调整"},
    )
    assert (status, answer["code"]) == (409, "TREE_MOVE_IN_PROGRESS")
    drain(client, TREE_MAINTENANCE.name)
    sz_path = orgs.get_org(world.orgs["sz"]).path
    branch = orgs.get_org(world.orgs["huajing"])
    assert branch.path == f"{sz_path}{world.orgs['tianhe']}/{world.orgs['huajing']}/"
    assert branch.depth == 3
    assert orgs.get_org(world.orgs["gz"]).child_count == 1 and orgs.get_org(world.orgs["sz"]).child_count == 2
    assert TreeJob.get(keys.job_pk(job["job_id"]), keys.META).status == "DONE"
    # The search index and the subtree index follow the move.
    status, page = call(client, "GET", f"/orgs/{world.orgs['sz']}/search?q=华景", world.headers("sz"))
    assert [h["org_id"] for h in page["items"]] == [world.orgs["huajing"]]
    assert not list(NameToken.query(keys.name_pk("华景"), NameToken.sk.startswith(orgs.get_org(world.orgs["gz"]).path)))
    status, page = call(client, "GET", f"/orgs/{world.orgs['gz']}/subtree", world.headers("gz"))
    assert world.orgs["huajing"] not in [o["org_id"] for o in page["items"]]
    # The old city's administrator has lost it; the new one has it.
    status, _ = call(client, "GET", f"/orgs/{world.orgs['huajing']}", world.headers("gz"))
    assert status == 403
    status, _ = call(client, "GET", f"/orgs/{world.orgs['huajing']}", world.headers("sz"))
    assert status == 200


def test_move_job_is_idempotent_when_redelivered(client: Any, world: World) -> None:
    job = orgs.move(world.principal("root"), world.orgs["tianhe"], world.orgs["sz"], "区划调整")
    assert orgs.continue_move(job.job_id) is True
    assert orgs.continue_move(job.job_id) is True  # a second delivery changes nothing
    trail = [r.action for r in AuditRecord.query(keys.audit_pk("ORG", world.orgs["tianhe"]))]
    assert trail.count("org.move.finished") == 1


def test_org_6_move_into_own_subtree_refused(client: Any, world: World) -> None:
    status, answer = call(
        client,
        "POST",
        f"/orgs/{world.orgs['gz']}/move",
        world.headers("root"),
        {"new_parent_id": world.orgs["tianhe"], "reason": "误操作"},
    )
    assert (status, answer["code"]) == (422, "ORG-6")


def test_org_6_move_needs_both_ends_in_scope(client: Any, world: World) -> None:
    status, answer = call(
        client,
        "POST",
        f"/orgs/{world.orgs['tianhe']}/move",
        world.headers("gz"),
        {"new_parent_id": world.orgs["sz"], "reason": "区划调整"},
    )
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")


def test_org_6_dissolve_refused_while_members_remain(client: Any, world: World) -> None:
    status, answer = call(
        client, "POST", f"/orgs/{world.orgs['huajing']}/dissolve", world.headers("tianhe"), {"reason": "人数不足"}
    )
    assert (status, answer["code"]) == (422, "ORG-6")
    status, answer = call(
        client, "POST", f"/orgs/{world.orgs['huajing']}/dissolve", world.headers("huajing"), {"reason": "人数不足"}
    )
    assert (status, answer["code"]) == (403, "OWN_ORG_NOT_ALLOWED")


def _merge_lianhua_into_huajing(client: Any, world: World) -> tuple[int, Any]:
    """莲花 (1 member) merged into 华景 (3) by the province, which can reach both (ORG-6)."""
    return call(
        client,
        "POST",
        f"/orgs/{world.orgs['lianhua']}/merge",
        world.headers("root"),
        {"into_org_id": world.orgs["huajing"], "reason": "人数不足3人"},
    )


def test_org_6_merge_moves_members_then_dissolves(client: Any, world: World) -> None:
    # 莲花 (1 member) merges into 华景 (3): the province can reach both.
    # Given / When
    status, answer = _merge_lianhua_into_huajing(client, world)
    # Then
    assert status == 200, answer
    assert answer["moved_members"] == 1 and answer["dissolved"]["status"] == "DISSOLVED"
    assert orgs.get_org(world.orgs["huajing"]).member_count == 4
    assert orgs.get_org(world.orgs["futian"]).child_count == 0
    moved = world.members["lianhua"][0]
    status, trail = call(client, "GET", f"/members/{moved}/audit", world.headers("root"))
    assert trail["items"][0]["action"] == "member.merge"
    status, page = call(client, "GET", f"/orgs/{world.orgs['futian']}/children", world.headers("futian"))
    assert page["items"] == []


def test_org_6_card_1_a_merged_members_card_follows_the_branch_it_moved_to(client: Any, world: World) -> None:
    # Given 莲花's member, whose card shows 莲花's full name
    moved = world.members["lianhua"][0]
    version_before = card_version(moved)
    # When 莲花 merges into 华景 and the org-relabel queue is delivered
    status, answer = _merge_lianhua_into_huajing(client, world)
    assert status == 200, answer
    assert drain(client, "org-relabel") == 1
    # Then the moved member's card is marked due again (to show 华景's name), as are 华景's own
    assert card_version(moved) == version_before + 1
    assert card_version(world.members["huajing"][0]) >= 1
    # And the relabel's mark is gone once every member followed
    assert list(BranchRelabel.query(keys.RELABELS_PK)) == []


def test_org_6_dissolve_empty_branch(client: Any, world: World) -> None:
    # Given / When
    status, answer = call(
        client, "POST", f"/orgs/{world.orgs['cs2024']}/dissolve", world.headers("sysu"), {"reason": "班级撤销"}
    )
    # Then
    assert (status, answer["status"]) == (200, "DISSOLVED")
    assert orgs.get_org(world.orgs["sysu"]).child_count == 0
    status, answer = call(
        client, "POST", f"/orgs/{world.orgs['cs2024']}/dissolve", world.headers("sysu"), {"reason": "再次撤销"}
    )
    assert (status, answer["code"]) == (409, "ORG_NOT_ACTIVE")


def test_org_4_acct_5_a_cadre_invited_by_a_committee_is_no_member(client: Any, world: World) -> None:
    # Given 天河 (a county committee, where members never belong) inviting a cadre for its staff
    # When the person accepts (new to the system: an account is made then)
    accepted = invited_cadre(client, world, "tianhe", "张三", "13912340001", "工作人员")
    # Then it is an account with the position only: no member record is made, in 天河 or anywhere
    assert (accepted["account"]["member_id"], accepted["position"]) == (None, "工作人员"), accepted
    assert orgs.get_org(world.orgs["tianhe"]).member_count == 0


def test_org_7_system_org_for_the_province_only(client: Any, world: World) -> None:
    status, answer = call(client, "GET", "/system-org", world.headers("root"))
    assert (status, answer["org_id"], answer["system"]) == (200, world.orgs["system"], True)
    status, answer = call(client, "GET", "/system-org", world.headers("gz"))
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")
    status, answer = create(client, world, "root", "system", BRANCH)
    assert (status, answer["code"]) == (422, "ORG-7")


def test_audit_1_failed_write_leaves_no_audit_record(world: World) -> None:
    """The audit record rides in the change's transaction: a change refused by its condition
    (here a stale version) writes no audit record either."""
    # Given
    stale = orgs.get_org(world.orgs["cs2024"])
    fresh = orgs.get_org(world.orgs["cs2024"])
    fresh.update(actions=[Org.alias.set("计算机一班")])  # someone else's change bumps the version
    before = [r.sk for r in AuditRecord.query(keys.audit_pk("ORG", stale.org_id))]
    from zhtj.core.errors import ConflictError
    from zhtj.table.unit_of_work import Actor, UnitOfWork

    uow = UnitOfWork(Actor("u-root", world.orgs["root"]))
    uow.put(stale)
    uow.audit("org.update", "ORG", stale.org_id, stale.org_id, after={"alias": "x"})
    # When / Then
    with pytest.raises(ConflictError) as refused:
        uow.commit()
    assert refused.value.code == "STALE_WRITE"
    assert [r.sk for r in AuditRecord.query(keys.audit_pk("ORG", stale.org_id))] == before


def test_audit_1_records_are_append_only(world: World) -> None:
    record = next(iter(AuditRecord.query(keys.audit_pk("ORG", world.orgs["gz"]))))
    from zhtj.core.errors import ConflictError
    from zhtj.table.unit_of_work import Actor, UnitOfWork

    uow = UnitOfWork(Actor("u-root", world.orgs["root"]))
    uow.put(record, condition=AuditRecord.pk.does_not_exist())
    with pytest.raises(ConflictError):
        uow.commit()


def test_two_admins_moving_one_org_at_once_exactly_one_wins(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both read 越秀 before either writes (the interleaving is fixed: in-process moto is not
    thread-safe); the second commit finds the version moved on and is refused."""
    # Given
    from zhtj.core.errors import ConflictError
    from zhtj.orgs import moves
    from zhtj.orgs.rules import Level, NewOrg, OrgType, Sector

    third_city = orgs.create_child(
        world.principal("root"),
        world.orgs["root"],
        NewOrg(
            org_type=OrgType.LEADING_ORGAN,
            level=Level.CITY,
            sector=Sector.GOVERNMENT,
            short_name="佛山团市委",
            full_name="中国共产主义青年团佛山市委员会",
            alias="佛山团市委",
            region_name="佛山市",
        ),
    )
    read_by_second_admin = orgs.get_org(world.orgs["yuexiu"])
    # When
    first = orgs.move(world.principal("root"), world.orgs["yuexiu"], world.orgs["sz"], "区划调整")
    # Then
    assert orgs.continue_move(first.job_id)
    fresh = orgs.get_org
    # The second admin's move reads 越秀 as it was before the first move.
    monkeypatch.setattr(moves, "get_org", lambda i: read_by_second_admin if i == world.orgs["yuexiu"] else fresh(i))
    with pytest.raises(ConflictError) as refused:
        orgs.move(world.principal("root"), world.orgs["yuexiu"], third_city.org_id, "区划调整")
    assert refused.value.code == "STALE_WRITE"
    monkeypatch.undo()
    assert orgs.get_org(world.orgs["yuexiu"]).parent_id == world.orgs["sz"]
    assert orgs.get_org(third_city.org_id).child_count == 0


def test_tree_queue_message_carries_job(world: World) -> None:
    import boto3

    job = orgs.move(world.principal("root"), world.orgs["tianhe"], world.orgs["sz"], "区划调整")
    messages = boto3.client("sqs").receive_message(QueueUrl=TREE_MAINTENANCE.url()).get("Messages", [])
    assert [json.loads(m["Body"]) for m in messages] == [{"job_id": job.job_id}]
