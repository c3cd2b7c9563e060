"""Starting a transfer (XFER-2..4, XFER-6): the request, the pre-check of the member (REFERENCE
"Transfer": normal state, no open transfer or exit, dues paid up), the receiving branch's check,
the chain resolved for the two branches, and the start in one transaction with the member's
pointer, the first step's timer, the figures and the audit record. Who starts: the member, or an
operator whose subtree holds the member's branch (any other organisation proposes instead,
proposals.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import msgspec

from zhtj.accounts import reads as accounts
from zhtj.core import clock
from zhtj.core.clock import today_in_china
from zhtj.core.errors import ConflictError, ForbiddenError, RuleViolation, ValidationError
from zhtj.dues import owed as dues
from zhtj.members import service as member_records
from zhtj.members.models import Member
from zhtj.members.rules import MemberState
from zhtj.members.service import member_actor, require_normal
from zhtj.orgs.authz import OUT_OF_SCOPE, Acting, authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus, OrgType, Sector, path_ids
from zhtj.signin import codes
from zhtj.signin.codes import Purpose
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork
from zhtj.transfers.chain import chain_config
from zhtj.transfers.figures import EventCounts
from zhtj.transfers.models import Transfer, TransferProposal
from zhtj.transfers.rules import (
    Cause,
    Destination,
    TransferState,
    academic_year,
    check_cause,
    check_dues_paid_up,
    resolve_chain,
)
from zhtj.transfers.steps import ask, snapshot

PROPOSE_ONLY = ForbiddenError(
    "TRANSFER_PROPOSE_ONLY",
    "只能为本组织及下级组织的团员发起转接；其他组织（如转入方）可提出转接建议，经团员本人确认后发起",
    "member_id",
)


class Request(msgspec.Struct, frozen=True):
    """What a transfer asks for: a branch in the province, or a destination outside it (XFER-4)."""

    cause: Cause
    cause_text: str | None = None
    to_branch_id: str | None = None
    destination: Destination | None = None
    destination_name: str | None = None
    letter_number: str | None = None


def check_eligible(member: Member, today: date) -> None:
    """The pre-check (REFERENCE "Transfer"): an approved member in the normal state, no open
    transfer, not in an exit or deletion, dues paid up to last month (DUES_NOT_PAID_UP, naming
    the months). Refusals say why."""
    require_normal(member)
    if member.open_transfer_id:
        raise ConflictError("TRANSFER_ALREADY_OPEN", "该团员已有正在办理的转接申请", None)
    if member.open_exit_id or member.open_deletion_id:
        raise ConflictError("MEMBER_IN_EXIT_FLOW", "该团员正在办理离团或删除，不能转接", None)
    check_dues_paid_up(dues.months_owed(member.member_id, today))


def check_target(source: Org, target: Org, cause: Cause, today: date) -> None:
    """The receiving branch: an active branch other than the member's own (XFER-3), and for
    further study a university's current freshman branch (XFER-6)."""
    if target.org_type != OrgType.BRANCH or target.system:
        raise ValidationError(
            "TARGET_NOT_BRANCH", "转入组织须为团支部（无团组织的，转入居住地社区或村团支部）", "to_branch_id"
        )
    if target.status != OrgStatus.ACTIVE:
        raise ValidationError("TARGET_NOT_ACTIVE", "转入团支部已撤销或合并", "to_branch_id")
    if target.org_id == source.org_id:
        raise ValidationError("TARGET_IS_SOURCE", "转入团支部与现所在团支部相同", "to_branch_id")
    # XFER-6: a graduate going on to study may only join a university's freshman branch once it exists.
    university = target.sector in (Sector.UNIVERSITY, Sector.VOCATIONAL)
    if cause == Cause.FURTHER_STUDY and university and target.entry_year != academic_year(today):
        raise RuleViolation(
            "XFER-6",
            f"升学转入高校的，须转入{academic_year(today)}级新生团支部（新生团支部建立后方可转入）",
            "to_branch_id",
        )


def _resolve(member: Member, request: Request, today: date) -> tuple[Org, Org | None, list[str]]:
    source = get_org(member.branch_id)
    if request.destination is not None:
        if request.to_branch_id:
            raise ValidationError("TARGET_AMBIGUOUS", "转出省外时不能同时选择省内团支部", "to_branch_id")
        if not (request.destination_name or "").strip():
            raise ValidationError("DESTINATION_NAME_REQUIRED", "转往省外的，须填写接收组织名称", "destination_name")
        return source, None, resolve_chain(list(chain_config().steps), path_ids(source.path), None)
    if not request.to_branch_id:
        raise ValidationError("TARGET_REQUIRED", "请选择转入团支部", "to_branch_id")
    target = get_org(request.to_branch_id)
    check_target(source, target, request.cause, today)
    return source, target, resolve_chain(list(chain_config().steps), path_ids(source.path), path_ids(target.path))


