"""The member's own branch, as the members' app shows it (WEB-1, 我的组织): the branch's names,
its parent's name, its cadres by position (职务: 书记 first) with their names only, and the
mates of the branch a member may pay for (帮TA交, DUES-5) — read by the member themself only,
never another's branch. Nothing here shows a phone, an ID number or a path."""

from __future__ import annotations

import msgspec

from zhtj.accounts.models import Account
from zhtj.members.models import Member
from zhtj.members.service import own_member
from zhtj.orgs.authz import get_org
from zhtj.orgs.models import Grant, Org
from zhtj.orgs.rules import POSITIONS
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging


class Cadre(msgspec.Struct, frozen=True):
    position: str
    name: str


class MyBranch(msgspec.Struct, frozen=True):
    branch_id: str
    name: str
    full_name: str
    alias: str
    parent_name: str | None
    member_count: int
    cadres: list[Cadre]


def my_branch(principal: Principal, member_id: str) -> MyBranch:
    """The member's branch (ForbiddenError NOT_SELF for anyone but the member)."""
    member = own_member(principal, member_id)
    branch = get_org(member.branch_id)
    parent = _parent(branch)
    return MyBranch(
        branch_id=branch.org_id,
        name=branch.short_name,
        full_name=branch.full_name,
        alias=branch.alias,
        parent_name=parent.short_name if parent else None,
        member_count=int(branch.member_count or 0),
        cadres=_cadres(branch.org_id),
    )


def _parent(branch: Org) -> Org | None:
    if not branch.parent_id:
        return None
    try:
        return Org.get(keys.org_pk(branch.parent_id), keys.META)
    except Org.DoesNotExist:
        return None


def _cadres(branch_id: str) -> list[Cadre]:
    """The branch's positions (the administrator account is no position), in POSITIONS order."""
    grants = [g for g in Grant.by_gsi1.query(keys.staff_pk(branch_id)) if isinstance(g, Grant) and g.role in POSITIONS]
    if not grants:
        return []
    wanted = list({g.account_id for g in grants})
    names = {
        a.account_id: a.name
        for a in Account.batch_get([(keys.account_pk(i), keys.META) for i in wanted])
        if isinstance(a, Account)
    }
    found = [Cadre(g.role, names[g.account_id]) for g in grants if names.get(g.account_id)]
    return sorted(found, key=lambda c: (POSITIONS.index(c.position), c.name))


def mates(principal: Principal, member_id: str, cursor: str | None, limit: int) -> tuple[list[Member], str | None]:
    """The other members on the member's branch list, by name (帮TA交 picks one), a page at a
    time. Raises ForbiddenError NOT_SELF."""
    member = own_member(principal, member_id)
    items, next_cursor = paging.query_page(
        Member.by_gsi1.query, keys.branch_members_pk(member.branch_id), limit=limit, cursor=cursor
    )
    return [m for m in items if isinstance(m, Member) and m.member_id != member_id], next_cursor
