"""Editing an organisation (PATCH /orgs/{id}, POST /orgs/{id}/name-check): its names under the
same ORG-5 checks as creation, the short name held by one organisation of the province, every
index kept true in the rename's transaction, and a renamed branch's members following."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.support import World, call, drain
from tests.support.cards import card_version
from zhtj.cards import relabel
from zhtj.core.errors import ConflictError
from zhtj.orgs import naming
from zhtj.orgs import service as orgs
from zhtj.orgs.messages import ORG_RELABEL, RelabelBranch
from zhtj.orgs.models import BranchRelabel, OrgNameClaim
from zhtj.orgs.rules import OrgChanges
from zhtj.table import keys

NEW = {
    "short_name": "广州市天河区华景新村团支部",
    "full_name": "中国共产主义青年团广州市天河区华景新村支部委员会",
    "alias": "华景新村团支部",
}
OTHER = {
    "org_type": "BRANCH",
    "sector": "COMMUNITY",
    "short_name": "广州市天河区石牌社区团支部",
    "full_name": "中国共产主义青年团广州市天河区石牌社区支部委员会",
    "alias": "石牌社区团支部",
}


def edit(client: Any, world: World, actor: str, org: str, body: dict[str, Any]) -> tuple[int, Any]:
    version = orgs.get_org(world.orgs[org]).version
    return call(client, "PATCH", f"/orgs/{world.orgs[org]}", world.headers(actor), {"version": version, **body})


def search_names(client: Any, world: World, q: str) -> list[str]:
    status, page = call(client, "GET", f"/orgs/{world.orgs['root']}/search?q={q}", world.headers("root"))
    assert status == 200
    return [hit["short_name"] for hit in page["items"]]


def lookup_ids(client: Any, q: str) -> list[str]:
    status, hits = call(client, "GET", f"/branches/lookup?q={q}")
    assert status == 200
    return [hit["id"] for hit in hits]


def test_org_5_a_renamed_branch_is_found_by_its_new_names_only_and_audit_1_keeps_both(
    client: Any, world: World
) -> None:
    # Given 华景社区团支部 with members, found by its name and its alias
    huajing = world.orgs["huajing"]
    assert lookup_ids(client, "华景社区团支部") == [huajing]
    # When the district above renames it
    status, org = edit(client, world, "tianhe", "huajing", NEW)
    # Then the answer is the organisation as it is now
    assert status == 200, org
    assert (org["short_name"], org["full_name"], org["alias"]) == (NEW["short_name"], NEW["full_name"], NEW["alias"])
    # And the organisation search and the public lookup find it by the new names, never the old
    assert search_names(client, world, "华景新村") == [NEW["short_name"]]
    assert search_names(client, world, "华景社区") == []
    assert lookup_ids(client, "华景新村团支部") == [huajing]
    assert lookup_ids(client, "华景社区团支部") == []
    # And the tree lists it by its new name
    status, children = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/children", world.headers("tianhe"))
    assert NEW["short_name"] in [c["short_name"] for c in children["items"]]
    # And the audit trail holds the old and the new values (AUDIT-1)
    status, trail = call(client, "GET", f"/orgs/{huajing}/audit", world.headers("tianhe"))
    record = trail["items"][0]
    assert record["action"] == "org.edit"
    assert record["before"]["short_name"] == "广州市天河区华景社区团支部"
    assert record["after"]["short_name"] == NEW["short_name"]
    # And the old short name is free again, the new one held
    assert naming.holder("广州市天河区华景社区团支部") is None
    assert naming.holder(NEW["short_name"]) == huajing


def test_org_5_card_1_a_renamed_branchs_members_follow_through_the_relabel_worker(client: Any, world: World) -> None:
    # Given 华景's members, found by name with their branch's name
    member_id = world.members["huajing"][0]
    version_before = card_version(member_id)
    # When the branch is renamed and the relabel queue is delivered
    assert edit(client, world, "tianhe", "huajing", NEW)[0] == 200
    assert drain(client, "org-relabel") == 1
    # Then every member's search hit carries the new branch name
    name = orgs.get_org(world.orgs["huajing"])
    from zhtj.members.models import Member

    member = Member.get(keys.member_pk(member_id), keys.META)
    status, hits = call(
        client, "POST", "/search", world.headers("tianhe"), {"q": member.name, "kind": "member", "org_id": name.org_id}
    )
    assert status == 200
    assert {h["branch_name"] for h in hits["items"]} == {NEW["short_name"]}
    # And each card is marked due again (it shows the branch's full name), through the card queue
    assert card_version(member_id) == version_before + 1
    # And the mark is gone once every member followed
    assert list(BranchRelabel.query(keys.RELABELS_PK)) == []


def test_org_5_the_relabel_carries_on_page_by_page_and_a_stalled_one_is_sent_on(client: Any, world: World) -> None:
    # Given a renamed branch (its message taken off the queue)
    assert edit(client, world, "tianhe", "huajing", NEW)[0] == 200
    _lose_messages()
    # When the worker follows one member per call
    carry_on = relabel.follow(RelabelBranch(branch_id=world.orgs["huajing"]), budget=1)
    # Then it carries on from where it stopped, and the mark stays until the last member
    assert carry_on is not None and carry_on.after
    assert len(list(BranchRelabel.query(keys.RELABELS_PK))) == 1
    while carry_on is not None:
        carry_on = relabel.follow(carry_on, budget=1)
    assert list(BranchRelabel.query(keys.RELABELS_PK)) == []
    # And a mark whose worker stopped is sent on by the sweep
    assert (
        edit(client, world, "tianhe", "huajing", {"full_name": "中国共产主义青年团广州市天河区华景支部委员会"})[0]
        == 200
    )
    _lose_messages()
    from datetime import timedelta

    assert relabel.resume_stalled(older_than=timedelta(seconds=-1)) == 1
    assert drain(client, "org-relabel") == 1


def test_org_5_a_taken_short_name_is_refused_beside_its_field(client: Any, world: World) -> None:
    # Given another branch under 天河
    status, _ = call(client, "POST", f"/orgs/{world.orgs['tianhe']}/children", world.headers("tianhe"), OTHER)
    assert status == 201
    # When 华景 is renamed to its short name
    status, answer = edit(client, world, "tianhe", "huajing", {"short_name": OTHER["short_name"]})
    # Then the refusal names the field, in Chinese, and nothing changed
    assert status == 409
    assert (answer["code"], answer["field"]) == ("SHORT_NAME_TAKEN", "short_name")
    assert "已被" in answer["message"]
    assert orgs.get_org(world.orgs["huajing"]).short_name == "广州市天河区华景社区团支部"
    # And creating a child with a name taken is refused the same way
    status, answer = call(client, "POST", f"/orgs/{world.orgs['tianhe']}/children", world.headers("tianhe"), OTHER)
    assert (status, answer["code"], answer["field"]) == (409, "SHORT_NAME_TAKEN", "short_name")


def test_org_5_pattern_refusals_come_at_their_fields_at_once(client: Any, world: World) -> None:
    status, answer = edit(client, world, "tianhe", "huajing", {"short_name": "华景团支部", "alias": "华景 团支部"})
    assert status == 400
    assert {(e["field"], e["code"]) for e in answer["errors"]} == {
        ("short_name", "SHORT_NAME_REGION"),
        ("alias", "ALIAS_SPACE"),
    }


def test_org_5_two_renames_to_one_name_at_once_one_wins(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both editors check the name free before either commits (the interleaving is fixed: the
    second's check is made to read the claim as it was); the claim's condition refuses the second."""
    # Given two branches under 天河 and a name neither holds
    other = orgs.create_child(world.principal("tianhe"), world.orgs["tianhe"], _new_org())
    wanted = OrgChanges(short_name=NEW["short_name"])
    # When the first rename commits
    first = orgs.edit(
        world.principal("tianhe"), world.orgs["huajing"], wanted, orgs.get_org(world.orgs["huajing"]).version
    )
    assert first.short_name == NEW["short_name"]
    # Then the second, which found the name free, loses at commit
    monkeypatch.setattr(naming, "holder", lambda name: None)
    with pytest.raises(ConflictError) as refused:
        orgs.edit(world.principal("tianhe"), other.org_id, wanted, other.version)
    assert (refused.value.code, refused.value.field) == ("SHORT_NAME_TAKEN", "short_name")
    monkeypatch.undo()
    assert orgs.get_org(other.org_id).short_name == OTHER["short_name"]
    claim = OrgNameClaim.get(*_claim(NEW["short_name"]))
    assert claim.ref_id == world.orgs["huajing"]


