"""A member's own declaration of an award (AWARD-1): naming a league organisation at or above
their branch, that organisation approves or returns it; naming an outside body, any
organisation at or above their branch does. An approved declaration becomes an award entered
by the approving organisation (awards/entries.py), AWARD-2's lateness counted from the
document's date.
"""

from __future__ import annotations

from datetime import date

# Members per transaction of a batch: an award, the card's mark-due and an audit record each.
from zhtj.awards.entries import (
    NOT_GRANTING_ORG,
    AwardEntry,
    check_attachment,
    check_entry,
    declaration_upload_prefix,
    new_award,
    require_on_record,
    write_award,
)
from zhtj.awards.models import Award, AwardDeclaration
from zhtj.awards.rules import AwardKind, DeclarationState
from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError, ValidationError
from zhtj.members.service import member_actor, member_and_branch, own_member
from zhtj.orgs.authz import Acting, authorize, get_org, within
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import UnitOfWork

DECLARATION_NOT_FOUND = NotFoundError("DECLARATION_NOT_FOUND", "奖惩申报不存在", "declaration_id")
ALREADY_DECIDED = ConflictError("ALREADY_DECIDED", "该申报已被处理，请刷新后查看", None)


def declare(principal: Principal, member_id: str, entry: AwardEntry, granted_by_org_id: str | None) -> AwardDeclaration:
    """A member declares an award they received. Naming a league organisation (at or above their
    branch), that organisation decides; naming an outside body (`entry.granted_by_name`), the
    branch's line does. Raises ValidationError, ForbiddenError, ConflictError."""
    member = own_member(principal, member_id)
    if entry.kind != AwardKind.REWARD:
        raise ValidationError("DECLARE_REWARD_ONLY", "团员本人只能申报所获奖励，处分由作出处分的组织登记", "kind")
    today = clock.today_in_china()
    check_entry(entry, today)
    require_on_record(member)
    check_attachment(entry.attachment_key, declaration_upload_prefix(member_id))
    branch = get_org(member.branch_id)
    if granted_by_org_id is not None:
        granting = get_org(granted_by_org_id)
        if not within(granting, branch):
            raise ValidationError(
                "GRANTING_ORG_NOT_ABOVE",
                "所选授予组织不是本人所在支部或其上级组织；其他单位授予的奖励请填写授予单位名称",
                "granted_by_org_id",
            )
        name, reviewer = granting.full_name, granting.org_id
    elif entry.granted_by_name:
        name, reviewer = entry.granted_by_name, branch.org_id
    else:
        raise ValidationError("GRANTING_BODY_MISSING", "请选择授予组织或填写授予单位名称", "granted_by_name")
    declaration_id, at = clock.new_id("wd"), clock.now()
    declaration = AwardDeclaration(
        keys.member_pk(member_id),
        keys.declaration_sk(declaration_id),
        gsi1pk=keys.award_queue_pk(reviewer),
        gsi1sk=f"{DeclarationState.PENDING}#{at.isoformat()}#{declaration_id}",
        declaration_id=declaration_id,
        member_id=member_id,
        award_kind=entry.kind.value,
        title=entry.title,
        level=entry.level,
        document_number=entry.document_number,
        granted_on=entry.document_date.isoformat(),
        granted_by_org_id=granted_by_org_id,
        granted_by_name=name,
        reviewing_org_id=reviewer,
        attachment_key=entry.attachment_key,
        state=DeclarationState.PENDING,
        declared_at=at,
    )
    uow = UnitOfWork(member_actor(principal))
    uow.put(declaration, condition=AwardDeclaration.pk.does_not_exist())
    uow.audit(
        "award.declare",
        "MEMBER",
        member_id,
        reviewer,
        after={"declaration_id": declaration_id, "title": entry.title, "granted_by_name": name},
    )
    uow.commit()
    return declaration


