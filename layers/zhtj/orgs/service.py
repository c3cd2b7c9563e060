"""The organisation tree (组织树): create, read, list, search, move, dissolve, merge (ORG-1..8).

Every function takes the caller's Principal, authorizes through logic.auth, and commits
its writes with their audit records in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from zhtj.core.clock import new_id, now
from zhtj.core.errors import ConflictError, NotFoundError, RuleViolation, ValidationError
from zhtj.members.models import Member
from zhtj.names import index as search_index
from zhtj.names.rules import exact_gram
from zhtj.orgs.authz import authorize, get_org, within
from zhtj.orgs.models import NameToken, Org, TreeJob, TreeLock
from zhtj.orgs.rules import (
    TYPE_RANK,
    Level,
    OrgType,
    Placement,
    Sector,
    bigrams,
    check_placement,
    most_selective_bigram,
    path_ids,
    validate_names,
)
from zhtj.schemas import OrgCreate
from zhtj.signin.tokens import Principal
from zhtj.stats import service as stats
from zhtj.stats.models import OwnStat
from zhtj.table import keys, paging, queues
from zhtj.table.unit_of_work import MAX_TRANSACTION_ITEMS, SYSTEM_ACTOR, Actor, UnitOfWork

ACTIVE = "ACTIVE"
DISSOLVED = "DISSOLVED"
TREE_QUEUE = "tree-maintenance"
# A dead move job's lock lapses after this (TTL), so a city is never locked for good.
LOCK_LIFETIME = timedelta(hours=6)
# Members moved per transaction when merging: each needs its update and its audit record.
MERGE_CHUNK = 45
# ORG-7: the organisation that holds members transferred out of the province.
SYSTEM_ORG_SHORT_NAME = "非共青团广东省委所辖的团组织"

PARENT_GONE = ConflictError("PARENT_NOT_ACTIVE", "上级组织已撤销或正在调整，请刷新后重试", "parent_id")
MOVE_IN_PROGRESS = ConflictError("TREE_MOVE_IN_PROGRESS", "该组织所在的组织树正在调整隶属关系，请稍后再试", None)


# --- Item shapes ------------------------------------------------------------------------


def bucket_of(path: str) -> str:
    """The depth-1 ancestor of a path (the root for the root itself): the subtree index's
    partition, so that no single partition holds the whole province."""
    segments = path.strip("/").split("/")
    return segments[1] if len(segments) > 1 else segments[0]


def set_index_keys(org: Org) -> None:
    org.pk, org.sk = keys.org_pk(org.org_id), keys.META
    parent = org.parent_id or "ROOT"
    org.gsi1sk = f"{TYPE_RANK[OrgType(org.org_type)]:02d}#{org.short_name}#{org.org_id}"
    if org.status != ACTIVE:
        org.gsi1pk, org.gsi2pk, org.gsi2sk = keys.dissolved_pk(parent), None, None
        return
    org.gsi1pk = keys.system_orgs_pk(parent) if org.system else keys.children_pk(parent)
    org.gsi2pk, org.gsi2sk = keys.tree_pk(bucket_of(org.path)), org.path


def name_tokens(org: Org, path: str | None = None) -> list[NameToken]:
    """The search index items of an organisation's short name: one per bigram, and one for the
    whole name (=<name>), which STAT-3's search reads first to rank exact matches first."""
    where = path or org.path
    normalized = "".join(org.short_name.lower().split())
    return [
        NameToken(
            keys.name_pk(gram), where, ref_id=org.org_id, name=normalized, label=org.short_name, org_type=org.org_type
        )
        for gram in [*sorted(bigrams(org.short_name)), exact_gram(normalized)]
    ]


def snapshot(org: Org) -> dict[str, Any]:
    """The audited state of an organisation."""
    fields = ("parent_id", "path", "org_type", "level", "sector", "short_name", "full_name", "alias", "status")
    return {f: getattr(org, f) for f in fields if getattr(org, f) is not None}


# --- Bootstrap (run by operators, not over the API) --------------------------------------


@dataclass(frozen=True)
class Province:
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
        uow.put(stats.new_own_stat(org), condition=OwnStat.pk.does_not_exist())
        for token in name_tokens(org):
            uow.put(token)
        uow.audit("org.create", "ORG", org.org_id, org.org_id, after=snapshot(org))
    uow.commit()
    return Province(root, system)


# --- Reads --------------------------------------------------------------------------------


def read(principal: Principal, org_id: str) -> Org:
    org = get_org(org_id)
    authorize(principal, "org.read", org)
    return org


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
    wanted = [o for o in in_region if o.status == ACTIVE and not o.system]
    wanted.sort(key=lambda o: (o.sector not in (Sector.COMMUNITY, Sector.RURAL), o.short_name))
    return wanted[:limit]