def test_org_5_an_edit_from_a_stale_version_is_refused(client: Any, world: World) -> None:
    version = orgs.get_org(world.orgs["huajing"]).version
    assert edit(client, world, "tianhe", "huajing", {"sector": "ENTERPRISE"})[0] == 200
    status, answer = call(
        client,
        "PATCH",
        f"/orgs/{world.orgs['huajing']}",
        world.headers("tianhe"),
        {"version": version, "alias": "华景"},
    )
    assert (status, answer["code"]) == (409, "STALE_WRITE")


def test_org_6_an_organisation_sets_its_own_alias_only_and_those_above_edit_the_rest(client: Any, world: World) -> None:
    # The branch itself sets its alias (seed 003: its first operator sets the 代称)
    status, org = edit(client, world, "huajing", "huajing", {"alias": "华景团支部"})
    assert (status, org["alias"]) == (200, "华景团支部")
    # but not its names or sector: those are its parent's (or above)
    status, answer = edit(client, world, "huajing", "huajing", {"sector": "ENTERPRISE"})
    assert (status, answer["code"]) == (403, "OWN_ORG_NOT_ALLOWED")
    # and another city never edits it
    status, answer = edit(client, world, "sz", "huajing", {"alias": "华景"})
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    # and the city above may
    assert edit(client, world, "gz", "huajing", {"sector": "ENTERPRISE"})[0] == 200


