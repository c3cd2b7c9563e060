"""Rewards and punishments (奖惩, AWARD-1/AWARD-2) entered by an organisation: one member or a
batch, a punishment's release, the lists; and the pieces a member's declaration
(awards/declarations.py) shares: the entry, its checks, its write.

Reading of AWARD-1 ("whoever issues it enters it; joint awards by the same-level league
organisation"): an operator enters an award for a member at or below its organisation, and
the award is then recorded as granted by that organisation itself (it cannot enter in another
league organisation's name). An award issued by a body outside the league tree, or jointly
with one (a government department, a federation, the league centre), names that body in
`granted_by_name` and is entered by the league organisation at or above the member's branch
that holds the document (the same-level league organisation); the record keeps which
organisation entered it. A member may declare an award themself: naming a league
organisation at or above their branch, that organisation approves or returns it; naming an
outside body, any organisation at or above their branch does.

AWARD-2: an entry later than 20 working days after the document's date (the calendar in
force, zhtj.timers.calendar) is accepted and flagged `late` (and indexed for the compliance
sweep). Every write is one transaction with the card's mark-due (card_due.changed) and its
audit record; a batch (≤ 200 members) is one transaction per chunk of members.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from zhtj.accounts import reads as accounts
from zhtj.awards import rules as award_rules
from zhtj.awards.models import Award, AwardDeclaration
from zhtj.awards.rules import AwardKind
from zhtj.cards import due as card_due
from zhtj.core import clock
from zhtj.core.errors import ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError
from zhtj.members.models import Member
from zhtj.members.rules import FINAL_STATES
from zhtj.members.service import get_member, member_and_branch, own_member
from zhtj.orgs.authz import Acting, authorize, get_org, within
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, storage
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.timers import calendar

# Members per transaction of a batch: an award, the card's mark-due and an audit record each.
# Members per transaction of a batch: an award, the card's mark-due and an audit record each.
CHUNK = 30
ATTACHMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

NOT_GRANTING_ORG = ForbiddenError("NOT_GRANTING_ORG", "只能由授予（作出）该奖惩的组织办理", None)
AWARD_NOT_FOUND = NotFoundError("AWARD_NOT_FOUND", "奖惩记录不存在", "award_id")
AWARD_CHANGED = ConflictError("AWARD_CHANGED", "该奖惩记录已被他人修改，请刷新后重试", None)


class AwardEntry(msgspec.Struct, frozen=True):
    """What the issuing document says. `granted_by_name` only for a body outside the league tree
    (or a joint award); otherwise the entering organisation is the granting one."""

    kind: AwardKind
    title: str
    document_number: str
    document_date: date
    level: str | None = None
    granted_by_name: str | None = None
    attachment_key: str | None = None
    starts_on: date | None = None
    released_on: date | None = None


class BatchOutcome(msgspec.Struct, frozen=True):
    member_id: str
    award_id: str | None
    code: str | None = None
    message: str | None = None


def check_entry(entry: AwardEntry, today: date) -> None:
    award_rules.check_document(entry.document_date, today)
    award_rules.check_punishment(entry.kind, entry.starts_on, entry.released_on)


def require_on_record(member: Member) -> None:
    if member.state in FINAL_STATES:
        raise ConflictError("MEMBER_NOT_ON_RECORD", "该人员已不在团员名册中，不能登记奖惩", "member_id")


def upload_prefix(org_id: str) -> str:
    return f"awards/{org_id}/"


def declaration_upload_prefix(member_id: str) -> str:
    return f"award-declarations/{member_id}/"


def _upload(prefix: str, content_type: str) -> tuple[str, str]:
    extension = ATTACHMENT_TYPES.get(content_type)
    if extension is None:
        raise ValidationError("ATTACHMENT_TYPE", "附件只能是PDF、JPEG或PNG", "content_type")
    key = f"{prefix}{clock.new_id('f')}.{extension}"
    return key, storage.upload_url("uploads", key, content_type)


def check_attachment(key: str | None, prefix: str) -> None:
    if key is not None and (not key.startswith(prefix) or not storage.exists("uploads", key)):
        raise ValidationError("ATTACHMENT_NOT_FOUND", "附件未上传或不属于本组织", "attachment_key")


def org_upload(principal: Principal, org_id: str, content_type: str) -> tuple[str, str]:
    """A presigned upload of an award document's scan for the organisation that enters it."""
    authorize(principal, "award.enter", get_org(org_id))
    return _upload(upload_prefix(org_id), content_type)


