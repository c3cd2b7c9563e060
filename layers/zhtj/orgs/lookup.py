"""The public branch lookup (WEB-1, REG-1): a person registering, not signed in to any
organisation, finds their branch by a fragment of its name or by its alias, or opens a
branch's registration QR link (/m/join/<branch_id>).

Public and rate-limited per caller address (LOOKUP_PER_MINUTE a minute, counted in the table
by zhtj.table.limits before anything is read). It answers only what a poster shows: id, name,
alias (and the parent's name for one branch) — never a path, a count or a person. It reads
the organisation name index (NameToken, the one STAT-3 reads) within the province's root: a
fragment's most selective bigram, confirmed with `contains`; an alias its own partition
(@=<alias>, orgs/items.py); bounded Queries and one BatchGetItem, never a scan.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec

from zhtj.core.errors import NotFoundError, TooManyRequests, ValidationError
from zhtj.orgs.items import alias_gram
from zhtj.orgs.models import NameToken, Org
from zhtj.orgs.rules import OrgStatus, OrgType, most_selective_bigram
from zhtj.table import keys, limits
from zhtj.table.bounded import query_bounded
from zhtj.table.limits import Limit

MAX_HITS = 20
READ_BUDGET = 400  # name tokens read at most per lookup (two or so Query pages)
QUERY_MAX = 30
LOOKUP_PER_MINUTE = 30
TOO_FREQUENT = TooManyRequests("LOOKUP_TOO_FREQUENT", "查询过于频繁，请1分钟后再试", "q")
PER_CALLER = Limit("branch-lookup-caller", timedelta(minutes=1), LOOKUP_PER_MINUTE, TOO_FREQUENT)
BRANCH_NOT_FOUND = NotFoundError("BRANCH_NOT_FOUND", "团支部不存在或已撤销", "branch_id")


class PublicBranch(msgspec.Struct, frozen=True):
    id: str
    name: str
    alias: str
    parent_name: str | None = None


def _count(caller: str) -> None:
    limits.hit([(PER_CALLER, caller or "unknown")])


def _root_path() -> str | None:
    roots = [o for o in Org.by_gsi1.query(keys.children_pk("ROOT"), limit=1) if isinstance(o, Org)]
    return roots[0].path if roots else None


def _public(org: Org) -> bool:
    return org.org_type == OrgType.BRANCH and org.status == OrgStatus.ACTIVE and not org.system


def _tokens(pk: str, root: str, condition: object, want: int) -> list[NameToken]:
    found, _ = query_bounded(
        NameToken,
        pk,
        NameToken.sk.startswith(root),
        filter_condition=condition,
        want=want,
        start_key=None,
        budget=READ_BUDGET,
        page_size=min(READ_BUDGET, 200),
    )
    return found


def lookup(q: str, caller: str) -> list[PublicBranch]:
    """Active branches of the province whose alias is `q` (first) or whose short name contains
    it; at most MAX_HITS. Raises TooManyRequests past the caller's limit, ValidationError for a
    query under two characters or over QUERY_MAX."""
    _count(caller)
    text = "".join(q.lower().split())
    if len(text) > QUERY_MAX:
        raise ValidationError("SEARCH_TOO_LONG", f"查找内容不能超过{QUERY_MAX}个字", "q")
    if len(text) < 2:
        raise ValidationError("SEARCH_TOO_SHORT", "请至少输入两个字进行查找", "q")
    root = _root_path()
    if root is None:
        return []
    branches = NameToken.org_type == OrgType.BRANCH.value
    by_alias = _tokens(keys.name_pk(alias_gram(text)), root, branches, MAX_HITS)
    by_name = _tokens(
        keys.name_pk(most_selective_bigram(text)), root, branches & NameToken.name.contains(text), MAX_HITS
    )
    ids = list(dict.fromkeys(t.ref_id for t in [*by_alias, *by_name]))[:MAX_HITS]
    if not ids:
        return []
    held = {o.org_id: o for o in Org.batch_get([(keys.org_pk(i), keys.META) for i in ids]) if isinstance(o, Org)}
    found = [held[i] for i in ids if i in held and _public(held[i])]
    return [PublicBranch(id=o.org_id, name=o.short_name, alias=o.alias) for o in found]


def public_branch(branch_id: str, caller: str) -> PublicBranch:
    """One active branch as its registration QR link shows it: id, name, alias and its parent's
    name. Raises TooManyRequests, NotFoundError BRANCH_NOT_FOUND (also for any organisation
    that is not an active branch: the answer never tells which)."""
    _count(caller)
    try:
        org = Org.get(keys.org_pk(branch_id), keys.META)
    except Org.DoesNotExist as error:
        raise BRANCH_NOT_FOUND from error
    if not _public(org):
        raise BRANCH_NOT_FOUND
    parent_name = None
    if org.parent_id:
        try:
            parent_name = Org.get(keys.org_pk(org.parent_id), keys.META).short_name
        except Org.DoesNotExist:
            parent_name = None
    return PublicBranch(id=org.org_id, name=org.short_name, alias=org.alias, parent_name=parent_name)
