"""Reading the annual records back (the console's screens): a branch's roll for a year (who is
registered, with which result, who is not yet, and who takes part in the education evaluation),
and one member's annual registrations and certified evaluations (the member's record page).
Writes are annual/service.py."""

from __future__ import annotations

import msgspec

from zhtj.accounts import reads as accounts
from zhtj.annual import rules as annual_rules
from zhtj.annual.models import AnnualRegistration, Evaluation
from zhtj.annual.service import branch_members
from zhtj.members.service import get_member, member_names
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys


class RollEntry(msgspec.Struct, frozen=True):
    """One member of a branch's year: `result` None while not registered that year; `on_roll`
    False for a member registered here who has since left; `evaluated` False for party members
    who keep membership (they register, they are not evaluated)."""

    member_id: str
    name: str
    on_roll: bool
    evaluated: bool
    result: str | None = None
    registered_on: str | None = None


class MemberAnnual(msgspec.Struct, frozen=True):
    registrations: list[AnnualRegistration]
    evaluations: list[Evaluation]


def roll(principal: Principal, branch_id: str, year: int) -> list[RollEntry]:
    """The branch's members of `year` (its roll today, then anyone registered here that year who
    has left), each with their registration if any: one query of the roll, one of the year's
    registrations (gsi1 ANNUALREG#<branch>#<year>) and one BatchGetItem for names of those who
    left. Raises NotFoundError, ForbiddenError."""
    authorize(principal, "evaluation.read", get_org(branch_id))
    members = branch_members(branch_id)
    registered = {
        r.member_id: r
        for r in AnnualRegistration.by_gsi1.query(keys.branch_annual_pk(branch_id, year))
        if isinstance(r, AnnualRegistration)
    }
    entries = [
        RollEntry(
            m.member_id,
            m.name,
            True,
            annual_rules.evaluated(m.political_status),
            registered[m.member_id].result if m.member_id in registered else None,
            registered[m.member_id].registered_on if m.member_id in registered else None,
        )
        for m in members
    ]
    left = sorted(set(registered) - {m.member_id for m in members})
    names = member_names(left)
    entries += [
        RollEntry(i, names.get(i, i), False, False, registered[i].result, registered[i].registered_on) for i in left
    ]
    return entries


def member_annual(principal: Principal, member_id: str) -> MemberAnnual:
    """A member's annual registrations and certified evaluations, oldest first: the member
    themself or an operator above them (two queries of the member's partition)."""
    member = get_member(member_id)
    if principal.acting_org_id is not None or accounts.get_account(principal.account_id).member_id != member_id:
        authorize(principal, "member.read", get_org(member.branch_id))
    pk = keys.member_pk(member_id)
    return MemberAnnual(
        [
            r
            for r in AnnualRegistration.query(pk, AnnualRegistration.sk.startswith(keys.ANNUAL_SK_PREFIX))
            if isinstance(r, AnnualRegistration)
        ],
        [e for e in Evaluation.query(pk, Evaluation.sk.startswith(keys.EVAL_SK_PREFIX)) if isinstance(e, Evaluation)],
    )
