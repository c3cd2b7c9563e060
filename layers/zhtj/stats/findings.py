"""Findings (SWEEP) of a subtree: the Finding items in path order, and the roll-up by direct
child from the counters."""

from __future__ import annotations

from collections import Counter

from zhtj.core.errors import ValidationError
from zhtj.counters.service import sub_totals
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import path_ids
from zhtj.signin.tokens import Principal
from zhtj.stats import rules as stat_rules
from zhtj.stats.figures import active_children
from zhtj.stats.models import Finding
from zhtj.table import keys, paging


def list_findings(
    principal: Principal, org_id: str, code: str | None, cursor: str | None, limit: int
) -> tuple[list[Finding], str | None]:
    """The subtree's findings in path order (one Query of the province's findings index)."""
    org = get_org(org_id)
    authorize(principal, "org.findings", org)
    if code is not None and code not in stat_rules.FINDING_KINDS:
        raise ValidationError("FINDING_CODE", "核查项目无效", "code")
    condition = Finding.code == code if code else None
    root = path_ids(org.path)[0]
    return paging.query_page(
        Finding.by_gsi1.query,
        keys.findings_pk(root),
        Finding.gsi1sk.startswith(org.path),
        filter_condition=condition,
        limit=limit,
        cursor=cursor,
    )


def findings_by_child(principal: Principal, org_id: str) -> tuple[Counter[str], list[tuple[Org, Counter[str]]]]:
    """SWEEP roll-up: the organisation's own subtree counts by code, and each direct child's
    (a city sees its districts and schools): organisations concerned, from the counters."""
    org = get_org(org_id)
    authorize(principal, "org.findings", org)
    children = active_children(principal, org_id)
    totals = sub_totals([org, *children])

    def found(t: Counter[str]) -> Counter[str]:
        return Counter({k.removeprefix("f_"): v for k, v in t.items() if k.startswith("f_") and v})

    return found(totals[org.org_id]), [(c, found(totals[c.org_id])) for c in children]
