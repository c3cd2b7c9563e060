"""The small province of the integration tests (`World`, `build_world`), built through the logic
layer itself, and members enrolled as the system makes them (`enrol`):

    root 广东团省委
    ├── 广州团市委 (city)            ── 广州市天河区团委 (county) ── 广州市天河区华景社区团支部 (branch, 3 members)
    │                                └── 广州市越秀区团委 (county, no children)
    ├── 深圳团市委 (city)            ── 深圳市福田区团委 (county) ── 深圳市福田区莲花团支部 (branch, 1 member)
    ├── 中山大学团委 (basic committee) ── 中山大学2024级计算机1班团支部 (class branch)
    └── (system org, ORG-7)

Each organisation has an administrator; `world.token(name)` acts for it, `world.principal(name)` too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tests.support.queues import drain_stream
from tests.support.sessions import bearer, new_applicant, session_token
from zhtj.accounts import service as accounts
from zhtj.accounts.models import Account
from zhtj.core.clock import now
from zhtj.orgs import service as orgs
from zhtj.orgs.rules import Level, NewOrg, OrgType, Sector
from zhtj.signin.tokens import Principal
from zhtj.table import keys


def org_body(org_type: OrgType, short: str, full: str, alias: str, **extra: Any) -> NewOrg:
    sector = extra.pop("sector", Sector.GOVERNMENT if org_type == OrgType.LEADING_ORGAN else Sector.COMMUNITY)
    return NewOrg(org_type=org_type, sector=sector, short_name=short, full_name=full, alias=alias, **extra)


@dataclass
class World:
    orgs: dict[str, str] = field(default_factory=dict)  # name -> org id
    admins: dict[str, str] = field(default_factory=dict)  # name -> account id
    members: dict[str, list[str]] = field(default_factory=dict)  # branch name -> member ids
    member_accounts: dict[str, str] = field(default_factory=dict)  # member id -> account id
    registration_id: str = ""  # a registration waiting for review, where a test makes one
    people: int = 0  # persons enrolled so far: each gets ID and development numbers of their own
    transfers: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (member id, transfer id)
    batch_id: str = ""
    # Access tokens opened in this test, by (account, acting organisation): one session each.
    tokens: dict[tuple[str, str | None], str] = field(default_factory=dict)

    def principal(self, name: str) -> Principal:
        return Principal(self.admins[name], self.orgs[name])

    def session(self, account_id: str, org_id: str | None) -> str:
        """An access token of a session of `account_id` acting for `org_id` (None: as itself)."""
        key = (account_id, org_id)
        if key not in self.tokens:
            self.tokens[key] = session_token(account_id, org_id)
        return self.tokens[key]

    def token(self, name: str) -> str:
        return self.session(self.admins[name], self.orgs[name])

    def headers(self, name: str) -> dict[str, str]:
        return bearer(self.token(name))

    def account_headers(self, account_id: str) -> dict[str, str]:
        """Headers of the account's own session (acting for no organisation)."""
        return bearer(self.session(account_id, None))


def build_world() -> World:
    world = World()
    province = orgs.bootstrap_province("广东团省委", "中国共产主义青年团广东省委员会", "广东团省委", "广东省")
    world.orgs["root"] = province.root.org_id
    world.orgs["system"] = province.system_org.org_id
    root_admin = Account(keys.account_pk("u-root"), keys.META, account_id="u-root", name="省管理员", created_at=now())
    root_admin.save()
    accounts.new_grant("u-root", province.root.org_id, "管理员").save()
    world.admins["root"] = "u-root"

    def child(parent: str, name: str, body: NewOrg) -> None:
        created = orgs.create_child(world.principal(parent), world.orgs[parent], body)
        world.orgs[name] = created.org_id
        account, _ = accounts.create_admin_account(
            world.principal("root"), created.org_id, f"{name}管理员", f"+861370000{len(world.admins):04d}"
        )
        # The test province's administrators have changed their initial passwords (ACCT-6).
        account.update(actions=[Account.must_change_password.set(False)])
        world.admins[name] = account.account_id

    lead, basic, branch = OrgType.LEADING_ORGAN, OrgType.BASIC_COMMITTEE, OrgType.BRANCH
    child(
        "root",
        "gz",
        org_body(
            lead, "广州团市委", "中国共产主义青年团广州市委员会", "广州团市委", level=Level.CITY, region_name="广州市"
        ),
    )
    child(
        "root",
        "sz",
        org_body(
            lead, "深圳团市委", "中国共产主义青年团深圳市委员会", "深圳团市委", level=Level.CITY, region_name="深圳市"
        ),
    )
    child(
        "root",
        "sysu",
        org_body(basic, "中山大学团委", "中国共产主义青年团中山大学委员会", "中大团委", sector=Sector.UNIVERSITY),
    )
    child(
        "gz",
        "tianhe",
        org_body(
            lead,
            "广州市天河区团委",
            "中国共产主义青年团广州市天河区委员会",
            "天河团区委",
            level=Level.COUNTY,
            region_name="广州市天河区",
        ),
    )
    child(
        "gz",
        "yuexiu",
        org_body(
            lead,
            "广州市越秀区团委",
            "中国共产主义青年团广州市越秀区委员会",
            "越秀团区委",
            level=Level.COUNTY,
            region_name="广州市越秀区",
        ),
    )
    child(
        "tianhe",
        "huajing",
        org_body(
            branch, "广州市天河区华景社区团支部", "中国共产主义青年团广州市天河区华景社区支部委员会", "华景社区团支部"
        ),
    )
    child(
        "sz",
        "futian",
        org_body(
            lead,
            "深圳市福田区团委",
            "中国共产主义青年团深圳市福田区委员会",
            "福田团区委",
            level=Level.COUNTY,
            region_name="深圳市福田区",
        ),
    )
    child(
        "futian",
        "lianhua",
        org_body(branch, "深圳市福田区莲花团支部", "中国共产主义青年团深圳市福田区莲花支部委员会", "莲花团支部"),
    )
    child(
        "sysu",
        "cs2024",
        org_body(
            branch,
            "中山大学2024级计算机1班团支部",
            "中国共产主义青年团中山大学计算机学院2024级1班支部委员会",
            "计算机1班",
            sector=Sector.UNIVERSITY,
            class_branch=True,
            entry_year=2024,
        ),
    )
    with without_cards() as made:
        for branch_name, names in (("huajing", ("林晓华", "黄志强", "陈美玲")), ("lianhua", ("周文杰",))):
            world.members[branch_name] = [enrol(world, branch_name, name) for name in names]
            made += world.members[branch_name]
    drain_stream()  # the statistics of the world as built (STAT-1)
    return world


