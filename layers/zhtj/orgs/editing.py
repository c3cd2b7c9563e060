"""Editing an organisation's details (ORG-5, ORG-6): its names, sector, region and entry year.

Who: an administrator above it (org.edit); the organisation's own operators may set its alias
alone (org.edit_alias: seed 003, the first operator of an organisation sets its 代称). Never its
type, level or parent (moves and merges own those), never the ORG-7 system organisation.

One transaction under the organisation's version (the version the editor read): the item, its
name search tokens (old grams deleted, new ones put: the public lookup's alias and STAT-3's
organisation search), its short name's claim (the old one freed, the new one held, so that
two renames to one name: one wins), the audit record with the old and new values, and for a
branch whose names changed a BranchRelabel mark: its members' search labels and their cards
(which show the branch's full name) follow through the org-relabel worker, a page at a time,
and each card re-renders through the card queue's quiet period (cards/relabel.py).
"""

from __future__ import annotations

from typing import Any

from zhtj.core.clock import now
from zhtj.core.errors import ConflictError, DomainError, FieldChecks, RuleViolation, ValidationError
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.items import claim_key, level_of, name_tokens, set_index_keys, snapshot
from zhtj.orgs.messages import ORG_RELABEL, RelabelBranch
from zhtj.orgs.models import BranchRelabel, Org
from zhtj.orgs.naming import NameRules, city_prefix, claim, draft_errors, release, short_name_free
from zhtj.orgs.reads import ancestors
from zhtj.orgs.rules import OrgChanges, OrgStatus, OrgType, validate_alias, validate_full_name
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import MAX_TRANSACTION_ITEMS, STALE, UnitOfWork

SYSTEM_FIXED = RuleViolation("ORG-7", "系统组织的名称和信息不能修改", None)
NOT_ACTIVE = ConflictError("ORG_NOT_ACTIVE", "该组织已撤销，不能修改", None)
TOO_LARGE = ValidationError("RENAME_TOO_LARGE", "简称改动过大，请分两次修改（每次改动一部分）", "short_name")
NOT_A_BRANCH = ValidationError("ENTRY_YEAR_NOT_ALLOWED", "只有班级团支部有入学年份", "entry_year")


def edit(principal: Principal, org_id: str, changes: OrgChanges, version: int) -> Org:
    """Change an organisation's details as the editor saw them at `version`. Raises
    ForbiddenError, ConflictError (STALE_WRITE: changed since; SHORT_NAME_TAKEN), RuleViolation,
    ValidationError/InvalidFields (ORG-5, each at its field). Returns the organisation as it is."""
    org = get_org(org_id)
    operator = authorize(principal, "org.edit_alias" if changes.given() <= {"alias"} else "org.edit", org)
    if org.system:
        raise SYSTEM_FIXED
    if org.status != OrgStatus.ACTIVE:
        raise NOT_ACTIVE
    if org.version != version:
        raise STALE
    after = _checked(org, changes)
    before = snapshot(org)
    if after == {k: getattr(org, k) for k in after}:
        return org  # nothing changes: nothing written
    old_tokens = {(t.pk, t.sk): t for t in name_tokens(org)}
    old_short = org.short_name
    for field, value in after.items():
        setattr(org, field, value)
    set_index_keys(org)
    uow = UnitOfWork(operator.actor)
    new_tokens = {(t.pk, t.sk): t for t in name_tokens(org)}
    for key, token in old_tokens.items():
        if key not in new_tokens:
            uow.delete(token)
    for token in new_tokens.values():
        uow.put(token)
    if claim_key(old_short) != claim_key(org.short_name):
        release(uow, org.org_id, old_short)
        claim(uow, org)
    uow.put(org)  # versioned: refused if anyone changed it since it was read
    renamed = org.short_name != old_short or org.full_name != before["full_name"]
    if renamed and org.org_type == OrgType.BRANCH:
        relabel_members(uow, org)
    uow.audit("org.edit", "ORG", org.org_id, org.org_id, before=before, after=snapshot(org))
    if len(uow.operations) > MAX_TRANSACTION_ITEMS:
        raise TOO_LARGE
    uow.commit()
    return get_org(org_id)


def check_edit_names(principal: Principal, org_id: str, changes: OrgChanges) -> list[DomainError]:
    """ORG-5 as the edit form is typed: what `edit` would refuse of the names given (a name not
    given is not checked), the organisation's own names being no conflict. Writes nothing."""
    org = get_org(org_id)
    authorize(principal, "org.edit_alias" if changes.given() <= {"alias"} else "org.edit", org)
    checks = FieldChecks()
    rules = checks.run(lambda: _rules(org, changes))
    if rules is None:
        return checks.errors
    return draft_errors(rules, changes.short_name, changes.full_name, changes.alias)


def _rules(org: Org, changes: OrgChanges) -> NameRules:
    org_type = OrgType(org.org_type)
    if changes.entry_year is not None and org_type != OrgType.BRANCH:
        raise NOT_A_BRANCH
    region = org.region_name if changes.region_name is None else (changes.region_name.strip() or None)
    entry_year = changes.entry_year if changes.entry_year is not None else org.entry_year
    entry_year = int(entry_year) if entry_year is not None else None
    prefix = city_prefix(ancestors(org), org_type, level_of(org), region)
    return NameRules(org_type, prefix, entry_year is not None, entry_year, own_id=org.org_id)


def _checked(org: Org, changes: OrgChanges) -> dict[str, Any]:
    """The fields' new values, every refusal at its field at once (InvalidFields). A name is
    checked when it changes, or (the short name) when what its rules depend on changes."""
    checks = FieldChecks()
    rules = checks.run(lambda: _rules(org, changes))
    after: dict[str, Any] = {}
    if rules is not None:
        after["region_name"] = org.region_name if changes.region_name is None else (changes.region_name.strip() or None)
        after["entry_year"] = rules.entry_year
        reshaped = after["region_name"] != org.region_name or after["entry_year"] != org.entry_year
        if changes.short_name is not None or reshaped:
            short = changes.short_name if changes.short_name is not None else org.short_name
            after["short_name"] = checks.run(lambda: short_name_free(short, rules))
    if changes.full_name is not None:
        after["full_name"] = checks.run(lambda: validate_full_name(changes.full_name or "", OrgType(org.org_type)))
    if changes.alias is not None:
        after["alias"] = checks.run(lambda: validate_alias(changes.alias or ""))
    if changes.sector is not None:
        after["sector"] = changes.sector.value
    checks.done()
    return after


def relabel_members(uow: UnitOfWork, branch: Org) -> None:
    """A renamed branch, or one another was merged into: its members' search labels and cards
    follow (cards/relabel.py), from a mark written in `uow` and a message sent once it commits
    (the card sweep re-sends a stalled one)."""
    at = now()
    mark = BranchRelabel(keys.RELABELS_PK, branch.org_id, branch_id=branch.org_id, renamed_at=at, updated_at=at)
    uow.put(mark)
    uow.after_commit(f"relabel:{branch.org_id}", lambda: ORG_RELABEL.send(RelabelBranch(branch_id=branch.org_id)))
