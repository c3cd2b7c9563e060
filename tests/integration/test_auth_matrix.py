"""The authorization matrix: every route x caller (own / child / sibling / ancestor
organisation, plain member, no token, bad token), through the HTTP API.

The expected answer of each cell follows from logic.auth.POLICY: OWN_OR_BELOW admits the
target's own administrator and every ancestor's; BELOW only strict ancestors; PROVINCE
only the root. A test fails if a route exists that the matrix does not cover.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app import app
from chalicelib.http import declared_routes
from tests.support import World, build_world, call, pay_dues
from tests.support.sessions import applicant_principal, session_token
from zhtj.orgs.authz import POLICY, Reach


@dataclass(frozen=True)
class Case:
    action: str | None  # POLICY key; None for public routes and the caller's own account
    target: str  # the organisation (world name) the action reaches
    path: Callable[[World], str]
    body: Callable[[World], Any] | None = None
    # Callers a rule narrows further than POLICY (REV-2: only the branch reviews until escalation).
    only: frozenset[str] | None = None


def _version(world: World, name: str) -> int:
    from zhtj.orgs.authz import get_org

    return int(get_org(world.orgs[name]).version)


REVIEWERS = frozenset({"huajing"})
# DEL-1/EDIT-4: the city-level committee above 华景 (广州团市委) collects and applies.
CITY_LEVEL = frozenset({"gz"})
# PARTY-1: the committee directly above 华景 (天河) decides its recommendations.
PARTY_REVIEWERS = frozenset({"tianhe"})


# The target in every case is 天河 (a county under 广州): its own admin is "tianhe", its child
# "huajing", a sibling "yuexiu", its parent "gz", the root "root"; "sz" is in another city.
CASES: dict[tuple[str, str], Case] = {
    ("GET", "/orgs/{org_id}"): Case("org.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}"),
    ("GET", "/orgs/{org_id}/children"): Case("org.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/children"),
    ("POST", "/orgs/{org_id}/children"): Case(
        "org.create_child",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/children",
        lambda w: {
            "org_type": "BRANCH",
            "sector": "COMMUNITY",
            "short_name": "广州市天河区棠下团支部",
            "full_name": "中国共产主义青年团广州市天河区棠下支部委员会",
            "alias": "棠下团支部",
        },
    ),
    ("POST", "/orgs/{org_id}/children/name-check"): Case(
        "org.create_child",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/children/name-check",
        lambda w: {"org_type": "BRANCH", "short_name": "广州市天河区棠下团支部", "alias": "棠下团支部"},
    ),
    # Editing an organisation (orgs/editing.py): those above it; the body changes nothing (its
    # sector as it is), so that the matrix's calls leave the world as it was.
    ("PATCH", "/orgs/{org_id}"): Case(
        "org.edit",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}",
        lambda w: {"version": _version(w, "tianhe"), "sector": "GOVERNMENT"},
    ),
    ("POST", "/orgs/{org_id}/name-check"): Case(
        "org.edit",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/name-check",
        lambda w: {"short_name": "广州市天河区团委"},
    ),
    # WEB-2: a branch's registration QR poster, the roster export, a member's full ID number
    # (the member's branch alone, as REV-1 has it for a registration).
    ("GET", "/orgs/{org_id}/join-poster"): Case(
        "org.join_poster", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/join-poster?format=png"
    ),
    ("POST", "/orgs/{org_id}/members/xlsx"): Case(
        "member.export", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/members/xlsx"
    ),
    ("GET", "/members/{member_id}/id-number"): Case(
        "member.reveal_id_number", "huajing", lambda w: f"/members/{w.members['huajing'][0]}/id-number", only=REVIEWERS
    ),
    ("GET", "/orgs/{org_id}/subtree"): Case("org.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/subtree"),
    ("GET", "/orgs/{org_id}/search"): Case("org.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/search?q=华景"),
    ("POST", "/orgs/{org_id}/move"): Case(
        "org.move",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/move",
        lambda w: {"new_parent_id": w.orgs["gz"], "reason": "x"},  # same parent: 400 once authorized
    ),
    ("GET", "/tree-jobs/{job_id}"): Case(None, "tianhe", lambda w: "/tree-jobs/jnone"),
    ("POST", "/orgs/{org_id}/dissolve"): Case(
        "org.dissolve", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/dissolve", lambda w: {"reason": "x"}
    ),
    ("POST", "/orgs/{org_id}/merge"): Case(
        "org.merge",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/merge",
        lambda w: {"into_org_id": w.orgs["huajing"], "reason": "x"},
    ),
    ("GET", "/orgs/{org_id}/findings"): Case("org.findings", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/findings"),
    # MSG-4 (chalicelib/worklist/): an organisation's work list, read by it and those above it.
    ("GET", "/orgs/{org_id}/work-list"): Case(
        "org.work_list", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/work-list"
    ),
    ("GET", "/orgs/{org_id}/findings/summary"): Case(
        "org.findings", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/findings/summary"
    ),
    ("GET", "/orgs/{org_id}/findings/history"): Case(
        "org.findings", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/findings/history"
    ),
    # STAT-1..2: subtree figures, the daily bulletin, sector targets; SWEEP runs.
    ("GET", "/orgs/{org_id}/stats"): Case("stats.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/stats"),
    ("GET", "/orgs/{org_id}/life-stats/children"): Case(
        "stats.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/life-stats/children"
    ),
    ("GET", "/orgs/{org_id}/bulletin"): Case("stats.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/bulletin"),
    ("POST", "/orgs/{org_id}/bulletin/xlsx"): Case(
        "stats.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/bulletin/xlsx"
    ),
    ("PUT", "/orgs/{org_id}/sector-targets"): Case(
        "stats.targets_set",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/sector-targets",
        lambda w: {"sector": "COMMUNITY", "expected": 100, "target_percent": 70},
    ),
    ("GET", "/orgs/{org_id}/sector-progress"): Case(
        "stats.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/sector-progress"
    ),
    ("POST", "/sweeps"): Case("sweep.start", "root", lambda w: "/sweeps", lambda w: {"segments": 1}),
    ("GET", "/sweeps/{run_id}"): Case(None, "tianhe", lambda w: "/sweeps/swnone"),
    ("GET", "/system-org"): Case("system_org.read", "root", lambda w: "/system-org"),
    ("POST", "/orgs/{org_id}/admin-accounts"): Case(
        "org.create_admin",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/admin-accounts",
        lambda w: {"name": "新管理员", "phone": "13700009999"},
    ),
    ("POST", "/orgs/{org_id}/cadre-invitations"): Case(
        "cadre.invite",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/cadre-invitations",
        lambda w: {"name": "张三", "phone": "13700008888", "position": "委员"},
    ),
    ("POST", "/members/{member_id}/reset-codes"): Case(
        "member.reset_code", "huajing", lambda w: f"/members/{w.members['huajing'][0]}/reset-codes"
    ),
    ("GET", "/orgs/{org_id}/grants"): Case("org.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/grants"),
    ("POST", "/orgs/{org_id}/grants"): Case(
        "org.grant_position",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/grants",
        lambda w: {"account_id": w.member_accounts[w.members["huajing"][0]], "role": "委员"},
    ),
    ("POST", "/orgs/{org_id}/grants/revoke"): Case(
        "org.grant_position",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/grants/revoke",
        lambda w: {"account_id": w.member_accounts[w.members["huajing"][0]], "role": "委员"},
    ),
    ("GET", "/orgs/{org_id}/members"): Case("member.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/members"),
    ("GET", "/members/{member_id}"): Case("member.read", "huajing", lambda w: f"/members/{w.members['huajing'][0]}"),
    ("GET", "/orgs/{org_id}/audit"): Case("org.audit", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/audit"),
    # CARD-2: the member's branch and every organisation above it download the card.
    ("GET", "/members/{member_id}/card"): Case(
        "card.read", "huajing", lambda w: f"/members/{w.members['huajing'][0]}/card"
    ),
    ("GET", "/members/{member_id}/audit"): Case(
        "member.audit", "huajing", lambda w: f"/members/{w.members['huajing'][0]}/audit"
    ),
    ("GET", "/orgs/{org_id}/registrations"): Case(
        "registration.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/registrations"
    ),
    ("GET", "/registrations/{registration_id}"): Case(
        "registration.read", "huajing", lambda w: f"/registrations/{w.registration_id}"
    ),
    ("POST", "/registrations/{registration_id}/approve"): Case(
        "registration.review", "huajing", lambda w: f"/registrations/{w.registration_id}/approve", only=REVIEWERS
    ),
    ("POST", "/registrations/{registration_id}/return"): Case(
        "registration.review",
        "huajing",
        lambda w: f"/registrations/{w.registration_id}/return",
        lambda w: {"reason": "信息有误"},
        only=REVIEWERS,
    ),
    ("POST", "/registrations/{registration_id}/offline-photo"): Case(
        "registration.review", "huajing", lambda w: f"/registrations/{w.registration_id}/offline-photo", only=REVIEWERS
    ),
    ("POST", "/registrations/{registration_id}/offline-pass"): Case(
        "registration.review",
        "huajing",
        lambda w: f"/registrations/{w.registration_id}/offline-pass",
        lambda w: {"note": "已核对", "photo_key": "offline-checks/x.jpg"},
        only=REVIEWERS,
    ),
    ("GET", "/registrations/{registration_id}/id-number"): Case(
        "registration.review", "huajing", lambda w: f"/registrations/{w.registration_id}/id-number", only=REVIEWERS
    ),
    ("GET", "/orgs/{org_id}/overdue-reviews"): Case(
        "registration.overdue", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/overdue-reviews"
    ),
    ("PUT", "/calendar/{year}"): Case(
        "calendar.load", "root", lambda w: "/calendar/2031", lambda w: {"holidays": ["2031-01-01"], "workdays": []}
    ),
    ("PUT", "/registration-waves"): Case("waves.set", "root", lambda w: "/registration-waves", lambda w: {"opens": {}}),
    # EDIT / DEL / EXIT (chalicelib/changes/). Member-scoped routes name 华景's second member
    # (the member token of these tests is the first's); each body fails only after
    # authorization (no open request, a future date, a missing explanation), so the matrix
    # changes nothing.
    ("GET", "/members/{member_id}/edit-requests"): Case(
        "member.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/edit-requests"
    ),
    ("GET", "/orgs/{org_id}/edit-requests"): Case(
        "member.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/edit-requests"
    ),
    ("POST", "/members/{member_id}/edit-request/approve"): Case(
        "member.edit_review", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/edit-request/approve"
    ),
    ("POST", "/members/{member_id}/edit-request/return"): Case(
        "member.edit_review",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/edit-request/return",
        lambda w: {"reason": "与档案不符"},
    ),
    ("POST", "/members/{member_id}/join-month-application"): Case(
        "member.join_month_apply",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/join-month-application",
        lambda w: {"join_month": "2999-01", "explanation": "经核实误填"},
        only=CITY_LEVEL,
    ),
    ("POST", "/members/{member_id}/join-month-application/approve"): Case(
        "member.join_month_approve",
        "root",
        lambda w: f"/members/{w.members['huajing'][1]}/join-month-application/approve",
    ),
    ("POST", "/members/{member_id}/join-month-application/return"): Case(
        "member.join_month_approve",
        "root",
        lambda w: f"/members/{w.members['huajing'][1]}/join-month-application/return",
        lambda w: {"reason": "x"},
    ),
    ("GET", "/join-month-applications"): Case(
        "member.join_month_approve", "root", lambda w: "/join-month-applications"
    ),
    ("PUT", "/join-date-windows"): Case(
        "join_date_windows.set", "root", lambda w: "/join-date-windows", lambda w: {"windows": []}
    ),
    ("POST", "/members/{member_id}/deletion"): Case(
        "member.delete_request",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/deletion",
        lambda w: {"reason": "误审核", "cause": "WRONG_APPROVAL"},  # no written explanation: 400
    ),
    ("POST", "/members/{member_id}/deletion/forward"): Case(
        "member.delete_forward",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/deletion/forward",
        only=CITY_LEVEL,
    ),
    ("POST", "/members/{member_id}/deletion/approve"): Case(
        "member.delete_approve", "root", lambda w: f"/members/{w.members['huajing'][1]}/deletion/approve"
    ),
    ("POST", "/members/{member_id}/deletion/return"): Case(
        "member.delete_return",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/deletion/return",
        lambda w: {"reason": "x"},
        only=CITY_LEVEL | {"root"},
    ),
    ("GET", "/orgs/{org_id}/deletion-requests"): Case(
        "member.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/deletion-requests"
    ),
    ("GET", "/deletion-requests"): Case("member.delete_approve", "root", lambda w: "/deletion-requests"),
    ("POST", "/deletion-requests/return-all"): Case(
        "member.delete_approve", "root", lambda w: "/deletion-requests/return-all", lambda w: {"reason": "重新核查"}
    ),
    ("POST", "/members/{member_id}/exit"): Case(
        "member.exit_apply",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/exit",
        lambda w: {"kind": "VOLUNTARY", "resolution_date": "2999-01-01", "resolution": "支部大会决议"},
    ),
    ("POST", "/members/{member_id}/exit/approve"): Case(
        "member.exit_approve", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/exit/approve"
    ),
    ("POST", "/members/{member_id}/exit/return"): Case(
        "member.exit_approve",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/exit/return",
        lambda w: {"reason": "x"},
    ),
    ("POST", "/members/{member_id}/restore"): Case(
        "member.restore", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/restore", lambda w: {"reason": "x"}
    ),
    ("GET", "/orgs/{org_id}/exit-requests"): Case(
        "member.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/exit-requests"
    ),
    ("GET", "/orgs/{org_id}/age-out-candidates"): Case(
        "member.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/age-out-candidates"
    ),
    ("GET", "/orgs/{org_id}/former-members"): Case(
        "member.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/former-members"
    ),
    # IMPORT (chalicelib/imports/routes.py): 天河 imports for its branches; its import waits for a file,
    # so starting it fails after authorization (no file uploaded) and its report is not ready.
    ("GET", "/orgs/{org_id}/import-template"): Case(
        "import.create", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/import-template"
    ),
    ("POST", "/orgs/{org_id}/imports"): Case(
        "import.create", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/imports", lambda w: {"file_name": "团员.xlsx"}
    ),
    ("GET", "/orgs/{org_id}/imports"): Case("import.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/imports"),
    ("GET", "/imports/{import_id}"): Case("import.read", "tianhe", lambda w: f"/imports/{tianhe_import(w)}"),
    ("POST", "/imports/{import_id}/start"): Case(
        "import.create", "tianhe", lambda w: f"/imports/{tianhe_import(w)}/start"
    ),
    ("GET", "/imports/{import_id}/report"): Case(
        "import.read", "tianhe", lambda w: f"/imports/{tianhe_import(w)}/report"
    ),
    # DUES (chalicelib/dues/routes.py). Member routes name 华景's second member: the member-token test
    # signs in as the first, who may read only their own dues. Orders: an unknown id is 404 to all.
    ("GET", "/members/{member_id}/dues/bill"): Case(
        "dues.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/dues/bill"
    ),
    ("GET", "/members/{member_id}/dues/orders"): Case(
        "dues.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/dues/orders"
    ),
    ("GET", "/members/{member_id}/dues/paid-months"): Case(
        "dues.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/dues/paid-months"
    ),
    ("GET", "/dues/orders/{order_id}"): Case(None, "tianhe", lambda w: "/dues/orders/dnone"),
    ("POST", "/orgs/{branch_id}/dues/reminders"): Case(
        "dues.remind",
        "huajing",
        lambda w: f"/orgs/{w.orgs['huajing']}/dues/reminders",
        lambda w: {"member_ids": [w.members["huajing"][0]]},
    ),
    ("POST", "/dues/orders/{order_id}/cancel"): Case(None, "tianhe", lambda w: "/dues/orders/dnone/cancel"),
    ("POST", "/orgs/{org_id}/dues/pay"): Case(
        "dues.pay_for_members",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/dues/pay",
        lambda w: {"provider": "wechatpay", "member_ids": [w.members["huajing"][0]]},  # nothing owed: 409
    ),
    ("GET", "/orgs/{org_id}/dues/orders"): Case(
        "dues.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/dues/orders"
    ),
    ("GET", "/orgs/{org_id}/dues/statistics"): Case(
        "dues.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/dues/statistics?year=2026"
    ),
    ("GET", "/orgs/{org_id}/dues/ledger"): Case(
        "dues.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/dues/ledger?month=2026-11"
    ),
    ("GET", "/orgs/{org_id}/dues/share"): Case("dues.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/dues/share"),
    ("PUT", "/orgs/{org_id}/dues/share"): Case(
        "dues.share_set",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/dues/share",
        lambda w: {"retention_percent": "10"},
    ),
    ("GET", "/orgs/{org_id}/dues/owing"): Case(
        "dues.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/dues/owing"
    ),
    ("GET", "/orgs/{org_id}/dues/lapsing"): Case(
        "dues.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/dues/lapsing"
    ),
    ("POST", "/dues/standards"): Case(
        "dues.standard_set",
        "root",
        lambda w: "/dues/standards",
        lambda w: {"valid_from": "2030-01", "name": "x", "document": "x", "rules": {}},  # incomplete: 400
    ),
    ("GET", "/dues/reconciliation"): Case("dues.reconciliation_read", "root", lambda w: "/dues/reconciliation"),
    ("GET", "/dues/anomalies"): Case("dues.reconciliation_read", "root", lambda w: "/dues/anomalies?month=2026-11"),
    # XFER (chalicelib/transfers/routes.py). Transfer A (华景's second member to 中大 cs2024, started by
    # 华景) waits on 华景's step; B (the third member) is withdrawn by the first caller allowed.
    # Bodies fail after authorization (a wrong step, a paper ground, no appeal pending).
    ("PUT", "/transfer-chain"): Case(
        "transfer.chain_set",
        "root",
        lambda w: "/transfer-chain",
        lambda w: {"steps": [{"side": "FROM", "up": 0}, {"side": "TO", "up": 0}], "response_hours": 1},
    ),
    ("POST", "/members/{member_id}/transfers"): Case(
        "transfer.start",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][0]}/transfers",
        lambda w: {"cause": "EMPLOYMENT", "to_branch_id": w.orgs["huajing"]},
    ),
    ("GET", "/members/{member_id}/transfers"): Case(
        "member.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/transfers"
    ),
    # XFER-2: a proposal names the receiving branch (here 华景 itself, the member's own branch:
    # refused once authorized); test_xfer_2_who_starts_and_who_proposes walks the other targets.
    ("POST", "/members/{member_id}/transfer-proposals"): Case(
        "transfer.propose",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][0]}/transfer-proposals",
        lambda w: {"cause": "EMPLOYMENT", "to_branch_id": w.orgs["huajing"]},
    ),
    ("GET", "/orgs/{org_id}/transfer-proposals"): Case(
        "transfer.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/transfer-proposals"
    ),
    ("GET", "/members/{member_id}/transfers/{transfer_id}"): Case(
        "transfer.read", "huajing", lambda w: transfer_path(w, "A")
    ),
    ("POST", "/members/{member_id}/transfers/{transfer_id}/approve"): Case(
        "transfer.act", "huajing", lambda w: f"{transfer_path(w, 'A')}/approve", lambda w: {"step": 3}, only=REVIEWERS
    ),
    ("POST", "/members/{member_id}/transfers/{transfer_id}/return"): Case(
        "transfer.act",
        "huajing",
        lambda w: f"{transfer_path(w, 'A')}/return",
        lambda w: {"step": 0, "code": "OTHER", "reason": "缺少纸质介绍信"},
        only=REVIEWERS,
    ),
    ("POST", "/members/{member_id}/transfers/{transfer_id}/appeal-decision"): Case(
        "transfer.act",
        "huajing",
        lambda w: f"{transfer_path(w, 'A')}/appeal-decision",
        lambda w: {"grant": False, "reason": "x"},
        only=REVIEWERS,
    ),
    ("POST", "/members/{member_id}/transfers/{transfer_id}/withdraw"): Case(
        "transfer.start", "huajing", lambda w: f"{transfer_path(w, 'B')}/withdraw", lambda w: {"reason": "不转了"}
    ),
    ("POST", "/members/{member_id}/transfers/{transfer_id}/appeal"): Case(
        "transfer.start", "huajing", lambda w: f"{transfer_path(w, 'A')}/appeal", lambda w: {"reason": "x"}
    ),
    ("POST", "/members/{member_id}/transfers/{transfer_id}/appeal-upload"): Case(
        "transfer.start",
        "huajing",
        lambda w: f"{transfer_path(w, 'A')}/appeal-upload",
        lambda w: {"content_type": "application/pdf"},
    ),
    ("GET", "/orgs/{org_id}/transfer-inbox"): Case(
        "transfer.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/transfer-inbox"
    ),
    ("GET", "/orgs/{org_id}/transfer-stats/children"): Case(
        "transfer.stats", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/transfer-stats/children"
    ),
    ("GET", "/orgs/{org_id}/transfer-stats"): Case(
        "transfer.stats", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/transfer-stats"
    ),
    ("POST", "/orgs/{org_id}/graduation"): Case(
        "transfer.graduation_set",
        "huajing",
        lambda w: f"/orgs/{w.orgs['huajing']}/graduation",
        lambda w: {"graduation_date": "2020-07-01"},
    ),
    ("POST", "/members/{member_id}/delayed-graduation"): Case(
        "transfer.graduation_set",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][0]}/delayed-graduation",
        lambda w: {"delayed": False},
    ),
    ("POST", "/orgs/{org_id}/transfer-batches"): Case(
        "transfer.start",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/transfer-batches",
        lambda w: {
            "rows": [{"member_id": "m1", "to_branch_id": "o1", "cause": "EMPLOYMENT"}] * 2  # duplicate: refused
        },
    ),
    ("GET", "/transfer-batches/{batch_id}"): Case(
        "transfer.read", "tianhe", lambda w: f"/transfer-batches/{w.batch_id}"
    ),
    ("POST", "/orgs/{org_id}/incoming-transfers"): Case(
        "transfer.receive",
        "huajing",
        lambda w: f"/orgs/{w.orgs['huajing']}/incoming-transfers",
        lambda w: {
            "name": "李外来",
            "id_number": "11010519491231002X",
            "join_month": "2019-05-01",
            "letter_number": "湘团转〔2026〕12号",
            "from_organisation": "湖南省长沙市某团支部",
        },  # joined 2019 without a development number: XFER-5 refuses after authorization
    ),
    ("GET", "/orgs/{org_id}/incoming-transfers"): Case(
        "transfer.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/incoming-transfers"
    ),
    # AWARD and the annual records (chalicelib/awards/, annual/). Bodies fail after authorization (a
    # document or service date in the future, the year 2999, an unknown award or declaration,
    # an attachment type refused), so the matrix writes nothing.
    ("POST", "/members/{member_id}/awards"): Case(
        "award.enter",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/awards",
        lambda w: {"kind": "REWARD", "title": "优秀团员", "document_number": "1号", "document_date": "2999-01-01"},
    ),
    ("GET", "/members/{member_id}/awards"): Case(
        "member.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/awards"
    ),
    ("POST", "/members/{member_id}/awards/{award_id}/release"): Case(
        "award.enter",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/awards/wnone/release",
        lambda w: {"released_on": "2020-01-01"},
    ),
    ("POST", "/orgs/{org_id}/awards"): Case(
        "award.enter",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/awards",
        lambda w: {
            "kind": "REWARD",
            "title": "优秀团员",
            "document_number": "穗团〔2999〕1号",
            "document_date": "2999-01-01",
            "member_ids": [w.members["huajing"][1]],
        },
    ),
    ("GET", "/orgs/{org_id}/awards"): Case("award.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/awards"),
    ("POST", "/orgs/{org_id}/award-upload"): Case(
        "award.enter",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/award-upload",
        lambda w: {"content_type": "text/x"},
    ),
    ("POST", "/members/{member_id}/award-declarations/{declaration_id}/approve"): Case(
        "award.review", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/award-declarations/wdnone/approve"
    ),
    ("POST", "/members/{member_id}/award-declarations/{declaration_id}/return"): Case(
        "award.review",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/award-declarations/wdnone/return",
        lambda w: {"reason": "x"},
    ),
    ("GET", "/orgs/{org_id}/award-declarations"): Case(
        "award.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/award-declarations"
    ),
    ("POST", "/orgs/{org_id}/annual-registrations/{year}"): Case(
        "annual.register", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/annual-registrations/2999", lambda w: {}
    ),
    ("GET", "/orgs/{org_id}/annual-registrations/{year}"): Case(
        "evaluation.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/annual-registrations/2999"
    ),
    ("GET", "/members/{member_id}/annual-records"): Case(
        "member.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/annual-records"
    ),
    ("POST", "/orgs/{org_id}/evaluations/{year}"): Case(
        "evaluation.propose",
        "huajing",
        lambda w: f"/orgs/{w.orgs['huajing']}/evaluations/2999",
        lambda w: {"grades": {}},
    ),
    ("GET", "/orgs/{org_id}/evaluations/{year}"): Case(
        "evaluation.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/evaluations/2999"
    ),
    ("POST", "/orgs/{org_id}/evaluations/{year}/certify"): Case(
        "evaluation.certify", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/evaluations/2999/certify"
    ),
    ("POST", "/orgs/{org_id}/evaluations/{year}/return"): Case(
        "evaluation.certify",
        "huajing",
        lambda w: f"/orgs/{w.orgs['huajing']}/evaluations/2999/return",
        lambda w: {"reason": "x"},
    ),
    ("GET", "/orgs/{org_id}/evaluation-proposals/{year}"): Case(
        "evaluation.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/evaluation-proposals/2999"
    ),
    ("POST", "/members/{member_id}/volunteer-hours"): Case(
        "volunteer.record",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/volunteer-hours",
        lambda w: {"activity": "社区服务", "served_on": "2999-01-01", "tenths_of_hours": 20},
    ),
    ("GET", "/members/{member_id}/volunteer-hours"): Case(
        "member.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/volunteer-hours"
    ),
    # STAT-3: the scope searched is the target (tests/integration/search/test_search.py walks the answers).
    ("POST", "/search"): Case(
        "search.run", "tianhe", lambda w: "/search", lambda w: {"q": "团员", "org_id": w.orgs["tianhe"]}
    ),
    # LIFE-1 (chalicelib/life/): the branch and the organisations above it record and read. Bodies
    # fail after authorization (a GIF, a meeting held in 2999).
    ("POST", "/orgs/{org_id}/life-photos"): Case(
        "life.record",
        "huajing",
        lambda w: f"/orgs/{w.orgs['huajing']}/life-photos",
        lambda w: {"content_type": "image/gif"},
    ),
    ("POST", "/orgs/{org_id}/life-meetings"): Case(
        "life.record",
        "huajing",
        lambda w: f"/orgs/{w.orgs['huajing']}/life-meetings",
        lambda w: {
            "kind": "LECTURE",
            "held_on": "2999-01-01",
            "topic": "团课",
            "minutes": "x",
            "attendees": [{"member_id": w.members["huajing"][0], "present": True}],
        },
    ),
    ("GET", "/orgs/{org_id}/life-meetings"): Case(
        "life.read", "huajing", lambda w: f"/orgs/{w.orgs['huajing']}/life-meetings"
    ),
    ("GET", "/life-meetings/{meeting_id}"): Case(
        "life.read", "huajing", lambda w: f"/life-meetings/{huajing_meeting(w)}"
    ),
    # MSG-3 (chalicelib/notices/): the publisher 天河 and the organisations above it publish for it
    # and read its read counts. The publishing body names an organisation that is no child (400
    # once authorized), so nothing is written.
    ("POST", "/orgs/{org_id}/notice-attachments"): Case(
        "notice.publish",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/notice-attachments",
        lambda w: {"content_type": "application/pdf"},
    ),
    ("POST", "/orgs/{org_id}/notices"): Case(
        "notice.publish",
        "tianhe",
        lambda w: f"/orgs/{w.orgs['tianhe']}/notices",
        lambda w: {"title": "通知", "body": "正文", "audience": "CHILDREN", "child_ids": ["onone"]},
    ),
    ("GET", "/orgs/{org_id}/notices"): Case("notice.manage", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/notices"),
    ("GET", "/notices/{notice_id}/read-counts"): Case(
        "notice.manage", "tianhe", lambda w: f"/notices/{tianhe_notice(w)}/read-counts"
    ),
    # PARTY-1 (chalicelib/party/): the branch (or above) proposes; the committee directly above
    # the branch (天河) decides. The proposal cites no recorded meeting: refused after authorization.
    ("GET", "/members/{member_id}/party-grounds"): Case(
        "party.propose", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/party-grounds"
    ),
    ("POST", "/members/{member_id}/party-recommendations"): Case(
        "party.propose",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/party-recommendations",
        lambda w: {"meeting_id": "lmnone", "grounds": "x"},
    ),
    ("GET", "/members/{member_id}/party-recommendations"): Case(
        "member.read", "huajing", lambda w: f"/members/{w.members['huajing'][1]}/party-recommendations"
    ),
    ("POST", "/members/{member_id}/party-recommendations/{recommendation_id}/approve"): Case(
        "party.review",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/party-recommendations/prnone/approve",
        only=PARTY_REVIEWERS,
    ),
    ("POST", "/members/{member_id}/party-recommendations/{recommendation_id}/return"): Case(
        "party.review",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/party-recommendations/prnone/return",
        lambda w: {"reason": "x"},
        only=PARTY_REVIEWERS,
    ),
    ("GET", "/orgs/{org_id}/party-recommendations"): Case(
        "party.read", "tianhe", lambda w: f"/orgs/{w.orgs['tianhe']}/party-recommendations"
    ),
    # DUES-5 (chalicelib/dues/offline.py): the province sets the start month (its own value
    # again); the member's branch or above records offline months (no receipt: refused after
    # authorization).
    ("PUT", "/dues/online-start"): Case(
        "dues.standard_set",
        "root",
        lambda w: "/dues/online-start",
        lambda w: {"start_month": "2018-09", "effective_from": "2018-09-01", "document": "团粤发〔2018〕15号"},
    ),
    ("POST", "/members/{member_id}/dues/offline-receipt"): Case(
        "dues.offline_record",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/dues/offline-receipt",
        lambda w: {"content_type": "image/gif"},
    ),
    ("POST", "/members/{member_id}/dues/offline-months"): Case(
        "dues.offline_record",
        "huajing",
        lambda w: f"/members/{w.members['huajing'][1]}/dues/offline-months",
        lambda w: {"first_month": "2019-01", "last_month": "2019-01", "note": "x", "receipt_key": "none.jpg"},
    ),
}


def huajing_meeting(world: World) -> str:
    """A meeting 华景 recorded, made once per matrix world."""
    if not hasattr(world, "meeting_id"):
        from zhtj.core import clock
        from zhtj.life import service as life
        from zhtj.life.rules import MeetingKind

        entry = life.MeetingEntry(
            MeetingKind.LECTURE,
            clock.today_in_china(),
            "团课",
            "x",
            [life.Attendee(world.members["huajing"][0], True)],
            [],
        )
        world.meeting_id = life.record(world.principal("huajing"), world.orgs["huajing"], entry).meeting_id
    return str(world.meeting_id)


def tianhe_notice(world: World) -> str:
    """A notice 天河 published to its subtree, made once per matrix world."""
    if not hasattr(world, "notice_id"):
        from zhtj.notices import publishing
        from zhtj.notices.rules import Audience

        draft = publishing.Draft("通知", "正文", Audience.SUBTREE, [], [])
        world.notice_id = publishing.publish(world.principal("tianhe"), world.orgs["tianhe"], draft).notice_id
    return str(world.notice_id)


def transfer_path(world: World, which: str) -> str:
    member, transfer_id = world.transfers[which]
    return f"/members/{member}/transfers/{transfer_id}"


def start_matrix_transfers(world: World) -> None:
    """Transfers A and B of the XFER cases, and a batch of 天河's, started through the logic layer."""
    from zhtj.transfers import batches as transfer_batches
    from zhtj.transfers import start as transfers
    from zhtj.transfers.rules import Cause

    world.transfers = {}
    for which, member in (("A", world.members["huajing"][1]), ("B", world.members["huajing"][2])):
        pay_dues(member)
        request = transfers.Request(cause=Cause.EMPLOYMENT, to_branch_id=world.orgs["cs2024"])
        world.transfers[which] = (member, transfers.start(world.principal("huajing"), member, request).transfer_id)
    rows = [{"member_id": "m-none", "to_branch_id": world.orgs["cs2024"], "cause": "EMPLOYMENT"}]
    world.batch_id = transfer_batches.create(world.principal("tianhe"), world.orgs["tianhe"], rows).batch_id