def declaration_upload(principal: Principal, member_id: str, content_type: str) -> tuple[str, str]:
    """A presigned upload of the certificate the member declares."""
    own_member(principal, member_id)
    return _upload(declaration_upload_prefix(member_id), content_type)


def new_award(operator: Acting, member_id: str, entry: AwardEntry, award_id: str, today: date, **extra: Any) -> Award:
    at = clock.now()
    deadline = award_rules.entry_deadline(calendar.current(), entry.document_date)
    late = today > deadline
    granted_by_org = entry.granted_by_name is None
    award = Award(
        keys.member_pk(member_id),
        keys.award_sk(award_id),
        gsi1pk=keys.org_awards_pk(operator.org.org_id),
        gsi1sk=f"{at.isoformat()}#{award_id}",
        award_id=award_id,
        member_id=member_id,
        award_kind=entry.kind.value,
        title=entry.title,
        level=entry.level,
        document_number=entry.document_number,
        granted_on=entry.document_date.isoformat(),
        granted_by_org_id=operator.org.org_id if granted_by_org else None,
        granted_by_name=operator.org.full_name if granted_by_org else str(entry.granted_by_name),
        entered_by_org_id=operator.org.org_id,
        entered_by=operator.account_id,
        entered_at=at,
        entry_deadline=deadline.isoformat(),
        late=late,
        attachment_key=entry.attachment_key,
        starts_on=entry.starts_on.isoformat() if entry.starts_on else None,
        released_on=entry.released_on.isoformat() if entry.released_on else None,
        in_force=award_rules.in_force(entry.kind, entry.released_on, today)
        if entry.kind == AwardKind.PUNISHMENT
        else None,
        **extra,
    )
    if late:
        award.gsi2pk, award.gsi2sk = keys.late_awards_pk(operator.org.org_id), award.gsi1sk
    return award


def write_award(uow: UnitOfWork, award: Award, org_id: str, action: str = "award.enter") -> None:
    uow.put(award, condition=Award.pk.does_not_exist())
    card_due.changed(uow, award.member_id)
    uow.audit(action, "MEMBER", award.member_id, org_id, after=_snapshot(award))


def _snapshot(award: Award) -> dict[str, Any]:
    return {
        "award_id": award.award_id,
        "award_kind": award.award_kind,
        "title": award.title,
        "document_number": award.document_number,
        "granted_on": award.granted_on,
        "granted_by_name": award.granted_by_name,
        "late": award.late,
        "in_force": award.in_force,
    }


