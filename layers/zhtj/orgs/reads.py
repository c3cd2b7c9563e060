"""Reading the organisation tree: one organisation, its children, its subtree in path order,
name search (STAT-3's branch half, XFER-3's branch finder), ancestors, a move job."""

from __future__ import annotations

from zhtj.core.errors import ConflictError, NotFoundError
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.items import bucket_of
from zhtj.orgs.models import NameToken, Org, TreeJob
from zhtj.orgs.rules import OrgStatus, OrgType, Sector, most_selective_bigram, path_ids
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging


def read(principal: Principal, org_id: str) -> Org:
    org = get_org(org_id)
    authorize(principal, "org.read", org)
    return org


def org_names(org_ids: list[str]) -> dict[str, str]:
    """Each organisation's short name by id, in one BatchGetItem (the console lists by name)."""
    wanted = sorted({(keys.org_pk(o), keys.META) for o in org_ids})
    return {o.org_id: o.short_name for o in Org.batch_get(wanted) if isinstance(o, Org)} if wanted else {}


def system_org(principal: Principal) -> Org:
    """ORG-7: the province's organisation for members transferred out of it."""
    operator = authorize(principal, "system_org.read", None)
    found = [o for o in Org.by_gsi1.query(keys.system_orgs_pk(operator.org.org_id)) if isinstance(o, Org)]
    if not found:
        raise ConflictError("SYSTEM_ORG_MISSING", "本省尚未建立“非本省所辖团组织”", None)
    return found[0]


def list_children(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[Org], str | None]:
    org = read(principal, org_id)
    return paging.query_page(Org.by_gsi1.query, keys.children_pk(org.org_id), limit=limit, cursor=cursor)


def list_subtree(
    principal: Principal, org_id: str, cursor: str | None, limit: int, org_type: OrgType | None = None
) -> tuple[list[Org], str | None]:
    """The organisation and everything beneath it, in path order, a page at a time.

    Below depth 1 a subtree lies in one partition of the tree index; the root's spans one
    partition per direct child, walked in turn (the cursor remembers which)."""
    org = read(principal, org_id)
    scope = ("orgs.subtree", org.org_id, org_type)
    state = paging.open_cursor(cursor, *scope) or {}
    buckets = _subtree_buckets(org)
    index, key = state.get("b", 0), state.get("k")
    if index >= len(buckets):  # the root lost a direct child since the cursor was issued
        raise paging.BAD_CURSOR
    found: list[Org] = []
    condition = Org.org_type == org_type.value if org_type else None
    while index < len(buckets) and len(found) < limit:
        items, key = paging.read_page(
            Org.by_gsi2.query,
            keys.tree_pk(buckets[index]),
            Org.gsi2sk.startswith(org.path),
            filter_condition=condition,
            limit=limit - len(found),
            start_key=key,
        )
        found.extend(items)
        if key is None:
            index += 1
    if index >= len(buckets):
        return found, None
    return found, paging.seal({"b": index, "k": key}, *scope)


def branches_beneath(org: Org) -> list[Org]:
    """Every active branch beneath `org` (the ORG-7 system organisation aside), in path order:
    a Query of the tree index per partition the subtree spans (one below depth 1), filtered to
    branches. No authorization: the caller has authorized its action on `org`."""
    found: list[Org] = []
    for bucket in _subtree_buckets(org):
        for item in Org.by_gsi2.query(
            keys.tree_pk(bucket), Org.gsi2sk.startswith(org.path), filter_condition=Org.org_type == OrgType.BRANCH
        ):
            if (
                isinstance(item, Org)
                and item.status == OrgStatus.ACTIVE
                and not item.system
                and item.org_id != org.org_id
            ):
                found.append(item)
    return found


def _subtree_buckets(org: Org) -> list[str]:
    if org.depth >= 1:
        return [bucket_of(org.path)]
    children = [*Org.by_gsi1.query(keys.children_pk(org.org_id)), *Org.by_gsi1.query(keys.system_orgs_pk(org.org_id))]
    return [org.org_id, *sorted(c.org_id for c in children if isinstance(c, Org))]


def search(
    principal: Principal, org_id: str, fragment: str, cursor: str | None, limit: int
) -> tuple[list[NameToken], str | None]:
    """Organisations in a subtree whose short name contains a fragment (STAT-3's branch half)."""
    org = read(principal, org_id)
    bigram = most_selective_bigram(fragment)
    normalized = "".join(fragment.lower().split())
    return paging.query_page(
        NameToken.query,
        keys.name_pk(bigram),
        NameToken.sk.startswith(org.path),
        filter_condition=NameToken.name.contains(normalized),
        limit=limit,
        cursor=cursor,
    )


def find_branches(fragment: str, region: str | None, limit: int) -> list[Org]:
    """XFER-3: active branches of the province whose name contains a fragment (optionally in a
    region named like `region`), those of communities and villages first: where a member's
    unit has no league organisation, the membership goes to where they live."""
    normalized = "".join(fragment.lower().split())
    tokens = NameToken.query(
        keys.name_pk(most_selective_bigram(fragment)),
        filter_condition=(NameToken.name.contains(normalized)) & (NameToken.org_type == OrgType.BRANCH.value),
        limit=200,
    )
    ids = [t.ref_id for t in tokens if isinstance(t, NameToken)][:100]
    found = [o for o in Org.batch_get([(keys.org_pk(i), keys.META) for i in ids]) if isinstance(o, Org)]
    in_region = [o for o in found if not region or region in (o.region_name or "") or region in o.full_name]
    wanted = [o for o in in_region if o.status == OrgStatus.ACTIVE and not o.system]
    wanted.sort(key=lambda o: (o.sector not in (Sector.COMMUNITY, Sector.RURAL), o.short_name))
    return wanted[:limit]


def ancestors(org: Org) -> list[Org]:
    """The organisation's ancestors, root first (one batch read)."""
    ids = path_ids(org.path)[:-1]
    found = {o.org_id: o for o in Org.batch_get([(keys.org_pk(i), keys.META) for i in ids]) if isinstance(o, Org)}
    return [found[i] for i in ids if i in found]


# --- Create ------------------------------------------------------------------------------


def read_job(principal: Principal, job_id: str) -> TreeJob:
    try:
        job = TreeJob.get(keys.job_pk(job_id), keys.META)
    except TreeJob.DoesNotExist as error:
        raise NotFoundError("JOB_NOT_FOUND", "任务不存在", "job_id") from error
    read(principal, job.org_id)
    return job