def world_registrations(world: World) -> set[str]:
    """The registrations the world's members came from (approved as it was built)."""
    from zhtj.members.models import Member

    wanted = [(keys.member_pk(m), keys.META) for ids in world.members.values() for m in ids]
    return {m.registration_id for m in Member.batch_get(wanted) if m.registration_id}


def han_number(number: int) -> str:
    """A number in Chinese digits, for generated names (a name holds no Arabic digits, REG-1)."""
    return str(number).translate(str.maketrans("0123456789", "零一二三四五六七八九"))


def enrol(world: World, branch: str, name: str, born: date | None = None) -> str:
    """A member as the system makes one (REV-3): a registration with a verified ID number, written
    as the registration worker writes it and approved by the branch's administrator. Each call is
    another person (ID number and development number of their own, outside the ranges tests
    type by hand; born in 2001 unless `born` says otherwise); admitted this month, so no dues
    are owed yet. Returns the member id and
    records the member's account in `world.member_accounts`."""
    from zhtj.core.clock import new_id, today_in_china
    from zhtj.core.identity import check_character
    from zhtj.members.models import Member
    from zhtj.registration import service as registration
    from zhtj.registration.messages import WriteRegistration
    from zhtj.registration.rules import Submission, check_submission
    from zhtj.table import pii

    world.people += 1
    person, today = world.people, today_in_china()
    birth = born or date(2001, 1, 1) + timedelta(days=person // 1000)
    body = f"440111{birth:%Y%m%d}{person % 1000:03d}"
    facts = check_submission(
        Submission(
            name=name,
            id_number=body + check_character(body),
            ethnicity="01",
            political_status="03",
            join_month=f"{today:%Y-%m}",
            is_cadre=False,
            development_number=f"{today.year}ZT{person:06d}",
        ),
        today,
    )
    registration_id = new_id("r")
    account_id, _ = new_applicant(name=name)
    registration.apply_submission(
        WriteRegistration(
            registration_id=registration_id,
            account_id=account_id,
            branch_id=world.orgs[branch],
            previous_id=None,
            submitted_at=now().isoformat(),
            person=registration.person_fields(facts, registration_id, pii.blind_index(facts.identity.id_number)),
        )
    )
    member_id = registration.approve(world.principal(branch), registration_id).member_id
    assert member_id
    assert Member.get(keys.member_pk(member_id), keys.META).account_id == account_id
    world.member_accounts[member_id] = account_id
    return member_id


@contextmanager
def without_cards() -> Iterator[list[str]]:
    """The members enrolled inside (their ids appended to the yielded list) start without a card:
    what approval starts for a card (CARD-1: the card marked due, its announcement queued) is not
    sent, then taken back. The card tests count content versions and renders from a member's
    first change."""
    from zhtj.cards import due as card_due

    made: list[str] = []
    announce = card_due.notify
    card_due.notify = lambda *_, **__: None  # type: ignore[assignment]
    try:
        yield made
    finally:
        card_due.notify = announce
    for member_id in made:
        card_due.state_key(member_id).delete()