def enter(principal: Principal, member_id: str, entry: AwardEntry) -> Award:
    """AWARD-1/AWARD-2: the issuing organisation (at or above the member's branch) enters an
    award; late entries are flagged. Raises ValidationError, ForbiddenError, ConflictError."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "award.enter", branch)
    today = clock.today_in_china()
    check_entry(entry, today)
    check_attachment(entry.attachment_key, upload_prefix(operator.org.org_id))
    require_on_record(member)
    award = new_award(operator, member_id, entry, clock.new_id("w"), today)
    uow = UnitOfWork(operator.actor)
    write_award(uow, award, branch.org_id)
    uow.commit()
    return award


def enter_batch(principal: Principal, org_id: str, member_ids: list[str], entry: AwardEntry) -> list[BatchOutcome]:
    """One document naming many members (≤ 200), all at or below `org_id`: each member's award
    is written with its card mark and audit record, CHUNK members a transaction; a member who
    cannot receive it (unknown, elsewhere, off the roll) is reported and the others proceed."""
    scope = get_org(org_id)
    operator = authorize(principal, "award.enter", scope)
    today = clock.today_in_china()
    check_entry(entry, today)
    if not 1 <= len(member_ids) <= award_rules.MAX_BATCH:
        raise ValidationError("AWARD_BATCH_SIZE", f"一次最多登记{award_rules.MAX_BATCH}名团员", "member_ids")
    if len(set(member_ids)) != len(member_ids):
        raise ValidationError("AWARD_BATCH_DUPLICATE", "名单中有重复的团员", "member_ids")
    check_attachment(entry.attachment_key, upload_prefix(operator.org.org_id))
    batch_id = clock.new_id("wb")
    members = {
        m.member_id: m
        for m in Member.batch_get([(keys.member_pk(i), keys.META) for i in member_ids])
        if isinstance(m, Member)
    }
    branches = {
        o.org_id: o
        for o in Org.batch_get([(keys.org_pk(b), keys.META) for b in {m.branch_id for m in members.values()}])
        if isinstance(o, Org)
    }
    outcomes: list[BatchOutcome] = []
    accepted: list[tuple[Award, str]] = []
    for member_id in member_ids:
        member = members.get(member_id)
        branch = branches.get(member.branch_id) if member else None
        if member is None or branch is None:
            outcomes.append(BatchOutcome(member_id, None, "MEMBER_NOT_FOUND", "团员不存在"))
        elif not within(scope, branch):
            outcomes.append(BatchOutcome(member_id, None, "OUT_OF_SCOPE", "该团员不在本组织及其下级组织中"))
        elif member.state in FINAL_STATES:
            outcomes.append(BatchOutcome(member_id, None, "MEMBER_NOT_ON_RECORD", "该人员已不在团员名册中"))
        else:
            award = new_award(operator, member_id, entry, clock.new_id("w"), today, batch_id=batch_id)
            accepted.append((award, branch.org_id))
            outcomes.append(BatchOutcome(member_id, award.award_id))
    failed: dict[str, DomainError] = {}
    for start in range(0, len(accepted), CHUNK):
        chunk = accepted[start : start + CHUNK]
        uow = UnitOfWork(operator.actor)
        for award, branch_id in chunk:
            write_award(uow, award, branch_id)
        try:
            uow.commit()
        except DomainError as error:  # this chunk wrote nothing; the others stand
            failed.update({award.member_id: error for award, _ in chunk})
    return [
        BatchOutcome(o.member_id, None, failed[o.member_id].code, failed[o.member_id].message)
        if o.member_id in failed
        else o
        for o in outcomes
    ]


def get_award(member_id: str, award_id: str) -> Award:
    try:
        return Award.get(keys.member_pk(member_id), keys.award_sk(award_id), consistent_read=True)
    except Award.DoesNotExist as error:
        raise AWARD_NOT_FOUND from error


def release(principal: Principal, member_id: str, award_id: str, released_on: date) -> Award:
    """解除处分: the organisation that imposed (or entered) a punishment records its release; the
    card stops showing it. Raises NotFoundError, ForbiddenError, ValidationError, ConflictError."""
    _, branch = member_and_branch(member_id)
    operator = authorize(principal, "award.enter", branch)
    award = get_award(member_id, award_id)
    if operator.org.org_id not in {award.granted_by_org_id, award.entered_by_org_id}:
        raise NOT_GRANTING_ORG
    if award.award_kind != AwardKind.PUNISHMENT or not award.in_force:
        raise ConflictError("NOT_IN_FORCE", "该记录不是尚在期内的处分", "award_id")
    if released_on > clock.today_in_china() or (award.starts_on and released_on.isoformat() <= award.starts_on):
        raise ValidationError("RELEASE_DATE", "解除日期应在处分开始之后、且不晚于今天", "released_on")
    uow = UnitOfWork(operator.actor)
    uow.update(
        award,
        [Award.in_force.set(False), Award.released_on.set(released_on.isoformat())],
        condition=Award.in_force == True,  # noqa: E712 - a PynamoDB condition, not a comparison
        on_fail=AWARD_CHANGED,
    )
    card_due.changed(uow, member_id)
    uow.audit(
        "award.release",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"award_id": award_id, "in_force": True},
        after={"award_id": award_id, "in_force": False, "released_on": released_on.isoformat()},
    )
    uow.commit()
    award.in_force, award.released_on = False, released_on.isoformat()
    return award


def member_awards(principal: Principal, member_id: str) -> tuple[list[Award], list[AwardDeclaration]]:
    """A member's awards and declarations: the member themself, or an operator above them."""
    member = get_member(member_id)
    if principal.acting_org_id is not None or accounts.get_account(principal.account_id).member_id != member_id:
        authorize(principal, "member.read", get_org(member.branch_id))
    pk = keys.member_pk(member_id)
    awards = [a for a in Award.query(pk, Award.sk.startswith(keys.AWARD_SK_PREFIX)) if isinstance(a, Award)]
    declarations = [
        d
        for d in AwardDeclaration.query(pk, AwardDeclaration.sk.startswith(keys.DECLARATION_SK_PREFIX))
        if isinstance(d, AwardDeclaration)
    ]
    return awards, declarations


def entered_by(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[Award], str | None]:
    """The awards an organisation entered, newest first (gsi1 AWARDS#<org>, read backwards)."""
    authorize(principal, "award.read", get_org(org_id))
    return paging.query_page(
        Award.by_gsi1.query, keys.org_awards_pk(org_id), limit=limit, cursor=cursor, scan_index_forward=False
    )