def ancestors(org: Org) -> list[Org]:
    """The organisation's ancestors, root first (one batch read)."""
    ids = path_ids(org.path)[:-1]
    found = {o.org_id: o for o in Org.batch_get([(keys.org_pk(i), keys.META) for i in ids]) if isinstance(o, Org)}
    return [found[i] for i in ids if i in found]


# --- Create ------------------------------------------------------------------------------


def create_child(principal: Principal, parent_id: str, body: OrgCreate) -> Org:
    """ORG-6: a child is created by its parent's administrator (or one above). Refuses type
    rules (ORG-1/2) and malformed names (ORG-5)."""
    parent = get_org(parent_id)
    operator = authorize(principal, "org.create_child", parent)
    if parent.status != ACTIVE or parent.system:
        raise PARENT_GONE if parent.status != ACTIVE else RuleViolation("ORG-7", "系统组织下不能设立下级组织", None)
    check_placement(Placement(OrgType(parent.org_type), _level(parent)), body.org_type, body.level)
    city_prefix = _city_prefix([*ancestors(parent), parent], body)
    names = validate_names(
        body.short_name, body.full_name, body.alias, body.org_type, city_prefix, body.class_branch, body.entry_year
    )
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
    uow.put(stats.new_own_stat(org), condition=OwnStat.pk.does_not_exist())
    # The parent must still be where we read it: a concurrent move would orphan the path.
    uow.update(
        parent,
        [Org.child_count.add(1)],
        condition=(Org.status == ACTIVE) & (Org.path == parent.path) & Org.moving_job_id.does_not_exist(),
        on_fail=PARENT_GONE,
        versioned=False,
    )
    for token in name_tokens(org):
        uow.put(token)
    uow.audit("org.create", "ORG", org.org_id, org.org_id, after=snapshot(org))
    uow.commit()
    return org


def _level(org: Org) -> Level | None:
    return Level(org.level) if org.level else None


def _city_prefix(lineage: list[Org], body: OrgCreate) -> str | None:
    """ORG-5: names are written from the city-level region down. The region of the nearest
    city-level leading organ in the lineage (or the new city organ's own region)."""
    if body.org_type == OrgType.LEADING_ORGAN:
        if body.level in (Level.CITY, Level.COUNTY) and not body.region_name:
            raise ValidationError("REGION_REQUIRED", "市、县级团的领导机关须填写所在地区名称", "region_name")
        if body.level == Level.CITY:
            return None  # a city organ's own short name reads "广州团市委"
    for org in reversed(lineage):
        if org.org_type == OrgType.LEADING_ORGAN and org.level == Level.CITY:
            return org.region_name
    return None


# --- Move (理顺隶属关系) --------------------------------------------------------------------


def move(principal: Principal, org_id: str, new_parent_id: str, reason: str) -> TreeJob:
    """ORG-6: move a subtree under another parent. The moved organisation changes at once;
    the paths beneath it are rewritten by the tree-maintenance worker, a page at a time.
    Returns the job; raises RuleViolation/ConflictError/ForbiddenError."""
    org = get_org(org_id)
    operator = authorize(principal, "org.move", org)
    new_parent = get_org(new_parent_id)
    authorize(principal, "org.create_child", new_parent)
    if org.system or org.parent_id is None:
        raise RuleViolation("ORG-7", "省级团委和系统组织不能调整隶属关系", None)
    if within(org, new_parent):
        raise RuleViolation("ORG-6", "不能把组织移到它自己或它的下级组织之下", "new_parent_id")
    if new_parent.org_id == org.parent_id:
        raise ValidationError("MOVE_SAME_PARENT", "该组织已隶属于所选上级组织", "new_parent_id")
    if new_parent.status != ACTIVE or new_parent.system:
        raise PARENT_GONE
    check_placement(Placement(OrgType(new_parent.org_type), _level(new_parent)), OrgType(org.org_type), _level(org))
    old_parent = get_org(org.parent_id)
    before = snapshot(org)
    old_path = org.path
    new_path = f"{new_parent.path}{org.org_id}/"
    job = TreeJob(
        keys.job_pk(new_id("j")),
        keys.META,
        org_id=org.org_id,
        old_path=old_path,
        new_path=new_path,
        created_at=now(),
        updated_at=now(),
        gsi1pk=keys.RUNNING_JOBS_PK,
    )
    job.job_id = job.pk.removeprefix("JOB#")
    job.gsi1sk = f"{job.created_at.isoformat()}#{job.job_id}"
    uow = UnitOfWork(operator.actor)
    for bucket in {bucket_of(old_path), bucket_of(new_path)}:
        lock = TreeLock(keys.tree_lock_pk(bucket), keys.META, job_id=job.job_id, expires_at=now() + LOCK_LIFETIME)
        uow.put(lock, condition=TreeLock.pk.does_not_exist(), on_fail=MOVE_IN_PROGRESS)
    uow.put(job, condition=TreeJob.pk.does_not_exist())
    for token in name_tokens(org):
        uow.delete(token)
    org.parent_id, org.path, org.depth, org.moving_job_id = (
        new_parent.org_id,
        new_path,
        new_parent.depth + 1,
        job.job_id,
    )
    set_index_keys(org)
    uow.put(org)  # versioned: refused if anyone changed it since we read it
    stats.rewrite_path(uow, org, new_path)  # STAT-1: its figures leave the old ancestors with it
    search_index.mark_moved(uow, job.job_id, org)  # STAT-3: a moved branch's member tokens follow
    for token in name_tokens(org):
        uow.put(token)
    moved_in = (Org.status == ACTIVE) & (Org.path == new_parent.path)
    uow.update(old_parent, [Org.child_count.add(-1)], versioned=False)
    uow.update(new_parent, [Org.child_count.add(1)], condition=moved_in, on_fail=PARENT_GONE, versioned=False)
    uow.audit("org.move", "ORG", org.org_id, org.org_id, before=before, after={**snapshot(org), "reason": reason})
    uow.commit()
    queues.send(TREE_QUEUE, {"job_id": job.job_id})
    return job


