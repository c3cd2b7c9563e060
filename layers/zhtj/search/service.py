"""STAT-3: find any member or organisation within the caller's subtree, by name fragment,
organisation name, or ID number.

- an ID number (anything with a digit: names hold none) goes through the blind index: one KMS
  GenerateMac, the REG-4 claim `IDNO#<index>`, the member it names and that member's branch.
  The number is never stored, logged or answered: hits show the masked form only. Such a
  search answers exactly whether a number belongs to a member, so that the digits a mask hides
  cannot be found by trying candidates: every one is audited (who, when, the masked number,
  the member found) and a reader has ID_SEARCHES_PER_DAY of them a China day (429 beyond).
- a member name fragment reads the member name index (names/index.py): first the
  partition of the whole name (exact matches, ranked first), then the partition of the
  fragment's most selective gram, confirmed with `contains`; both with begins_with(sk, the
  scope's path), so a page is one or two bounded Queries whatever the province's size.
- an organisation name fragment reads the organisation name index (NameToken) the same way.

The scope is an organisation the caller operates or one beneath it (POLICY "search.run");
nothing outside it is found, and a member outside it is answered as not found.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Literal

import msgspec

from zhtj.core.clock import today_in_china
from zhtj.core.errors import NotFoundError, TooManyRequests
from zhtj.core.identity import mask_id_number
from zhtj.members.models import Member
from zhtj.names.models import MemberNameToken
from zhtj.names.rules import exact_gram, fragment_gram, parse_query
from zhtj.orgs.authz import NOT_OPERATOR, Acting, authorize, get_org, within
from zhtj.orgs.models import NameToken, Org
from zhtj.orgs.rules import most_selective_bigram
from zhtj.registration.models import Claim
from zhtj.search.models import IdSearchQuota
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, pii
from zhtj.table.bounded import query_bounded
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.timers.workdays import CHINA_TZ

# Items a fragment query reads per request at most (about 5 requests of 200): the answer
# stays well under a second; a cursor goes on where it stopped.
READ_BUDGET = 1000
PAGE_SIZE = 200

Kind = Literal["member", "branch"]

# A helpline operator looks up a caller or two an hour; a reader trying the candidates a mask
# leaves (millions, docs/architecture.md "De-identification") would need about 90 years a million.
ID_SEARCHES_PER_DAY = 30
ID_SEARCHES_USED_UP = TooManyRequests(
    "ID_SEARCH_LIMIT",
    f"今日按身份证号码查找已达{ID_SEARCHES_PER_DAY}次上限，请明日再试，或按姓名查找",
    "q",
)


class Hit(msgspec.Struct, frozen=True):
    """One result: a member (with the masked ID and the branch) or an organisation."""

    kind: Kind
    id: str
    name: str
    exact: bool
    id_masked: str | None = None
    branch_id: str | None = None
    branch_name: str | None = None
    org_type: str | None = None
    state: str | None = None


def search(
    principal: Principal, q: str, kind: Kind, org_id: str | None, cursor: str | None, limit: int
) -> tuple[list[Hit], str | None]:
    """Hits in the subtree of `org_id` (default: the organisation the caller acts for), exact
    names first, and the cursor of the next page (None on the last). Raises ValidationError
    (a malformed query or cursor), ForbiddenError, NotFoundError."""
    if org_id is None:
        if principal.acting_org_id is None:
            raise NOT_OPERATOR
        org_id = principal.acting_org_id
    scope = get_org(org_id)
    operator = authorize(principal, "search.run", scope)
    if kind == "branch":  # organisation names may hold digits (2024级): never an ID number here
        return _organisations(scope, q, cursor, limit)
    query = parse_query(q)
    if query.kind == "ID_NUMBER":
        hits = _by_id_number(scope, query.value)
        _count_and_audit(operator, scope, query.value, hits)
        return hits, None
    return _members(scope, query.value, cursor, limit)


def _count_and_audit(operator: Acting, scope: Org, id18: str, hits: list[Hit]) -> None:
    """One transaction: the reader's look-up counted against today's limit, and its audit
    record. Nothing is answered unless both land. Raises TooManyRequests."""
    day = today_in_china()
    quota = IdSearchQuota(keys.id_search_quota_pk(operator.account_id, day.isoformat()), keys.META)
    uow = UnitOfWork(operator.actor)
    uow.update(
        quota,
        [
            IdSearchQuota.kind.set(IdSearchQuota),  # the first look-up of the day creates the item
            IdSearchQuota.used.add(1),
            IdSearchQuota.expires_at.set(datetime.combine(day + timedelta(days=2), time(0), CHINA_TZ)),
        ],
        condition=IdSearchQuota.used.does_not_exist() | (IdSearchQuota.used < ID_SEARCHES_PER_DAY),
        on_fail=ID_SEARCHES_USED_UP,
        versioned=False,
    )
    found = hits[0].id if hits else None
    uow.audit(
        "search.id_number",
        "ACCOUNT",
        operator.account_id,
        scope.org_id,
        after={"id_masked": mask_id_number(id18), "member_id": found, "found": found is not None},
    )
    uow.commit()


def _by_id_number(scope: Org, id18: str) -> list[Hit]:
    """The member an ID number belongs to, if within the scope (REG-4's claim names them)."""
    try:
        claim = Claim.get(keys.id_claim_pk(pii.blind_index(id18)), keys.META)
    except Claim.DoesNotExist:
        return []
    if claim.owner_kind != "MEMBER":
        return []  # a registration still under review is not a member yet
    try:
        member = Member.get(keys.member_pk(claim.owner_id), keys.META)
    except Member.DoesNotExist:
        return []
    try:
        branch = get_org(member.branch_id)
    except NotFoundError:
        return []
    if not within(scope, branch):
        return []
    return [
        Hit(
            kind="member",
            id=member.member_id,
            name=member.name,
            exact=True,
            id_masked=member.id_masked,
            branch_id=branch.org_id,
            branch_name=branch.short_name,
            state=member.state,
        )
    ]


def _two_phases(
    cursor: str | None,
    scope: tuple[Any, ...],
    limit: int,
    exact: Any,
    fragment: Any,
) -> tuple[list[Any], str | None]:
    """Exact matches first (phase 0), then the fragment's (phase 1); one cursor over both,
    sealed for `scope` (what names the search). Raises BAD_CURSOR for any other cursor."""
    state = paging.open_cursor(cursor, *scope) or {"p": 0}
    phase, key = state["p"], state.get("k")
    found: list[Any] = []
    if phase == 0:
        found, key = exact(limit, key)
        if key is not None:
            return found, paging.seal({"p": 0, "k": key}, *scope)
        if len(found) == limit:
            return found, paging.seal({"p": 1}, *scope)
    more, key = fragment(limit - len(found), key)
    found += more
    return found, paging.seal({"p": 1, "k": key}, *scope) if key is not None else None


def _names_in_scope(
    model: Any, exact_pk: str, fragment_pk: str, text: str, scope_path: str, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Name tokens (members' or organisations') within a subtree: those whose name is `text`
    (the exact partition), then those containing it (the fragment's partition), one cursor."""
    within_scope = model.sk.startswith(scope_path)

    def phase(pk: str, condition: Any) -> Any:
        def query(want: int, key: dict[str, Any] | None) -> tuple[list[Any], dict[str, Any] | None]:
            return query_bounded(
                model,
                pk,
                within_scope,
                filter_condition=condition,
                want=want,
                start_key=key,
                budget=READ_BUDGET,
                page_size=PAGE_SIZE,
            )

        return query

    partial = model.name.contains(text) & (model.name != text)
    scope = ("search", model.__name__, exact_pk, fragment_pk, text, scope_path)
    return _two_phases(cursor, scope, limit, phase(exact_pk, None), phase(fragment_pk, partial))


def _members(scope: Org, fragment: str, cursor: str | None, limit: int) -> tuple[list[Hit], str | None]:
    tokens, next_cursor = _names_in_scope(
        MemberNameToken,
        keys.member_name_pk(exact_gram(fragment)),
        keys.member_name_pk(fragment_gram(fragment)),
        fragment,
        scope.path,
        cursor,
        limit,
    )
    hits = [
        Hit(
            kind="member",
            id=t.member_id,
            name=t.label,
            exact=t.name == fragment,
            id_masked=t.id_masked,
            branch_id=t.branch_id,
            branch_name=t.branch_name,
        )
        for t in tokens
    ]
    return hits, next_cursor


def _organisations(scope: Org, q: str, cursor: str | None, limit: int) -> tuple[list[Hit], str | None]:
    # Organisation names are matched as orgs/items.py indexes them (lower-cased, no spaces).
    normalized = "".join(q.lower().split())
    bigram = most_selective_bigram(normalized)
    tokens, next_cursor = _names_in_scope(
        NameToken, keys.name_pk(exact_gram(normalized)), keys.name_pk(bigram), normalized, scope.path, cursor, limit
    )
    hits = [
        Hit(kind="branch", id=t.ref_id, name=t.label, exact=t.name == normalized, org_type=t.org_type) for t in tokens
    ]
    return hits, next_cursor
