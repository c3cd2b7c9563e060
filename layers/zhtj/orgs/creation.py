"""Creating organisations: the province's root and its ORG-7 system organisation (bootstrap,
run by operators), and a child under its parent (ORG-1/2/5/6)."""

from __future__ import annotations

import msgspec

from zhtj.core.clock import new_id, now
from zhtj.core.errors import DomainError, FieldChecks, RuleViolation
from zhtj.counters import service as counters
from zhtj.counters.models import OwnStat
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.items import level_of, name_tokens, set_index_keys, snapshot
from zhtj.orgs.models import Org
from zhtj.orgs.naming import NameRules, check_names, city_prefix, claim, draft_errors
from zhtj.orgs.reads import ancestors
from zhtj.orgs.rules import (
    PARENT_GONE,
    Level,
    NameDraft,
    NewOrg,
    OrgStatus,
    OrgType,
    Placement,
    Sector,
    check_placement,
    validate_names,
)
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

# ORG-7: the organisation that holds members transferred out of the province.
SYSTEM_ORG_SHORT_NAME = "非共青团广东省委所辖的团组织"


class Province(msgspec.Struct, frozen=True):
    root: Org
    system_org: Org


def bootstrap_province(short_name: str, full_name: str, alias: str, region_name: str) -> Province:
    """Create the province's root committee and its ORG-7 system organisation. Idempotent
    per alias: a second call returns what exists."""
    existing = list(Org.by_gsi1.query(keys.children_pk("ROOT")))
    for root in existing:
        if isinstance(root, Org) and root.alias == alias:
            found = [o for o in Org.by_gsi1.query(keys.system_orgs_pk(root.org_id)) if isinstance(o, Org)]
            return Province(root, found[0])
    names = validate_names(short_name, full_name, alias, OrgType.LEADING_ORGAN, None, False, None)
    root_id = new_id("o")
    root = Org(
        org_id=root_id,
        parent_id=None,
        path=f"/{root_id}/",
        depth=0,
        org_type=OrgType.LEADING_ORGAN,
        level=Level.PROVINCE,
        sector=Sector.GOVERNMENT,
        short_name=names.short_name,
        full_name=names.full_name,
        alias=names.alias,
        region_name=region_name,
        created_at=now(),
        child_count=0,
    )
    system_id = new_id("o")
    system = Org(
        org_id=system_id,
        parent_id=root_id,
        path=f"{root.path}{system_id}/",
        depth=1,
        org_type=OrgType.BRANCH,
        sector=Sector.OTHER,
        short_name=SYSTEM_ORG_SHORT_NAME,
        full_name=SYSTEM_ORG_SHORT_NAME,
        alias="省外转出",
        system=True,
        created_at=now(),
    )
    uow = UnitOfWork(SYSTEM_ACTOR)
    for org in (root, system):
        set_index_keys(org)
        uow.put(org, condition=Org.pk.does_not_exist())
        uow.put(counters.new_own_stat(org.org_id, org.path), condition=OwnStat.pk.does_not_exist())
        for token in name_tokens(org):
            uow.put(token)
        claim(uow, org)
        uow.audit("org.create", "ORG", org.org_id, org.org_id, after=snapshot(org))
    uow.commit()
    return Province(root, system)


def create_child(principal: Principal, parent_id: str, body: NewOrg) -> Org:
    """ORG-6: a child is created by its parent's administrator (or one above). Refuses type
    rules (ORG-1/2) and malformed names (ORG-5)."""
    parent = get_org(parent_id)
    operator = authorize(principal, "org.create_child", parent)
    rules = _placed(parent, body)
    names = check_names(rules, body.short_name, body.full_name, body.alias)
    org_id = new_id("o")
    org = Org(
        org_id=org_id,
        parent_id=parent.org_id,
        path=f"{parent.path}{org_id}/",
        depth=parent.depth + 1,
        org_type=body.org_type,
        level=body.level,
        sector=body.sector,
        short_name=names.short_name,
        full_name=names.full_name,
        alias=names.alias,
        region_name=body.region_name,
        entry_year=body.entry_year,
        created_at=now(),
    )
    set_index_keys(org)
    uow = UnitOfWork(operator.actor)
    uow.put(org, condition=Org.pk.does_not_exist())
    uow.put(counters.new_own_stat(org.org_id, org.path), condition=OwnStat.pk.does_not_exist())
    # The parent must still be where we read it: a concurrent move would orphan the path.
    uow.update(
        parent,
        [Org.child_count.add(1)],
        condition=(Org.status == OrgStatus.ACTIVE) & (Org.path == parent.path) & Org.moving_job_id.does_not_exist(),
        on_fail=PARENT_GONE,
        versioned=False,
    )
    for token in name_tokens(org):
        uow.put(token)
    claim(uow, org)  # ORG-5: the short name is the province's one organisation's
    uow.audit("org.create", "ORG", org.org_id, org.org_id, after=snapshot(org))
    uow.commit()
    return org


def check_child_names(principal: Principal, parent_id: str, draft: NameDraft) -> list[DomainError]:
    """ORG-5 as the form is typed: what `create_child` would refuse of the names given so far
    (a name not given yet is not checked), with the same codes, messages and fields, and the
    parent's refusals (ORG-1/2, ORG-7, a region required) that decide the names' rules. Writes
    nothing. Every refusal, in the form's order (empty: the names are right)."""
    parent = get_org(parent_id)
    authorize(principal, "org.create_child", parent)
    checks = FieldChecks()
    rules = checks.run(lambda: _placed(parent, draft.as_new_org()))
    if rules is None:
        return checks.errors
    return draft_errors(rules, draft.short_name, draft.full_name, draft.alias)


def _placed(parent: Org, body: NewOrg) -> NameRules:
    """What creating `body` under `parent` checks before its names: the parent is active and not
    the system organisation (ORG-7), the child's type and level fit (ORG-1/2). Returns the
    rules its names follow (ORG-5: the region its short name must start with)."""
    if parent.status != OrgStatus.ACTIVE or parent.system:
        raise (
            PARENT_GONE
            if parent.status != OrgStatus.ACTIVE
            else RuleViolation("ORG-7", "系统组织下不能设立下级组织", None)
        )
    check_placement(Placement(OrgType(parent.org_type), level_of(parent)), body.org_type, body.level)
    prefix = city_prefix([*ancestors(parent), parent], body.org_type, body.level, body.region_name)
    return NameRules(body.org_type, prefix, body.class_branch, body.entry_year)