def start(
    principal: Principal,
    member_id: str,
    request: Request,
    batch_id: str | None = None,
    extra: Callable[[UnitOfWork, Transfer], None] | None = None,
    proposal: TransferProposal | None = None,
    sms_code: str | None = None,
) -> Transfer:
    """XFER-2: the member starts a transfer (also by confirming an organisation's `proposal`),
    or an operator whose subtree holds the member's branch; any other organisation is refused
    (TRANSFER_PROPOSE_ONLY: it may propose instead). The member starting it themself confirms
    with a fresh SMS code sent to their account's phone for "transfer" (REFERENCE: the real
    system asks the member to confirm by SMS), spent in the start's transaction, once the request
    itself passed its checks. Raises
    ValidationError (SMS_CODE_REQUIRED, SMS_CODE_WRONG beside sms_code, …), RuleViolation,
    ConflictError, ForbiddenError."""
    member = member_records.get_member(member_id)
    own = accounts.is_self(principal, member_id)
    if own:
        actor, started_org = member_actor(principal), None
    else:
        operator = _starting_operator(principal, get_org(member.branch_id))
        actor, started_org = operator.actor, operator.org.org_id
    check_cause(request.cause, request.cause_text)
    today = today_in_china()
    source, target, chain = _resolve(member, request, today)
    check_eligible(member, today)
    if own and proposal is None:  # the request is checked first: a code is asked for a valid one only
        extra = _confirmed_by_sms(principal, sms_code, extra)
    return _write_start(actor, started_org, member, source, target, chain, request, batch_id, extra, proposal)


SMS_CODE_REQUIRED = ValidationError("SMS_CODE_REQUIRED", "请填写发送到本人手机的短信验证码", "sms_code")
SMS_NO_PHONE = ValidationError("SMS_NO_PHONE", "账号未绑定手机号，无法短信确认；可请团支部代为发起转接", "sms_code")


def _confirmed_by_sms(
    principal: Principal, sms_code: str | None, extra: Callable[[UnitOfWork, Transfer], None] | None
) -> Callable[[UnitOfWork, Transfer], None]:
    """`extra`, and the member's SMS code for "transfer" spent in the same transaction (a wrong,
    spent or expired code refuses the start; the code works once)."""
    if not (sms_code or "").strip():
        raise SMS_CODE_REQUIRED
    phone = accounts.get_account(principal.account_id).phone
    if not phone:
        raise SMS_NO_PHONE

    def spend(uow: UnitOfWork, transfer: Transfer) -> None:
        codes.use(uow, phone, Purpose.TRANSFER, sms_code or "", field="sms_code")
        if extra is not None:
            extra(uow, transfer)

    return spend


def _starting_operator(principal: Principal, source: Org) -> Acting:
    """An operator at or above the leaving branch. Elsewhere (the receiving side, a sibling, another
    city) an operator may not open a transfer, nor block or count one, for a member it does not hold."""
    try:
        return authorize(principal, "transfer.start", source)
    except ForbiddenError as error:
        if error is OUT_OF_SCOPE:
            raise PROPOSE_ONLY from error
        raise


def _write_start(
    actor: Actor,
    started_org: str | None,
    member: Member,
    source: Org,
    target: Org | None,
    chain: list[str],
    request: Request,
    batch_id: str | None,
    extra: Callable[[UnitOfWork, Transfer], None] | None,
    proposal: TransferProposal | None,
) -> Transfer:
    """The start in one transaction (`extra` adds a batch row's outcome, or the confirmed
    proposal, to it)."""
    now = clock.now()
    transfer_id = clock.new_id("t")
    config = chain_config()
    due = now + timedelta(hours=config.response_hours)
    transfer = Transfer(
        keys.member_pk(member.member_id),
        keys.transfer_sk(transfer_id),
        transfer_id=transfer_id,
        member_id=member.member_id,
        member_name=member.name,
        out_of_province=target is None,
        cause=request.cause.value,
        cause_text=(request.cause_text or "").strip() or None,
        from_branch_id=source.org_id,
        from_branch_name=source.full_name,
        from_path=source.path,
        to_branch_id=target.org_id if target else None,
        to_branch_name=target.full_name if target else None,
        to_path=target.path if target else None,
        destination=request.destination.value if request.destination else None,
        destination_name=(request.destination_name or "").strip() or None,
        letter_number=(request.letter_number or "").strip() or None,
        state=TransferState.OPEN,
        chain=chain,
        step_index=0,
        graduate=bool(source.graduates_branch) and not member.delayed_graduation,
        batch_id=batch_id,
        started_by=actor.account_id,
        started_org_id=started_org,
        proposal_id=proposal.proposal_id if proposal else None,
        proposed_by_org_id=proposal.org_id if proposal else None,
        requested_at=now,
        history=[],
    )
    if batch_id:
        transfer.gsi2pk, transfer.gsi2sk = keys.transfer_batch_members_pk(batch_id), member.member_id
    uow = UnitOfWork(actor)
    ask(uow, transfer, chain[0], get_org(chain[0]).path, now, due)
    uow.put(transfer, condition=Transfer.pk.does_not_exist())
    uow.update(
        member,
        [Member.open_transfer_id.set(transfer_id)],
        condition=(Member.state == MemberState.NORMAL)
        & Member.open_transfer_id.does_not_exist()
        & Member.open_exit_id.does_not_exist()
        & Member.open_deletion_id.does_not_exist(),
        on_fail=ConflictError("TRANSFER_ALREADY_OPEN", "该团员已有正在办理的转接申请", None),
        versioned=False,
    )
    stats = EventCounts(transfer)
    stats.state(None, TransferState.OPEN)
    stats.write_event(uow)
    uow.audit("transfer.start", "MEMBER", member.member_id, source.org_id, after=snapshot(transfer))
    if extra is not None:
        extra(uow, transfer)
    uow.commit()
    return transfer
