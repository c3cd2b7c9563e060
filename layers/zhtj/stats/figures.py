"""STAT-1's figures of an organisation's subtree: its counters (the SubStat shards, one
BatchGetItem), its transfer figures and this month's dues collection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zhtj.core import clock
from zhtj.counters.service import sub_totals
from zhtj.dues import ledger as dues_ledger
from zhtj.orgs import service as orgs
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus
from zhtj.signin.tokens import Principal
from zhtj.stats import rules as stat_rules
from zhtj.table import keys, paging
from zhtj.transfers import figures as transfer_figures


def _by_prefix(totals: Mapping[str, int], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): v for k, v in sorted(totals.items()) if k.startswith(prefix) and v}


def describe(totals: Mapping[str, int], day: str) -> dict[str, Any]:
    """STAT-1's figures from a subtree's counters (the response body)."""
    return {
        "organisations": {"total": totals.get("orgs", 0), "by_type": _by_prefix(totals, "type_")},
        "organisations_by_sector": _by_prefix(totals, "sector_"),
        "branches_by_size": _by_prefix(totals, "band_"),
        "members": {
            "normal": totals.get("members", 0),
            "by_state": _by_prefix(totals, "m_"),
            "by_sex": _by_prefix(totals, "sex_"),
            "by_ethnicity": {"han": totals.get("eth_han", 0), "minority": totals.get("eth_min", 0)},
            "by_political_status": _by_prefix(totals, "pol_"),
            "by_sector": _by_prefix(totals, "sec_"),
        },
        "cadres": totals.get("cadres", 0),
        "secretaries": totals.get("secretaries", 0),
        "registrations": {
            "by_state": {k: v for k, v in _by_prefix(totals, "r_").items() if k != "overdue"},
            "pending": totals.get(f"r_{stat_rules.PENDING_REVIEW}", 0),
            "overdue": totals.get("r_overdue", 0),
            "submitted_today": totals.get(stat_rules.day_field(day, "reg"), 0),
            "reviewed_today": totals.get(stat_rules.day_field(day, "rev"), 0),
        },
        # LIFE-1: meetings and lectures held, by quarter ("2026Q3") and by quarter and kind.
        "organisation_life": _by_prefix(totals, "life_"),
        # PARTY-1: recommendations to the Party by state (PROPOSED, APPROVED, RETURNED).
        "party_recommendations": _by_prefix(totals, "party_"),
        "findings": _by_prefix(totals, "f_"),
    }


def figures(principal: Principal, org_id: str) -> dict[str, Any]:
    """STAT-1 for an organisation's subtree: its SubStat shards (one BatchGetItem), the
    transfer figures (one Query) and this month's dues collection (one Query)."""
    org = get_org(org_id)
    authorize(principal, "stats.read", org)
    day = clock.today_in_china()
    totals = sub_totals([org])[org.org_id]
    moved = transfer_figures.figures(org.org_id)
    body = describe(totals, day.isoformat())
    body["org_id"] = org.org_id
    body["day"] = day.isoformat()
    body["transfers"] = {
        "out": moved.out_by_state,
        "in": moved.in_by_state,
        "overdue_now": moved.overdue_now,
        "within_deadline_rate": moved.within_deadline_rate,
    }
    month = dues_ledger.year_stats(org.org_id, day.year)[day.month - 1]
    # What arrived this month, as /dues/statistics counts it: a bill never holds the current
    # month (its dues fall due when it ends), so dues *for* this month are always 0 until then.
    body["dues_this_month"] = {
        "month": month.month,
        "members_paid": month.collected_members,
        "amount_fen": month.collected_fen,
    }
    return body


def children_life(
    principal: Principal, org_id: str, cursor: str | None, limit: int
) -> tuple[list[tuple[Org, dict[str, int]]], str | None]:
    """LIFE-1 per direct child, for a committee: each child's subtree's organisation life (as
    `figures` answers it), a page of children at a time: one Query for the page, one BatchGetItem
    for its counters (not one read per child)."""
    authorize(principal, "stats.read", get_org(org_id))
    children, next_cursor = paging.query_page(Org.by_gsi1.query, keys.children_pk(org_id), limit=limit, cursor=cursor)
    totals = sub_totals(children)
    return [(child, _by_prefix(totals[child.org_id], "life_")) for child in children], next_cursor


def active_children(principal: Principal, org_id: str) -> list[Org]:
    """The organisation's active direct children, every page."""
    found: list[Org] = []
    cursor: str | None = None
    while True:
        page, cursor = orgs.list_children(principal, org_id, cursor, 100)
        found.extend(o for o in page if o.status == OrgStatus.ACTIVE)
        if cursor is None:
            return found