def _pending(principal: Principal, member_id: str, declaration_id: str) -> tuple[Acting, Org, AwardDeclaration]:
    _, branch = member_and_branch(member_id)
    operator = authorize(principal, "award.review", branch)
    try:
        declaration = AwardDeclaration.get(
            keys.member_pk(member_id), keys.declaration_sk(declaration_id), consistent_read=True
        )
    except AwardDeclaration.DoesNotExist as error:
        raise DECLARATION_NOT_FOUND from error
    if declaration.granted_by_org_id is not None and operator.org.org_id != declaration.granted_by_org_id:
        raise NOT_GRANTING_ORG
    if declaration.state != DeclarationState.PENDING:
        raise ALREADY_DECIDED
    return operator, branch, declaration


def approve(principal: Principal, member_id: str, declaration_id: str) -> Award:
    """The organisation named approves: the award goes on the record (and the card) as entered
    by it today, AWARD-2's lateness counted from the document's date."""
    operator, branch, declaration = _pending(principal, member_id, declaration_id)
    today = clock.today_in_china()
    entry = AwardEntry(
        kind=AwardKind(declaration.award_kind),
        title=declaration.title,
        document_number=declaration.document_number,
        document_date=date.fromisoformat(declaration.granted_on),
        level=declaration.level,
        # An outside body stays named; a league organisation named is the approving one.
        granted_by_name=None if declaration.granted_by_org_id else declaration.granted_by_name,
        attachment_key=declaration.attachment_key,
    )
    award = new_award(operator, member_id, entry, clock.new_id("w"), today, declaration_id=declaration_id)
    uow = UnitOfWork(operator.actor)
    write_award(uow, award, branch.org_id, "award.approve_declaration")
    uow.update(
        declaration,
        [
            AwardDeclaration.state.set(DeclarationState.APPROVED),
            AwardDeclaration.gsi1sk.set(
                f"{DeclarationState.APPROVED}#{declaration.declared_at.isoformat()}#{declaration_id}"
            ),
            AwardDeclaration.decided_by.set(operator.account_id),
            AwardDeclaration.decided_at.set(award.entered_at),
            AwardDeclaration.award_id.set(award.award_id),
        ],
        condition=AwardDeclaration.state == DeclarationState.PENDING,
        on_fail=ALREADY_DECIDED,
    )
    uow.commit()
    return award


def return_declaration(principal: Principal, member_id: str, declaration_id: str, reason: str) -> AwardDeclaration:
    """The organisation named returns the declaration with a reason; nothing reaches the card."""
    operator, branch, declaration = _pending(principal, member_id, declaration_id)
    at = clock.now()
    uow = UnitOfWork(operator.actor)
    uow.update(
        declaration,
        [
            AwardDeclaration.state.set(DeclarationState.RETURNED),
            AwardDeclaration.gsi1sk.set(
                f"{DeclarationState.RETURNED}#{declaration.declared_at.isoformat()}#{declaration_id}"
            ),
            AwardDeclaration.decided_by.set(operator.account_id),
            AwardDeclaration.decided_at.set(at),
            AwardDeclaration.return_reason.set(reason),
        ],
        condition=AwardDeclaration.state == DeclarationState.PENDING,
        on_fail=ALREADY_DECIDED,
    )
    uow.audit(
        "award.return_declaration",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"state": DeclarationState.PENDING},
        after={"declaration_id": declaration_id, "state": DeclarationState.RETURNED, "reason": reason},
    )
    uow.commit()
    declaration.state, declaration.return_reason = DeclarationState.RETURNED, reason
    return declaration


def declarations_for(
    principal: Principal, org_id: str, state: str, cursor: str | None, limit: int
) -> tuple[list[AwardDeclaration], str | None]:
    """Members' declarations waiting on (or decided by) an organisation (gsi1 AWARDQ#<org>)."""
    authorize(principal, "award.read", get_org(org_id))
    return paging.query_page(
        AwardDeclaration.by_gsi1.query,
        keys.award_queue_pk(org_id),
        AwardDeclaration.gsi1sk.startswith(f"{state}#"),
        limit=limit,
        cursor=cursor,
    )
