"""Members coming from outside the province (XFER-5).

The receiving branch records the incoming paper letter and checks the member's file (joined
2017 or later: a Central Committee development number is required, otherwise refused) before
accepting. The person then registers (报到) within 5 working days: a REG-7 timer in the same
transaction, which at its end looks for the person's registration through the ID number's
blind index (the claim REG-4 keeps) and marks the arrival REGISTERED or LATE.
"""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as clock_time

from zhtj.core import clock
from zhtj.core.clock import today_in_china
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.core.identity import is_permit_number, mask_id_number, normalize_id_number
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.rules import OrgStatus, OrgType
from zhtj.registration.models import Claim, Registration
from zhtj.registration.rules import check_name
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, pii
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork
from zhtj.timers import calendar
from zhtj.timers import service as timers
from zhtj.timers.models import Timer
from zhtj.timers.workdays import CHINA_TZ
from zhtj.transfers.models import IncomingTransfer
from zhtj.transfers.rules import IncomingState, check_incoming_file

TIMER_KIND = "XFER5_REGISTER_DUE"
REGISTER_WORKDAYS = 5  # XFER-5 / REG-7
# The routes' default filter (functions/chalicelib/transfers.py names it so).


def accept(
    principal: Principal,
    branch_id: str,
    name: str,
    id_number: str,
    join_month: date,
    development_number: str | None,
    letter_number: str,
    from_organisation: str,
) -> IncomingTransfer:
    """XFER-5: record the letter, check the file, accept. Raises RuleViolation XFER-5,
    ValidationError, ForbiddenError."""
    branch = get_org(branch_id)
    operator = authorize(principal, "transfer.receive", branch)
    if branch.org_type != OrgType.BRANCH or branch.system or branch.status != OrgStatus.ACTIVE:
        raise ValidationError("NOT_A_BRANCH", "只有团支部可以接收转入的团员", "org_id")
    number = check_incoming_file(join_month, development_number)
    id18 = normalize_id_number(id_number, today_in_china())
    incoming_id, at = clock.new_id("i"), clock.now()
    counted_from = datetime.combine(today_in_china(), clock_time(0), CHINA_TZ)
    due = calendar.end_of_workday(calendar.current().add_workdays(counted_from, REGISTER_WORKDAYS))
    item = IncomingTransfer(
        keys.incoming_pk(incoming_id),
        keys.META,
        gsi1pk=keys.branch_incoming_pk(branch_id),
        gsi1sk=f"{IncomingState.ACCEPTED}#{at.isoformat()}#{incoming_id}",
        incoming_id=incoming_id,
        branch_id=branch_id,
        name=check_name(name, is_permit_number(id18)),
        id_index=pii.blind_index(id18),
        id_masked=mask_id_number(id18),
        id_sealed=pii.seal(id18, {"purpose": "id_number", "incoming": incoming_id}),
        join_month=join_month.isoformat()[:7],
        development_number=number,
        letter_number=letter_number.strip(),
        from_organisation=from_organisation.strip(),
        state=IncomingState.ACCEPTED,
        accepted_at=at,
        register_by=due,
        recorded_by=operator.account_id,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(item, condition=IncomingTransfer.pk.does_not_exist())
    timers.schedule(uow, TIMER_KIND, incoming_id, due, counted_from, REGISTER_WORKDAYS)
    uow.audit(
        "transfer.receive",
        "INCOMING",
        incoming_id,
        branch_id,
        after={"name": item.name, "id_masked": item.id_masked, "letter_number": item.letter_number},
    )
    uow.commit()
    return item


def list_for_branch(
    principal: Principal, branch_id: str, state: str, cursor: str | None, limit: int
) -> tuple[list[IncomingTransfer], str | None]:
    authorize(principal, "transfer.read", get_org(branch_id))
    return paging.query_page(
        IncomingTransfer.by_gsi1.query,
        keys.branch_incoming_pk(branch_id),
        IncomingTransfer.gsi1sk.startswith(f"{state}#"),
        limit=limit,
        cursor=cursor,
    )


def _registered_at(id_index: str) -> datetime | None:
    """When the person registered (the live registration or membership their ID number claims)."""
    try:
        claim = Claim.get(keys.id_claim_pk(id_index), keys.META, consistent_read=True)
    except Claim.DoesNotExist:
        return None
    if claim.owner_kind == "REGISTRATION":
        try:
            return Registration.get(keys.registration_pk(claim.owner_id), keys.META).submitted_at
        except Registration.DoesNotExist:
            return None
    return clock.now() if claim.owner_kind == "MEMBER" else None


def close_window(timer: Timer) -> None:
    """The 5 working days are over: REGISTERED if the person registered by then, else LATE."""
    try:
        item = IncomingTransfer.get(keys.incoming_pk(timer.subject_id), keys.META, consistent_read=True)
    except IncomingTransfer.DoesNotExist:
        item = None
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.delete(timer, condition=Timer.pk.exists(), on_fail=timers.LOST_RACE)
    if item is not None and item.state == IncomingState.ACCEPTED:
        registered = _registered_at(item.id_index)
        state = (
            IncomingState.REGISTERED
            if registered is not None and registered <= item.register_by
            else IncomingState.LATE
        )
        uow.update(
            item,
            [
                IncomingTransfer.state.set(state),
                IncomingTransfer.gsi1sk.set(f"{state}#{item.accepted_at.isoformat()}#{item.incoming_id}"),
                *([IncomingTransfer.registered_at.set(registered)] if registered else []),
            ],
            condition=IncomingTransfer.state == IncomingState.ACCEPTED,
        )
        uow.audit("transfer.receive_window", "INCOMING", item.incoming_id, item.branch_id, after={"state": state})
    try:
        uow.commit()
    except ConflictError as error:
        if error is not timers.LOST_RACE and error.code != "STALE_WRITE":
            raise