def continue_move(job_id: str, page_size: int = 25, max_pages: int = 40) -> bool:
    """Rewrite the paths below a moved subtree, page by page; finish the job when none are
    left. Idempotent: an item is rewritten only while it still has its old path. Returns True
    when the job is finished, False when more remains (the caller sends it on again)."""
    try:
        job = TreeJob.get(keys.job_pk(job_id), keys.META, consistent_read=True)
    except TreeJob.DoesNotExist:
        return True
    if job.status != "RUNNING":
        return True
    old_bucket = bucket_of(job.old_path)
    for _ in range(max_pages):
        stale = [
            o
            for o in Org.by_gsi2.query(keys.tree_pk(old_bucket), Org.gsi2sk.startswith(job.old_path), limit=page_size)
            if isinstance(o, Org)
        ]
        if not stale:
            # STAT-3: the re-pathed branches' member tokens follow before the job is done.
            if not search_index.follow_moves(job.job_id):
                break
            _finish_move(job)
            return True
        for org in stale:
            _rewrite_path(org, job)
    job.update(actions=[TreeJob.updated_at.set(now())])
    return False


def _rewrite_path(org: Org, job: TreeJob) -> None:
    old = org.path
    if not old.startswith(job.old_path):
        return
    uow = UnitOfWork(Actor("system", job.org_id))
    for token in name_tokens(org):
        uow.delete(token)
    org.path = job.new_path + old[len(job.old_path) :]
    org.depth = org.path.count("/") - 2
    set_index_keys(org)
    stats.rewrite_path(uow, org, org.path)
    uow.update(
        org,
        [Org.path.set(org.path), Org.depth.set(org.depth), Org.gsi2pk.set(org.gsi2pk), Org.gsi2sk.set(org.gsi2sk)],
        condition=Org.path == old,
        on_fail=ConflictError("ALREADY_REWRITTEN", "", None),
        versioned=False,
    )
    for token in name_tokens(org):
        uow.put(token)
    search_index.mark_moved(uow, job.job_id, org)
    try:
        uow.commit()
    except ConflictError:
        return  # rewritten by an earlier delivery of the same job


def _finish_move(job: TreeJob) -> None:
    org = get_org(job.org_id)
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        job,
        [TreeJob.status.set("DONE"), TreeJob.finished_at.set(now()), TreeJob.gsi1pk.remove(), TreeJob.gsi1sk.remove()],
        condition=TreeJob.status == "RUNNING",
        on_fail=ConflictError("JOB_DONE", "", None),
    )
    if org.moving_job_id == job.job_id:
        uow.update(org, [Org.moving_job_id.remove()], versioned=False)
    for bucket in {bucket_of(job.old_path), bucket_of(job.new_path)}:
        uow.delete(TreeLock(keys.tree_lock_pk(bucket), keys.META), condition=TreeLock.job_id == job.job_id)
    uow.audit("org.move.finished", "ORG", job.org_id, job.org_id, after={"job_id": job.job_id, "path": job.new_path})
    try:
        uow.commit()
    except ConflictError:
        return


def resume_stalled_moves(older_than: timedelta = timedelta(minutes=5)) -> int:
    """Send on every running move job that has not advanced lately (its message was lost
    or dead-lettered). Returns how many were sent on."""
    cutoff = now() - older_than
    sent = 0
    for job in TreeJob.by_gsi1.query(keys.RUNNING_JOBS_PK):
        if isinstance(job, TreeJob) and job.updated_at < cutoff:
            queues.send(TREE_QUEUE, {"job_id": job.job_id})
            sent += 1
    return sent


