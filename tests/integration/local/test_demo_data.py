"""The local stack's demo data (infra/local/demo.py): a province shaped like ORG-8, with
counters, positions, names and logins as the API would have made them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import boto3
import pytest

from infra.local import demo as demo_data
from zhtj.accounts.models import Account
from zhtj.core.errors import ForbiddenError
from zhtj.core.settings import get_settings
from zhtj.members.models import Member
from zhtj.orgs import service as orgs
from zhtj.orgs.authz import ADMIN_ROLE, acting
from zhtj.orgs.models import Grant, NameToken, Org
from zhtj.orgs.rules import (
    Level,
    OrgType,
    Placement,
    check_placement,
    validate_alias,
    validate_full_name,
    validate_short_name,
)
from zhtj.registration.models import Claim
from zhtj.registration.rules import check_name
from zhtj.signin import tokens
from zhtj.signin.tokens import Principal
from zhtj.table import keys

SCALE = 200
CITY_NAMES = {f"{name}团市委" for name, _, _ in demo_data.CITIES}


@pytest.fixture
def demo(aws: None) -> dict[str, str]:
    return demo_data.load(SCALE)


def principal(token: str) -> Principal:
    return tokens.verify("Bearer " + token)


def all_orgs() -> list[Org]:
    return [o for o in Org.scan() if isinstance(o, Org)]


def count(results: Iterable[object]) -> int:
    return sum(1 for _ in results)


def city_prefix(org: Org, by_id: dict[str, Org]) -> str | None:
    """ORG-5: the region of the nearest city-level leading organ above (a city's own name has none)."""
    if org.org_type == OrgType.LEADING_ORGAN and org.level == Level.CITY:
        return None
    for ancestor_id in reversed(org.path.strip("/").split("/")[:-1]):
        ancestor = by_id[ancestor_id]
        if ancestor.org_type == OrgType.LEADING_ORGAN and ancestor.level == Level.CITY:
            return ancestor.region_name
    return None


def test_org_8_root_has_85_children_21_cities_56_universities_2_units_2_schools_4_working_committees(
    demo: dict[str, str],
) -> None:
    # Given
    province = principal(demo["province_admin"])
    # When
    children, cursor = orgs.list_children(province, demo["root_org_id"], None, 200)

    # Then
    assert cursor is None and len(children) == 85
    assert orgs.read(province, demo["root_org_id"]).child_count == 85
    cities = [o for o in children if o.org_type == OrgType.LEADING_ORGAN]
    assert len(cities) == 21 and {o.level for o in cities} == {Level.CITY}
    assert {o.short_name for o in cities} == CITY_NAMES
    guangzhou = next(o for o in cities if o.short_name == "广州团市委")
    assert (guangzhou.full_name, guangzhou.region_name) == ("中国共产主义青年团广州市委员会", "广州市")
    committees = [o for o in children if o.org_type == OrgType.BASIC_COMMITTEE]
    universities = {f"{u}团委" for u in (*demo_data.UNIVERSITIES, *demo_data.VOCATIONAL_COLLEGES)}
    assert len(universities) == 56 and universities <= {o.short_name for o in committees}
    assert {o.sector for o in committees if o.short_name in universities} == {"UNIVERSITY", "VOCATIONAL"}
    others = Counter(o.sector for o in committees if o.short_name not in universities)
    assert others == Counter({"PUBLIC_INSTITUTION": 1, "ENTERPRISE": 1, "MIDDLE_SCHOOL": 1, "VOCATIONAL": 1})
    working = [o for o in children if o.org_type == OrgType.WORKING_COMMITTEE]
    assert len(working) == 4 and "省直机关团工委" in {o.short_name for o in working}
    # ORG-7: the system organisation stays out of the children list, and exists.
    assert orgs.system_org(province).short_name == orgs.SYSTEM_ORG_SHORT_NAME


def test_counters_paths_and_members_match_what_was_written(demo: dict[str, str]) -> None:
    # Given / When
    found = all_orgs()
    # Then
    by_id = {o.org_id: o for o in found}
    assert len(found) >= max(87, SCALE // 10)

    for org in found:
        assert count(Org.by_gsi1.query(keys.children_pk(org.org_id))) == org.child_count, org.short_name
        assert org.version == 1 or org.parent_id is None
        if org.parent_id:
            parent = by_id[org.parent_id]
            assert org.path == f"{parent.path}{org.org_id}/" and org.depth == parent.depth + 1
        if org.org_type == OrgType.BRANCH and not org.system:
            members = count(Member.by_gsi1.query(keys.branch_members_pk(org.org_id)))
            assert members == org.member_count and 3 <= members <= 30, org.short_name
        else:
            assert org.member_count == 0  # ORG-4: members belong to branches only
    # Every member is in one of the branches counted above.
    assert count(Member.scan()) == SCALE == sum(int(o.member_count) for o in found)
    # Every organisation is findable by name (its search tokens were written with it).
    written = {(t.pk, t.sk, t.ref_id) for t in NameToken.scan() if isinstance(t, NameToken)}
    assert written == {(t.pk, t.sk, org.org_id) for org in found for t in orgs.name_tokens(org)}
    province = principal(demo["province_admin"])
    branch = by_id[demo["branch_org_id"]]
    hits, _ = orgs.search(province, demo["root_org_id"], branch.short_name[-9:], None, 50)
    assert branch.org_id in {h.ref_id for h in hits}


def test_every_branch_has_a_secretary_who_is_one_of_its_members(demo: dict[str, str]) -> None:
    # Given / When
    branches = [o for o in all_orgs() if o.org_type == OrgType.BRANCH and not o.system]
    # Then
    assert branches
    for branch in branches:
        staff = [g for g in Grant.by_gsi1.query(keys.staff_pk(branch.org_id)) if isinstance(g, Grant)]
        secretaries = [g for g in staff if g.role == demo_data.SECRETARY]
        assert len(secretaries) == 1, branch.short_name
        account = Account.get(keys.account_pk(secretaries[0].account_id), keys.META)
        member = Member.get(keys.member_pk(account.member_id), keys.META)
        assert member.branch_id == branch.org_id and member.account_id == account.account_id


def test_the_four_logins_verify_and_act_for_their_organisations(demo: dict[str, str]) -> None:
    # Given / When
    province, city, secretary, member = (
        principal(demo[name]) for name in ("province_admin", "city_admin", "branch_secretary", "member")
    )
    # Then
    assert province.acting_org_id == demo["root_org_id"] and ADMIN_ROLE in acting(province).roles
    assert city.acting_org_id == demo["city_org_id"] and ADMIN_ROLE in acting(city).roles
    assert secretary.acting_org_id == demo["branch_org_id"]
    assert demo_data.SECRETARY in acting(secretary).roles
    assert member.acting_org_id is None
    account = Account.get(keys.account_pk(member.account_id), keys.META)
    assert account.member_id == demo["member_id"]
    assert Member.get(keys.member_pk(demo["member_id"]), keys.META).branch_id == demo["branch_org_id"]
    # The branch also has an administrator account (handed down by its parent).
    staff = {g.role for g in Grant.by_gsi1.query(keys.staff_pk(demo["branch_org_id"])) if isinstance(g, Grant)}
    assert staff == {ADMIN_ROLE, demo_data.SECRETARY}

    guangzhou = orgs.read(city, demo["city_org_id"])
    assert guangzhou.short_name == "广州团市委"
    branch = orgs.read(city, demo["branch_org_id"])
    assert branch.path.startswith(guangzhou.path) and branch.member_count >= 2
    subtree: list[Org] = []
    cursor: str | None = None
    while True:
        page, cursor = orgs.list_subtree(city, guangzhou.org_id, cursor, 50)
        subtree.extend(page)
        if cursor is None:
            break
    assert subtree and all(o.path.startswith(guangzhou.path) for o in subtree)
    assert len(subtree) == sum(1 for o in all_orgs() if o.path.startswith(guangzhou.path))
    with pytest.raises(ForbiddenError):
        orgs.list_children(city, demo["root_org_id"], None, 10)


def test_reg_4_every_demo_member_has_a_verified_id_number_and_its_claims(demo: dict[str, str]) -> None:
    # Given the demo province
    members = [m for m in Member.scan() if isinstance(m, Member)]
    # Then every member record is shaped as an approved registration leaves it: an ID number of
    # its own (sealed, indexed, masked), the sex and birth date it carries, a name the name rule
    # accepts, and the REG-4 claims of its ID and development numbers owned by the member
    assert len(members) == SCALE and len({m.id_index for m in members}) == SCALE
    for member in members:
        assert member.id_sealed and member.id_masked and member.sex in ("M", "F") and member.birth_date
        assert check_name(member.name, holds_permit=False) == member.name
    wanted = [keys.id_claim_pk(m.id_index or "") for m in members]
    numbered = [m for m in members if m.development_number]  # admitted before 2017: optional (REG-3)
    wanted += [keys.development_number_claim_pk(m.development_number or "") for m in numbered]
    claims = {c.pk: c.owner_id for c in Claim.batch_get([(pk, keys.META) for pk in wanted])}
    owners = {keys.id_claim_pk(m.id_index or ""): m.member_id for m in members}
    owners |= {keys.development_number_claim_pk(m.development_number or ""): m.member_id for m in numbered}
    assert claims == owners


def test_org_5_every_generated_name_passes_the_validators(demo: dict[str, str]) -> None:
    # Given / When
    found = all_orgs()
    # Then
    by_id = {o.org_id: o for o in found}
    class_branches = 0
    for org in found:
        if org.system or org.parent_id is None:
            continue
        org_type = OrgType(org.org_type)
        level = Level(org.level) if org.level else None
        parent = by_id[org.parent_id]
        check_placement(
            Placement(OrgType(parent.org_type), Level(parent.level) if parent.level else None), org_type, level
        )
        year = int(org.entry_year) if org.entry_year is not None else None
        prefix = city_prefix(org, by_id)
        assert validate_short_name(org.short_name, org_type, prefix, year is not None, year) == org.short_name
        assert validate_full_name(org.full_name, org_type) == org.full_name
        assert validate_alias(org.alias) == org.alias
        if prefix:
            assert org.short_name.startswith(prefix)
        if year is not None:
            class_branches += 1
            assert f"{year}级" in org.short_name
    assert class_branches > 0


def test_load_refuses_a_province_that_already_has_children_and_is_deterministic(demo: dict[str, str]) -> None:
    # Given
    names = sorted(o.short_name for o in all_orgs())
    # When / Then
    with pytest.raises(RuntimeError):
        demo_data.load(SCALE)
    boto3.client("dynamodb").delete_table(TableName=get_settings().table_name)
    from infra.provision import create_table

    create_table(boto3.Session())
    again = demo_data.load(SCALE)
    assert again["root_org_id"] != demo["root_org_id"]
    assert sorted(o.short_name for o in all_orgs()) == names


def test_dues_3_xfer_2_the_demo_walks_end_to_end(demo: dict[str, str], client: Any) -> None:
    """Given the demo province as ./dev up loads it,
    When its open dues order is paid through the provider simulator (Alipay's notification to
    the webhook) and every step of its transfer is approved with the step administrators'
    tokens the stack prints,
    Then the order is credited (Alipay told `success`, the member paid up, no anomaly) and the
    transfer completes, the member now in the receiving branch."""
    from infra.local.payments_simulator import Simulator
    from tests.support import call
    from zhtj.dues import orders as dues_orders
    from zhtj.dues import owed as dues
    from zhtj.dues import webhook as dues_webhook
    from zhtj.dues.models import PaymentAnomaly
    from zhtj.registration.service import today_in_china

    # Given
    dues_webhook.forget()
    simulator = Simulator.local().install()
    order = dues_orders.get_order(demo["dues_open_order"])
    assert order is not None and order.state == "PENDING"
    (member_id,) = [line.member_id for line in dues_orders.lines_of(order)]
    # When
    delivery = simulator.notification(simulator.pay("alipay", order.order_id, int(order.amount_fen)))
    answer = client.http.post("/webhooks/alipay", headers=dict(delivery.headers), body=delivery.body)
    # Then
    assert (answer.status_code, answer.body) == (200, b"success")
    paid = dues_orders.get_order(order.order_id)
    assert paid is not None and paid.state == "PAID"
    assert dues.months_owed(member_id, today_in_china()) == []
    assert not [a for a in PaymentAnomaly.scan() if isinstance(a, PaymentAnomaly)]

    mover, transfer_id = demo["transfer_member_id"], demo["transfer_id"]
    path = f"/members/{mover}/transfers/{transfer_id}"
    status, transfer = call(client, "GET", path, {"Authorization": f"Bearer {demo['branch_secretary']}"})
    assert (status, transfer["state"]) == (200, "OPEN"), transfer
    steps = 0
    while transfer["state"] == "OPEN":
        steps += 1
        token = demo[f"transfer_step{transfer['step_index'] + 1}_admin"]
        body = {"step": transfer["step_index"]}
        status, transfer = call(client, "POST", f"{path}/approve", {"Authorization": f"Bearer {token}"}, body)
        assert status == 200, transfer
    assert transfer["state"] == "COMPLETED" and steps == len(transfer["chain"]) >= 4
    assert Member.get(keys.member_pk(mover), keys.META).branch_id == transfer["to_branch_id"]


def test_reg_2_demo_members_are_approved_registrations_of_varied_synthetic_people(demo: dict[str, str]) -> None:
    """Given the demo province,
    Then every member is an approved registration's (its REG-4 claims passed to the member), its
    sex read from a valid synthetic ID number (both sexes, never unknown), and the province's
    members vary in political status, ethnicity and education."""
    # Given
    from zhtj.registration.models import Claim, Registration

    members = [m for m in Member.scan() if isinstance(m, Member)]
    # When
    registrations = {r.registration_id: r for r in Registration.scan() if isinstance(r, Registration)}
    claims = {c.pk: c.owner_id for c in Claim.scan() if isinstance(c, Claim)}
    # Then
    for member in members:
        record = registrations[member.registration_id or ""]
        assert (record.state, record.member_id, record.branch_id) == ("APPROVED", member.member_id, member.branch_id)
        assert member.id_index and claims[keys.id_claim_pk(member.id_index)] == member.member_id
        if member.development_number:
            assert claims[keys.development_number_claim_pk(member.development_number)] == member.member_id
        assert member.id_sealed and member.id_masked and member.birth_date
    assert Counter(m.sex for m in members).keys() == {"M", "F"}
    assert len({m.political_status for m in members}) >= 3 and "U" not in {m.political_status for m in members}
    assert len({m.ethnicity for m in members}) >= 3 and len({m.education for m in members}) >= 4


def test_life_1_party_1_dues_5_the_demo_shows_meetings_a_recommendation_and_an_offline_month(
    demo: dict[str, str],
) -> None:
    """Given the demo province, Then its branch has three meetings (one last quarter), the member
    login is recommended to the Party and approved (on the record), the lapsing member has one
    month recorded as paid offline, and the online-collection start month is data."""
    from zhtj.dues import owed as dues
    from zhtj.dues.models import PaidMonth
    from zhtj.life import service as life
    from zhtj.party import service as party
    from zhtj.registration.service import today_in_china

    branch = demo["branch_org_id"]
    meetings, _ = life.meetings(principal(demo["branch_secretary"]), branch, None, None, 10)
    assert sorted(m.meeting_kind for m in meetings) == ["BRANCH_ASSEMBLY", "BRANCH_COMMITTEE", "LECTURE"]
    assert [s.start_month for s in dues.online_start_items()] == ["2018-09"]
    member = Member.get(keys.member_pk(demo["member_id"]), keys.META)  # an adult of a 广州 branch
    assert member.party_recommended_on == today_in_china().isoformat()
    assert party.get_recommendation(demo["member_id"], demo["party_recommendation_id"]).state == "APPROVED"
    # And another adult of the branch is left to propose, the committee above it has a login
    candidate = Member.get(keys.member_pk(demo["party_candidate_id"]), keys.META)
    assert candidate.branch_id == branch and candidate.name == demo["party_candidate_name"]
    assert candidate.open_party_id is None and candidate.party_recommended_on is None
    assert Org.get(keys.org_pk(branch), keys.META).parent_id == demo["committee_org_id"]
    assert demo["committee_admin_phone"].startswith("+86139")
    offline = [p for p in PaidMonth.scan(PaidMonth.offline == True) if isinstance(p, PaidMonth)]  # noqa: E712
    assert [p.month for p in offline] == [demo["dues_offline_month"]]


def test_award_1_card_1_the_demo_shows_last_years_registration_evaluation_an_award_and_volunteer_hours(
    demo: dict[str, str],
) -> None:
    """Given the demo province, Then its branch registered and evaluated last year (certified
    above, 优秀 within the cap), this year is left open, and the member login has a reward and
    volunteer hours on the record."""
    from zhtj.annual import records as annual_records
    from zhtj.annual import service as annual
    from zhtj.awards import service as awards

    branch, year = demo["branch_org_id"], int(demo["records_year"])
    secretary = principal(demo["branch_secretary"])
    last = annual_records.roll(secretary, branch, year)
    assert last and all(m.result for m in last)
    assert not any(m.result for m in annual_records.roll(secretary, branch, year + 1))
    proposal = annual.get_proposal(branch, year)
    assert (proposal.state, proposal.excellent <= proposal.evaluated * 30 // 100) == ("CERTIFIED", True)
    found, _ = awards.member_awards(secretary, demo["member_id"])
    assert [a.title for a in found] == ["优秀共青团员"]
    assert len(annual.volunteer_of(secretary, demo["member_id"])) == 2


def test_msg_4_the_demo_branch_work_list_shows_a_registration_an_edit_and_the_transfer(demo: dict[str, str]) -> None:
    """Given the demo province as ./dev up loads it, and its stream read (as the local runner
    reads it; the work list's function alone), When the branch secretary reads the demo
    branch's work list, Then it holds the registration pending review, the edit request and the
    transfer step waiting on the branch, counted by kind, with names."""
    from tests.support import drain_stream
    from zhtj.transfers.reads import get as get_transfer
    from zhtj.worklist import reads as worklist

    # Given
    drain_stream(only="worklist_stream")
    # When
    counts, items, _ = worklist.work_list(principal(demo["branch_secretary"]), demo["branch_org_id"], None, None, 20)
    # Then
    shown = {(i.kind, i.id) for i in items}
    assert ("REGISTRATION", demo["pending_registration_id"]) in shown
    assert ("EDIT", demo["edit_request_id"]) in shown
    transfer = get_transfer(demo["transfer_member_id"], demo["transfer_id"])
    assert transfer.step_org_id == demo["branch_org_id"]
    assert ("TRANSFER", demo["transfer_id"]) in shown
    assert (counts["registration"], counts["edit"], counts["transfer"]) == (1, 1, 1)
    assert all(i.name for i in items) and items[0].deadline is not None


def test_reg_5_org_5_the_demo_has_a_registration_failed_twice_and_every_short_name_claimed(
    demo: dict[str, str],
) -> None:
    """Given the demo province, Then another branch than the demo branch (in 广州 at this scale)
    holds a registration whose real-name check failed twice (REG-5), which that branch's
    administrator (a demo login) may pass offline; and every active organisation holds its
    short name (ORG-5)."""
    from zhtj.orgs.naming import holder
    from zhtj.registration.models import Registration

    registration = Registration.get(keys.registration_pk(demo["failed_registration_id"]), keys.META)
    assert (registration.state, registration.real_name_state) == ("PENDING_REVIEW", "FAILED")
    assert registration.branch_id == demo["offline_branch_org_id"] != demo["branch_org_id"]
    admin = principal(demo["offline_branch_admin"])
    assert admin.acting_org_id == demo["offline_branch_org_id"] and ADMIN_ROLE in acting(admin).roles
    city = orgs.get_org(demo["city_org_id"])
    assert orgs.get_org(registration.branch_id).path.startswith(city.path)
    active = [o for o in all_orgs() if o.status == "ACTIVE"]
    assert all(holder(o.short_name) == o.org_id for o in active)
