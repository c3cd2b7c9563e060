"""The applicant's side of a registration (REG-6, ACCT-2), from their own session: following
it (queued, waiting, returned with the reason, refused with the reason, approved), and
withdrawing one that waits for review or was returned. Only the account that submitted a
registration sees or withdraws it; to anyone else it does not exist."""

from __future__ import annotations

from datetime import datetime, timedelta

from zhtj.accounts.models import Account
from zhtj.core.clock import now
from zhtj.core.errors import ConflictError, NotFoundError
from zhtj.registration.models import Claim, Registration
from zhtj.registration.records import check_id, find
from zhtj.registration.rules import LIVE, ClaimOwner, RegistrationState
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork
from zhtj.timers import service as timers

# An id unknown this long after the moment it carries was never submitted (or was lost).
QUEUE_GRACE = timedelta(hours=2)

NOT_LIVE = ConflictError("REGISTRATION_NOT_LIVE", "该报到已审核通过或已撤回", None)
NOT_YOURS = NotFoundError("REGISTRATION_NOT_FOUND", "未找到该报到", "registration_id")


def status(principal: Principal, registration_id: str) -> Registration | None:
    """The caller's registration; None while it waits in the queue. Raises NotFoundError for an
    id that was never issued (or is long gone) or is another account's."""
    registration = find(check_id(registration_id, "registration_id"))
    if registration is None:
        if _issued_before(registration_id, now() - QUEUE_GRACE):
            raise NOT_YOURS
        return None
    if registration.account_id != principal.account_id:
        raise NOT_YOURS
    return registration


def current(principal: Principal) -> Registration | None:
    """The account's registration (live, returned or approved), or None."""
    try:
        account = Account.get(keys.account_pk(principal.account_id), keys.META, consistent_read=True)
    except Account.DoesNotExist:
        return None
    return find(account.registration_id) if account.registration_id else None


def _issued_before(registration_id: str, moment: datetime) -> bool:
    """A registration id starts with new_id's time part: 10 base32 characters of milliseconds."""
    try:
        issued_ms = int(registration_id[1:11].translate(_FROM_CROCKFORD), 32)
    except ValueError:
        return True
    return issued_ms < int(moment.timestamp() * 1000)


_FROM_CROCKFORD = str.maketrans("0123456789abcdefghjkmnpqrstvwxyz", "0123456789abcdefghijklmnopqrstuv")


def withdraw(principal: Principal, registration_id: str, reason: str) -> Registration:
    """REG-6: the applicant withdraws a registration waiting for review (or returned to them);
    the ID number is free again, and the account may register anew."""
    registration = status(principal, registration_id)
    if registration is None:
        raise NotFoundError("REGISTRATION_QUEUED", "该报到仍在排队处理中，请稍后再撤回", "registration_id")
    if registration.state not in LIVE:
        raise NOT_LIVE
    withdrawn = RegistrationState.WITHDRAWN
    uow = UnitOfWork(Actor(account_id=principal.account_id, org_id=None))
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
    uow.update(
        Account(keys.account_pk(principal.account_id), keys.META),
        [Account.registration_id.remove()],
        condition=Account.registration_id == registration.registration_id,
        on_fail=NOT_LIVE,
        versioned=False,
    )
    _release_claims(uow, registration)
    timers.cancel_review(uow, registration.registration_id)
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