def read_job(principal: Principal, job_id: str) -> TreeJob:
    try:
        job = TreeJob.get(keys.job_pk(job_id), keys.META)
    except TreeJob.DoesNotExist as error:
        raise NotFoundError("JOB_NOT_FOUND", "任务不存在", "job_id") from error
    read(principal, job.org_id)
    return job


# --- Dissolve and merge -------------------------------------------------------------------


def dissolve(principal: Principal, org_id: str, reason: str) -> Org:
    """ORG-6: dissolve an organisation with no members and no children. Refused while
    members remain (nobody is left without a branch)."""
    org = get_org(org_id)
    operator = authorize(principal, "org.dissolve", org)
    return _dissolve(operator.actor, org, reason)


def _dissolve(actor: Actor, org: Org, reason: str) -> Org:
    if org.system or org.parent_id is None:
        raise RuleViolation("ORG-7", "省级团委和系统组织不能撤销", None)
    if org.status != ACTIVE:
        raise ConflictError("ORG_NOT_ACTIVE", "该组织已撤销", None)
    occupied = RuleViolation("ORG-6", "该组织仍有团员或下级组织，请先转出团员或合并团支部", None)
    if org.member_count or org.child_count:
        raise occupied
    parent = get_org(org.parent_id)
    before = snapshot(org)
    uow = UnitOfWork(actor)
    for token in name_tokens(org):
        uow.delete(token)
    org.status = DISSOLVED
    set_index_keys(org)
    uow.update(
        org,
        [Org.status.set(DISSOLVED), Org.gsi1pk.set(org.gsi1pk), Org.gsi2pk.remove(), Org.gsi2sk.remove()],
        condition=(Org.member_count == 0) & (Org.child_count == 0) & Org.moving_job_id.does_not_exist(),
        on_fail=occupied,
    )
    uow.update(parent, [Org.child_count.add(-1)], versioned=False)
    uow.audit("org.dissolve", "ORG", org.org_id, org.org_id, before=before, after={**snapshot(org), "reason": reason})
    uow.commit()
    return org


def merge(principal: Principal, org_id: str, into_org_id: str, reason: str) -> tuple[int, Org]:
    """ORG-6: merge a branch into another: its members move (a chunk per transaction, each
    with its audit record), then it is dissolved. Safe to repeat after an interruption.
    Returns (members moved, the dissolved branch)."""
    branch = get_org(org_id)
    operator = authorize(principal, "org.merge", branch)
    target = get_org(into_org_id)
    authorize(principal, "org.read", target)
    if branch.org_type != OrgType.BRANCH or target.org_type != OrgType.BRANCH or target.system:
        raise RuleViolation("ORG-4", "只能把团支部合并到另一个团支部", "into_org_id")
    if branch.org_id == target.org_id:
        raise ValidationError("MERGE_SAME_BRANCH", "不能把团支部合并到它自己", "into_org_id")
    if target.status != ACTIVE:
        raise PARENT_GONE
    moved = 0
    while True:
        members = [
            m
            for m in Member.by_gsi1.query(keys.branch_members_pk(branch.org_id), limit=MERGE_CHUNK)
            if isinstance(m, Member)
        ]
        if not members:
            break
        # STAT-3: each member's search tokens move too; a chunk takes what fits in one transaction.
        members = _fitting(members)
        uow = UnitOfWork(operator.actor)
        for member in members:
            before = {"branch_id": member.branch_id}
            token_actions, token_guard = search_index.move(uow, member, target)
            member.branch_id = target.org_id
            member.gsi1pk = keys.branch_members_pk(target.org_id)
            uow.update(
                member,
                [Member.branch_id.set(target.org_id), Member.gsi1pk.set(member.gsi1pk), *token_actions],
                condition=(Member.branch_id == branch.org_id) & token_guard,
            )
            uow.audit("member.merge", "MEMBER", member.member_id, target.org_id, before, {"branch_id": target.org_id})
        uow.update(branch, [Org.member_count.add(-len(members))], versioned=False)
        uow.update(
            target,
            [Org.member_count.add(len(members))],
            condition=(Org.status == ACTIVE) & search_index.branch_guard(target),
            on_fail=PARENT_GONE,
            versioned=False,
        )
        uow.commit()
        moved += len(members)
    return moved, _dissolve(operator.actor, get_org(branch.org_id), reason)


def _fitting(members: list[Member]) -> list[Member]:
    """The first members whose merge (update, audit record, token moves) fits one transaction
    beside the two branches' counters; the rest come with the next chunk."""
    room, taken = MAX_TRANSACTION_ITEMS - 2, list[Member]()
    for member in members:
        cost = 2 + search_index.writes_per_member(member)
        if taken and cost > room:
            break
        taken.append(member)
        room -= cost
    return taken
