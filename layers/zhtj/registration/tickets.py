"""The member's side of a registration after submitting (REG-6): the ticket's status, and
withdrawing a registration waiting for review (or returned to them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from zhtj.core.clock import now
from zhtj.core.errors import ConflictError, NotFoundError
from zhtj.registration.models import Claim, Registration
from zhtj.registration.records import check_ticket, find
from zhtj.registration.rules import LIVE, ClaimOwner, RegistrationState
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork
from zhtj.timers import service as timers

# The actor of a change made by a ticket's holder (REG-6: withdrawing), who has no account yet.
TICKET_ACTOR_PREFIX = "ticket:"
# A ticket unknown this long after the moment it carries was never submitted (or was lost).
TICKET_GRACE = timedelta(hours=2)

NOT_LIVE = ConflictError("REGISTRATION_NOT_LIVE", "该报到已审核通过或已撤回", None)


def ticket_status(ticket: str) -> Registration | None:
    """The registration behind a ticket; None while it waits in the queue. Raises NotFoundError
    for a ticket that was never issued (or is long gone)."""
    registration = find(check_ticket(ticket))
    if registration is None and _issued_before(ticket, now() - TICKET_GRACE):
        raise NotFoundError("TICKET_NOT_FOUND", "未找到该报到凭证", "ticket")
    return registration


def _issued_before(ticket: str, moment: datetime) -> bool:
    """A ticket starts with new_id's time part: 10 base32 characters of milliseconds."""
    try:
        issued_ms = int(ticket[1:11].translate(_FROM_CROCKFORD), 32)
    except ValueError:
        return True
    return issued_ms < int(moment.timestamp() * 1000)


_FROM_CROCKFORD = str.maketrans("0123456789abcdefghjkmnpqrstvwxyz", "0123456789abcdefghijklmnopqrstuv")


def withdraw(ticket: str, reason: str) -> Registration:
    """REG-6: the member withdraws a registration waiting for review (or returned to them);
    the ID number is free again."""
    registration = find(check_ticket(ticket))
    if registration is None:
        raise NotFoundError("TICKET_NOT_FOUND", "未找到该报到凭证，或仍在排队处理中", "ticket")
    if registration.state not in LIVE:
        raise NOT_LIVE
    withdrawn = RegistrationState.WITHDRAWN
    uow = UnitOfWork(Actor(account_id=f"{TICKET_ACTOR_PREFIX}{registration.registration_id}", org_id=None))
    uow.update(
        registration,
        [
            Registration.state.set(withdrawn),
            Registration.gsi1sk.set(f"{withdrawn}#{registration.registration_id}"),
            Registration.return_reason.set(reason),
            *timers.clear_overdue_actions(),
        ],
        condition=Registration.state.is_in(*LIVE),
        on_fail=NOT_LIVE,
    )
    _release_claims(uow, registration)
    timers.cancel(uow, timers.REVIEW_DUE, registration.registration_id)
    uow.audit(
        "registration.withdraw",
        "REGISTRATION",
        registration.registration_id,
        registration.branch_id,
        before={"state": registration.state},
        after={"state": withdrawn, "reason": reason},
    )
    uow.commit()
    registration.state = withdrawn
    return registration


def _release_claims(uow: UnitOfWork, registration: Registration) -> None:
    owned = (Claim.owner_kind == ClaimOwner.REGISTRATION) & (Claim.owner_id == registration.registration_id)
    uow.delete(Claim(keys.id_claim_pk(registration.id_index or ""), keys.META), condition=owned)
    if registration.development_number:
        uow.delete(Claim(keys.development_number_claim_pk(registration.development_number), keys.META), condition=owned)
