"""Moving a subtree under another parent (ORG-6, 理顺隶属关系): the moved organisation at once,
the paths beneath it by the tree-maintenance worker a page at a time, then the job's end."""

from __future__ import annotations

from datetime import timedelta

from zhtj.core.clock import new_id, now
from zhtj.core.errors import ConflictError, RuleViolation, ValidationError
from zhtj.counters import service as counters
from zhtj.names import index as search_index
from zhtj.orgs.authz import authorize, get_org, within
from zhtj.orgs.items import bucket_of, level_of, name_tokens, set_index_keys, snapshot
from zhtj.orgs.messages import TREE_MAINTENANCE, RewriteSubtree
from zhtj.orgs.models import Org, TreeJob, TreeLock
from zhtj.orgs.rules import MOVE_IN_PROGRESS, PARENT_GONE, OrgStatus, OrgType, Placement, TreeJobStatus, check_placement
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, Actor, UnitOfWork

# A dead move job's lock lapses after this (TTL), so a city is never locked for good.
LOCK_LIFETIME = timedelta(hours=6)


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
    if new_parent.status != OrgStatus.ACTIVE or new_parent.system:
        raise PARENT_GONE
    check_placement(Placement(OrgType(new_parent.org_type), level_of(new_parent)), OrgType(org.org_type), level_of(org))
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
    counters.rewrite_path(uow, org.org_id, new_path)  # STAT-1: its figures leave the old ancestors with it
    search_index.mark_moved(uow, job.job_id, org)  # STAT-3: a moved branch's member tokens follow
    for token in name_tokens(org):
        uow.put(token)
    moved_in = (Org.status == OrgStatus.ACTIVE) & (Org.path == new_parent.path)
    uow.update(old_parent, [Org.child_count.add(-1)], versioned=False)
    uow.update(new_parent, [Org.child_count.add(1)], condition=moved_in, on_fail=PARENT_GONE, versioned=False)
    uow.audit("org.move", "ORG", org.org_id, org.org_id, before=before, after={**snapshot(org), "reason": reason})
    uow.commit()
    TREE_MAINTENANCE.send(RewriteSubtree(job_id=job.job_id))
    return job


def continue_move(job_id: str, page_size: int = 25, max_pages: int = 40) -> bool:
    """Rewrite the paths below a moved subtree, page by page; finish the job when none are
    left. Idempotent: an item is rewritten only while it still has its old path. Returns True
    when the job is finished, False when more remains (the caller sends it on again)."""
    try:
        job = TreeJob.get(keys.job_pk(job_id), keys.META, consistent_read=True)
    except TreeJob.DoesNotExist:
        return True
    if job.status != TreeJobStatus.RUNNING:
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
    counters.rewrite_path(uow, org.org_id, org.path)
    uow.update(
        org,
        [Org.path.set(org.path), Org.depth.set(org.depth), Org.gsi2pk.set(org.gsi2pk), Org.gsi2sk.set(org.gsi2sk)],
        # A rename since the page was read (editing.py) leaves the org for the next page, so
        # that the tokens written here carry its names as they are.
        condition=(Org.path == old) & (Org.short_name == org.short_name) & (Org.alias == org.alias),
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
        [
            TreeJob.status.set(TreeJobStatus.DONE),
            TreeJob.finished_at.set(now()),
            TreeJob.gsi1pk.remove(),
            TreeJob.gsi1sk.remove(),
        ],
        condition=TreeJob.status == TreeJobStatus.RUNNING,
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
            TREE_MAINTENANCE.send(RewriteSubtree(job_id=job.job_id))
            sent += 1
    return sent