def test_org_7_the_system_organisation_is_not_edited(client: Any, world: World) -> None:
    status, answer = edit(client, world, "root", "system", {"alias": "省外"})
    assert (status, answer["code"]) == (422, "ORG-7")


def test_org_5_the_edit_forms_check_as_you_type_excludes_the_organisation_itself(client: Any, world: World) -> None:
    url = f"/orgs/{world.orgs['huajing']}/name-check"
    # Its own short name is no conflict
    status, answer = call(client, "POST", url, world.headers("tianhe"), {"short_name": "广州市天河区华景社区团支部"})
    assert (status, answer["ok"]) == (200, True)
    # Another's is
    taken = "广州市天河区团委"
    status, answer = call(client, "POST", url, world.headers("tianhe"), {"short_name": taken.replace("团委", "团支部")})
    assert answer["ok"] is True
    call(client, "POST", f"/orgs/{world.orgs['tianhe']}/children", world.headers("tianhe"), OTHER)
    status, answer = call(client, "POST", url, world.headers("tianhe"), {"short_name": OTHER["short_name"]})
    assert (answer["ok"], answer["field"], answer["code"]) == (False, "short_name", "SHORT_NAME_TAKEN")
    # And nothing was written
    assert orgs.get_org(world.orgs["huajing"]).short_name == "广州市天河区华景社区团支部"


def _new_org() -> Any:
    from zhtj.orgs.rules import NewOrg, OrgType, Sector

    return NewOrg(
        org_type=OrgType.BRANCH,
        sector=Sector.COMMUNITY,
        short_name=OTHER["short_name"],
        full_name=OTHER["full_name"],
        alias=OTHER["alias"],
    )


def _claim(short_name: str) -> tuple[str, str]:
    from zhtj.orgs.items import claim_key

    return claim_key(short_name), keys.META


def _lose_messages() -> None:
    """The relabel queue's messages lost (taken off, never handled)."""
    sqs = boto3.client("sqs")
    while messages := sqs.receive_message(QueueUrl=ORG_RELABEL.url(), MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=ORG_RELABEL.url(), ReceiptHandle=message["ReceiptHandle"])