def tianhe_import(world: World) -> str:
    """An import by 天河 waiting for its file, made once per matrix world."""
    if not hasattr(world, "import_id"):
        from zhtj.imports import service as imports

        world.import_id = imports.create(world.principal("tianhe"), world.orgs["tianhe"], "团员.xlsx")[0].import_id
    return str(world.import_id)


# Routes every caller with a valid token may use on their own account, and public routes.
SELF_OR_PUBLIC = {
    # The member themself (changes/test_member_changes.py walks every other caller).
    ("PATCH", "/members/{member_id}"),
    ("POST", "/members/{member_id}/join-month-request"),
    ("GET", "/join-date-windows"),
    ("GET", "/calendar/{year}"),
    # REG-6, ACCT-2: the applicant follows and withdraws their own registration only
    # (registration/test_registration.py and accounts/test_sign_in.py walk the other callers).
    ("POST", "/registrations"),
    ("GET", "/me/registration"),
    ("GET", "/me/registrations/{registration_id}"),
    ("POST", "/me/registrations/{registration_id}/withdraw"),
    ("GET", "/me"),
    ("POST", "/me/acting-org"),
    ("PUT", "/me/password"),
    ("POST", "/me/member-binding"),
    # ACCT: signing up, in and out, resets and invitations (accounts/test_sign_in.py).
    ("POST", "/auth/sms-codes"),
    ("POST", "/auth/sign-up"),
    ("POST", "/auth/sign-in"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/sign-out"),
    ("POST", "/auth/password-reset"),
    ("POST", "/auth/invitations/{token}/accept"),
    ("GET", "/openapi.json"),
    # DUES: the member themself pays and declares income (dues/test_dues.py); anyone signed in reads
    # the standard; the providers call the webhooks.
    ("POST", "/members/{member_id}/dues/pay"),
    ("PUT", "/members/{member_id}/dues/income"),
    ("GET", "/dues/standards"),
    # DUES-5: anyone signed in reads the start month; a member pays for a branch mate from their
    # own session (dues/test_dues_offline.py walks the callers).
    ("GET", "/dues/online-start"),
    ("POST", "/members/{member_id}/dues/mate-pay"),
    # WEB-1: only the paying member opens their open order's checkout on the phone
    # (dues/test_dues_mobile.py: a branch mate and the branch are refused NOT_SELF).
    ("POST", "/dues/orders/{order_id}/checkout"),
    ("POST", "/webhooks/wechatpay"),
    ("POST", "/webhooks/alipay"),
    # CARD: the member sets what their card shows (tests/integration/cards/test_cards.py walks the
    # other callers); anyone verifies a card without logging in (CARD-2).
    ("PUT", "/members/{member_id}/card/preferences"),
    # CARD-2/WEB-1: only the member shows their card's verification QR code on the phone
    # (tests/integration/cards/test_card_qr.py refuses a branch mate and the branch).
    ("GET", "/members/{member_id}/card/qr"),
    ("GET", "/cards/verify"),
    # XFER: any signed-in user reads the chain and searches target branches (XFER-3); a batch
    # approval acts only on the steps waiting on the caller's own organisation.
    ("GET", "/transfer-chain"),
    ("GET", "/transfer-targets"),
    # XFER-2: only the member reads and answers their proposals, from their own session
    # (test_xfer_2_who_starts_and_who_proposes, test_xfer_2_a_member_starts_...).
    ("GET", "/me/transfer-proposals"),
    ("POST", "/me/transfer-proposals/{proposal_id}/confirm"),
    ("POST", "/me/transfer-proposals/{proposal_id}/decline"),
    # AWARD: a member declares an award they received (tests/integration/awards/test_awards.py walks
    # the other callers).
    ("POST", "/members/{member_id}/award-declarations"),
    ("POST", "/members/{member_id}/award-declarations/upload"),
    ("POST", "/transfer-batches/{batch_id}/approve"),
    ("GET", "/health"),
    # MSG-1: the caller's own messages and preferences (tests/integration/messages/test_messages.py
    # shows another person's message is not found).
    ("GET", "/me/messages"),
    ("GET", "/me/messages/unread-count"),
    ("POST", "/me/messages/{message_id}/read"),
    ("POST", "/me/messages/read-all"),
    ("GET", "/me/notification-preferences"),
    ("PUT", "/me/notification-preferences"),
    # MSG-3: a reader's own list, and a notice read by a reader in its audience (anyone else: not
    # found; tests/integration/notices/test_notices.py walks members and operators below and beside).
    ("GET", "/me/notices"),
    ("GET", "/notices/{notice_id}"),
    # WEB-1: the public branch lookup and a branch's QR link, no sign-in (orgs/test_branch_lookup.py).
    ("GET", "/branches/lookup"),
    ("GET", "/branches/{branch_id}/public"),
    # WEB-1: the member's own branch and branch mates, the member only (members/test_my_branch.py:
    # another member and the branch's operator are refused NOT_SELF).
    ("GET", "/members/{member_id}/organisation"),
    ("GET", "/members/{member_id}/branch-mates"),
    # WEB-1, MSG-1: anyone signed in (a member or a cadre) gets WeChat's authorization address and
    # binds the openid of its code to their own account, no other
    # (accounts/test_wechat_openid.py); the code itself proves the WeChat user.
    ("GET", "/wechat/authorize-url"),
    ("PUT", "/me/wechat-openid"),
    # MSG-1: wx.config's signature for a page of the members' app, anyone signed in; it reveals
    # nothing of anyone (accounts/test_wechat_js_config.py).
    ("GET", "/wechat/js-config"),
}

# Callers relative to the target 天河: (world admin name, relation).
CALLERS = [
    ("tianhe", "own"),
    ("huajing", "child"),
    ("yuexiu", "sibling"),
    ("gz", "ancestor"),
    ("root", "province"),
    ("sz", "other city"),
]
# Relation of each caller to the target huajing (for member routes).
HUAJING_RELATION = {
    "tianhe": "ancestor",
    "huajing": "own",
    "yuexiu": "other",
    "gz": "ancestor",
    "root": "province",
    "sz": "other city",
}


def allowed(case: Case, caller: str) -> bool:
    action, target = case.action, case.target
    assert action is not None
    if case.only is not None and caller not in case.only:
        return False
    reach = POLICY[action]
    if reach == Reach.PROVINCE:
        return caller == "root"
    lineage = {"tianhe": ["root", "gz", "tianhe"], "huajing": ["root", "gz", "tianhe", "huajing"], "root": ["root"]}[
        target
    ]
    if caller not in lineage:
        return False
    return not (reach == Reach.BELOW and caller == target)


def test_matrix_covers_every_route() -> None:
    declared = {(r.method, r.path) for r in declared_routes()}
    assert declared == set(CASES) | SELF_OR_PUBLIC


def pending_registration(world: World) -> str:
    """A registration waiting for review in 华景, written by the real worker."""

    import boto3

    from zhtj.core.identity import check_character
    from zhtj.registration import service as registration
    from zhtj.registration.messages import REGISTRATION
    from zhtj.registration.rules import Submission

    body = "44010620050301123"
    submission = Submission(
        name="王小红",
        id_number=body + check_character(body),
        ethnicity="01",
        political_status="03",
        join_month="2021-05",
        is_cadre=False,
        development_number="202144010001",
    )
    registration.submit(applicant_principal(), submission, world.orgs["huajing"], None, None)
    message = boto3.client("sqs").receive_message(QueueUrl=REGISTRATION.url())["Messages"][0]
    return registration.apply_submission(REGISTRATION.parse(message["Body"])).registration_id


@pytest.fixture(scope="module")
def matrix_world() -> Any:
    from chalice.test import Client
    from moto import mock_aws

    from infra.provision import provision
    from zhtj.table import pii, queues, storage

    with mock_aws():
        for module in (queues, pii, storage):
            module.reset_clients()
        provision()
        world = build_world()
        world.registration_id = pending_registration(world)
        start_matrix_transfers(world)
        with Client(app) as client:
            yield world, client
        queues.reset_clients()


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("caller", [c for c, _ in CALLERS])
def test_route_by_caller(matrix_world: Any, route: tuple[str, str], caller: str) -> None:
    world, client = matrix_world
    case = CASES[route]
    body = case.body(world) if case.body else None
    status, answer = call(client, route[0], case.path(world), world.headers(caller), body)
    if case.action is None:  # /tree-jobs/{id}: scope follows the job's organisation; unknown job -> 404
        assert status == 404
        return
    if allowed(case, caller):
        assert status not in (401, 403), (caller, route, answer)
        assert status < 500
    else:
        assert status == 403, (caller, route, status, answer)
        assert answer["code"] in {
            "OUT_OF_SCOPE",
            "OWN_ORG_NOT_ALLOWED",
            "PROVINCE_ONLY",
            "NOT_ESCALATED",
            "NOT_CITY_COMMITTEE",
            "TRANSFER_NOT_YOUR_STEP",
            "TRANSFER_PROPOSE_ONLY",
            "NOT_REVIEWING_ORG",
            "ID_NUMBER_BRANCH_ONLY",
        }
        assert answer["message"]


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_refuses_missing_bad_and_member_tokens(matrix_world: Any, route: tuple[str, str]) -> None:
    world, client = matrix_world
    case = CASES[route]
    body = case.body(world) if case.body else None
    status, answer = call(client, route[0], case.path(world), {"Content-Type": "application/json"}, body)
    assert (status, answer["code"]) == (401, "UNAUTHENTICATED")
    forged = world.token("root")[:-4] + "AAAA"
    status, answer = call(client, route[0], case.path(world), {"Authorization": f"Bearer {forged}"}, body)
    assert (status, answer["code"]) == (401, "TOKEN_INVALID")
    member_account = world.member_accounts[world.members["huajing"][0]]
    member = {"Authorization": f"Bearer {session_token(member_account)}"}
    status, answer = call(client, route[0], case.path(world), member, body)
    if route == ("GET", "/members/{member_id}"):
        assert status == 200  # a member reads their own record
    elif route == ("GET", "/members/{member_id}/card"):
        assert status in (200, 404)  # a member reads their own card (the matrix world's members have none)
    elif route == ("POST", "/members/{member_id}/transfers"):
        assert (status, answer["code"]) == (400, "TARGET_IS_SOURCE")  # XFER-2: a member starts their own
    elif case.action is not None:
        assert (status, answer["code"]) == (403, "NOT_OPERATOR")


# XFER-2 by caller, for a member of 华景 (the target every caller names is its own organisation;
# the bodies fail after authorization, so nothing is written): own subtree starts; a sibling or
# another city is refused to start but may propose; a member acts on their own transfer only.
STARTS = {"huajing": True, "tianhe": True, "gz": True, "root": True, "yuexiu": False, "sz": False}


@pytest.mark.parametrize("caller", [c for c, _ in CALLERS])
def test_xfer_2_who_starts_and_who_proposes(matrix_world: Any, caller: str) -> None:
    """Given a member of 华景 and an operator `caller` naming a branch of its own subtree,
    When it starts a transfer of that member, and proposes one,
    Then it starts only if its subtree holds the member (else TRANSFER_PROPOSE_ONLY), it may
    always propose into its own subtree but never into another's, and it never confirms."""
    world, client = matrix_world
    member = world.members["huajing"][0]
    # cause OTHER without its text: refused (400) only after the caller is authorized.
    body = {"cause": "OTHER", "to_branch_id": world.orgs[caller]}
    status, answer = call(client, "POST", f"/members/{member}/transfers", world.headers(caller), body)
    expected = (400, "CAUSE_TEXT_REQUIRED") if STARTS[caller] else (403, "TRANSFER_PROPOSE_ONLY")
    assert (status, answer["code"]) == expected
    proposals = f"/members/{member}/transfer-proposals"
    status, answer = call(client, "POST", proposals, world.headers(caller), body)
    assert (status, answer["code"]) == (400, "CAUSE_TEXT_REQUIRED")
    elsewhere = {**body, "to_branch_id": world.orgs["cs2024"]}  # 中大's branch: only the root reaches it
    status, answer = call(client, "POST", proposals, world.headers(caller), elsewhere)
    assert (status, answer["code"]) == ((400, "CAUSE_TEXT_REQUIRED") if caller == "root" else (403, "OUT_OF_SCOPE"))
    for method, path in (("GET", "/me/transfer-proposals"), ("POST", "/me/transfer-proposals/tpnone/confirm")):
        status, answer = call(client, method, path, world.headers(caller))
        assert (status, answer["code"]) == (403, "NOT_SELF")


def test_xfer_2_a_member_starts_and_answers_proposals_for_themself_only(matrix_world: Any) -> None:
    """Given two members of 华景,
    When one starts a transfer and proposes one, for themself and for the other, and reads and
    answers proposals from their own session,
    Then only their own start passes authorization, a member never proposes, and their session
    reaches their own proposals only (another's is not found)."""
    world, client = matrix_world
    own, other = world.members["huajing"][0], world.members["huajing"][1]
    headers = {
        "Authorization": f"Bearer {session_token(world.member_accounts[own])}",
        "Content-Type": "application/json",
    }
    body = {"cause": "OTHER", "to_branch_id": world.orgs["lianhua"]}
    for member, expected in ((own, (400, "CAUSE_TEXT_REQUIRED")), (other, (403, "NOT_OPERATOR"))):
        status, answer = call(client, "POST", f"/members/{member}/transfers", headers, body)
        assert (status, answer["code"]) == expected
        status, answer = call(client, "POST", f"/members/{member}/transfer-proposals", headers, body)
        assert (status, answer["code"]) == (403, "NOT_OPERATOR")
    status, page = call(client, "GET", "/me/transfer-proposals", headers)
    assert (status, page["items"]) == (200, [])
    for verb in ("confirm", "decline"):
        status, answer = call(client, "POST", f"/me/transfer-proposals/tpnone/{verb}", headers, {})
        assert (status, answer["code"]) == (404, "PROPOSAL_NOT_FOUND")


def test_acct_3_expired_token_refused(matrix_world: Any) -> None:
    from unittest import mock

    world, client = matrix_world
    # Given a token issued 16 minutes ago (access tokens live 15)
    with mock.patch("zhtj.signin.tokens.time.time", return_value=__import__("time").time() - 16 * 60):
        expired = session_token(world.admins["root"], world.orgs["root"])
    # Then it is refused as expired
    status, answer = call(client, "GET", f"/orgs/{world.orgs['root']}", {"Authorization": f"Bearer {expired}"})
    assert (status, answer["code"]) == (401, "TOKEN_EXPIRED")


def test_token_for_org_without_grant_refused(matrix_world: Any) -> None:
    world, client = matrix_world
    # A valid signature claiming an organisation the account holds no grant in.
    token = session_token(world.admins["yuexiu"], world.orgs["gz"])
    status, answer = call(client, "GET", f"/orgs/{world.orgs['gz']}", {"Authorization": f"Bearer {token}"})
    assert (status, answer["code"]) == (403, "NOT_OPERATOR")


def test_revoked_position_stops_working_at_once(matrix_world: Any) -> None:
    world, client = matrix_world
    member_account = world.member_accounts[world.members["huajing"][1]]
    status, _ = call(
        client,
        "POST",
        f"/orgs/{world.orgs['huajing']}/grants",
        world.headers("tianhe"),
        {"account_id": member_account, "role": "书记"},
    )
    assert status == 201
    secretary = {"Authorization": f"Bearer {session_token(member_account, world.orgs['huajing'])}"}
    status, _ = call(client, "GET", f"/orgs/{world.orgs['huajing']}/members", secretary)
    assert status == 200
    status, _ = call(
        client,
        "POST",
        f"/orgs/{world.orgs['huajing']}/grants/revoke",
        world.headers("tianhe"),
        {"account_id": member_account, "role": "书记"},
    )
    assert status == 204
    status, answer = call(client, "GET", f"/orgs/{world.orgs['huajing']}/members", secretary)
    assert (status, answer["code"]) == (403, "NOT_OPERATOR")


def test_cadre_in_two_orgs_switches_acting_org(matrix_world: Any) -> None:
    world, client = matrix_world
    cadre = world.member_accounts[world.members["huajing"][2]]
    for org, actor in (("huajing", "tianhe"), ("tianhe", "gz")):
        status, _ = call(
            client,
            "POST",
            f"/orgs/{world.orgs[org]}/grants",
            world.headers(actor),
            {"account_id": cadre, "role": "副书记"},
        )
        assert status == 201
    as_member = {"Authorization": f"Bearer {session_token(cadre)}"}
    status, me = call(client, "GET", "/me", as_member)
    assert {g["org_id"] for g in me["grants"]} == {world.orgs["huajing"], world.orgs["tianhe"]}
    status, switched = call(client, "POST", "/me/acting-org", as_member, {"org_id": world.orgs["tianhe"]})
    assert (status, switched["acting_org_id"]) == (200, world.orgs["tianhe"])
    acting = {"Authorization": f"Bearer {switched['access_token']}"}
    status, _ = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/subtree", acting)
    assert status == 200
    status, answer = call(client, "POST", "/me/acting-org", as_member, {"org_id": world.orgs["gz"]})
    assert (status, answer["code"]) == (403, "NO_GRANT_IN_ORG")
