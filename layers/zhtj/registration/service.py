"""Registration (报到) and its review (审核): REG-1..6, REV-1..3.

A member's registration is checked at once (field by field) and accepted with a ticket;
the write happens in the registration worker, fed by a queue, so that an enrolment peak
is absorbed by the queue and not by the table. The worker's write is one transaction:
the registration, the REG-4 claim on the ID number (and on the development number), the
review deadline (REV-2) and the audit record; a redelivered message changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from zhtj.accounts import service as accounts
from zhtj.accounts.models import Account
from zhtj.cards import service as cards
from zhtj.core import clock
from zhtj.core.clock import new_id, now, time_part
from zhtj.core.errors import ConflictError, NotFoundError, RuleViolation, ValidationError
from zhtj.core.identity import mask_id_number
from zhtj.members.models import Member
from zhtj.names import index as search_index
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgType, check_members_allowed
from zhtj.registration import identity_check, waves
from zhtj.registration.models import Claim, Registration
from zhtj.registration.reviewers import reviewer
from zhtj.registration.rules import RegistrationFacts, Submission, check_submission
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, pii, queues
from zhtj.table.unit_of_work import SYSTEM_ACTOR, Actor, UnitOfWork
from zhtj.timers import calendar
from zhtj.timers import service as timers

REGISTRATION_QUEUE = "registration"
REVIEW_WORKDAYS = 5  # REV-2

PENDING = "PENDING_REVIEW"  # 报到待审核
RETURNED = "RETURNED"  # 退回
APPROVED = "APPROVED"  # 审核通过
WITHDRAWN = "WITHDRAWN"
SUPERSEDED = "SUPERSEDED"  # replaced by a corrected resubmission
REFUSED = "REFUSED"  # refused by the worker (REG-4 duplicate)
LIVE = (PENDING, RETURNED)

# The actor of a change made by a ticket's holder (REG-6: withdrawing), who has no account yet.
TICKET_ACTOR_PREFIX = "ticket:"
# A ticket unknown this long after the moment it carries was never submitted (or was lost).
TICKET_GRACE = timedelta(hours=2)

DUPLICATE_ID = RuleViolation("REG-4", "该身份证号已有报到记录或团籍，一人只能有一个团籍", "id_number")
DUPLICATE_NUMBER = RuleViolation("REG-4", "该发展团员编号已被使用", "development_number")
ALREADY_WRITTEN = ConflictError("ALREADY_WRITTEN", "", None)
NOT_LIVE = ConflictError("REGISTRATION_NOT_LIVE", "该报到已审核通过或已撤回", None)
NOT_PENDING = ConflictError("REGISTRATION_NOT_PENDING", "该报到已被处理，请刷新后查看", None)


def today_in_china() -> date:
    return clock.today_in_china()


# --- Submit (HTTP, synchronous checks only) ---------------------------------------------------


def submit(
    submission: Submission,
    branch_id: str,
    previous_ticket: str | None,
    idempotency_key: str | None,
    admitted_on: date | None = None,
) -> str:
    """Check a registration (REG-1..3, the branch (ORG-4/7), the sector's wave (REG-8)) and
    queue it. `admitted_on` is the branch meeting that admitted a new member (REG-7: register
    within 5 working days). Returns the ticket; raises ValidationError/RuleViolation/NotFoundError."""
    facts = check_submission(submission, today_in_china())
    if admitted_on is not None and admitted_on > today_in_china():
        raise ValidationError("ADMITTED_ON_FUTURE", "接收入团的支部大会日期不能晚于今天", "admitted_on")
    branch = get_org(branch_id)
    check_members_allowed(OrgType(branch.org_type))
    if branch.system or branch.status != "ACTIVE":
        raise RuleViolation("ORG-7", "不能向系统组织或已撤销的组织报到", "branch_id")
    waves.check_open(branch, now())
    index = pii.blind_index(facts.identity.id_number)
    if idempotency_key:
        # A retried submission (same key, same person, same hour) gets the same ticket.
        hour_ms = int(now().timestamp()) // 3600 * 3_600_000
        digest = hashlib.sha256(f"{idempotency_key}|{index}".encode()).hexdigest()[:24]
        registration_id = f"r{time_part(hour_ms)}{digest}"
    else:
        registration_id = f"{new_id('r')[:11]}{secrets.token_hex(12)}"
    previous_id = _check_ticket(previous_ticket) if previous_ticket else None
    queues.send(
        REGISTRATION_QUEUE,
        {
            "registration_id": registration_id,
            "branch_id": branch.org_id,
            "previous_id": previous_id,
            "submitted_at": now().isoformat(),
            "admitted_on": admitted_on.isoformat() if admitted_on else None,
            "person": person_fields(facts, registration_id, index),
        },
    )
    return registration_id


def _check_ticket(ticket: str) -> str:
    if not (20 <= len(ticket) <= 40 and ticket.startswith("r") and ticket.isalnum()):
        raise ValidationError("TICKET_INVALID", "报到凭证无效", "ticket")
    return ticket


def person_fields(facts: RegistrationFacts, registration_id: str, index: str) -> dict[str, Any]:
    """The stored form of a person: the ID number only sealed, indexed and masked."""
    identity = facts.identity
    return {
        "name": facts.name,
        "id_sealed": pii.seal(identity.id_number, {"purpose": "id_number", "registration": registration_id}),
        "id_index": index,
        "id_masked": mask_id_number(identity.id_number),
        "birth_date": identity.birth_date.isoformat(),
        "sex": identity.sex,
        "ethnicity": facts.ethnicity,
        "political_status": facts.political_status,
        "join_month": facts.join_month,
        "development_number": facts.development_number,
        "identity_proof": facts.identity_proof.value if facts.identity_proof else None,
        "is_cadre": facts.is_cadre,
        "education": facts.education,
        "occupation": facts.occupation,
        "income_band": facts.income_band.value if facts.income_band else None,
        "phone": facts.phone,
    }


# --- The worker ---------------------------------------------------------------------------------


def apply_submission(message: dict[str, Any]) -> Registration:
    """Write a queued registration (idempotent per registration id). A duplicate ID number
    or development number is recorded as a REFUSED registration the ticket reports."""
    registration_id = message["registration_id"]
    # A message whose ID number cannot be opened is poison: it fails here, before any write.
    id_number = pii.unseal(message["person"]["id_sealed"], {"purpose": "id_number", "registration": registration_id})
    return _write(message, id_number)


def _write(message: dict[str, Any], id_number: str) -> Registration:
    """One transaction: the registration with its real-name result (REG-5, asked of the
    provider first), the REG-4 claims, the review deadline (REV-2) and the audit record.
    A redelivery finds the registration written and changes nothing."""
    registration_id, branch_id = message["registration_id"], message["branch_id"]
    submitted = datetime.fromisoformat(message["submitted_at"])
    person = {k: v for k, v in message["person"].items() if v is not None}
    real_name = identity_check.first_check(person["name"], id_number, person.get("phone"))
    due = calendar.end_of_workday(calendar.current().add_workdays(submitted, REVIEW_WORKDAYS))
    registration = Registration(
        keys.registration_pk(registration_id),
        keys.META,
        gsi1pk=keys.branch_registrations_pk(branch_id),
        gsi1sk=f"{PENDING}#{submitted.isoformat()}#{registration_id}",
        registration_id=registration_id,
        branch_id=branch_id,
        state=PENDING,
        submitted_at=submitted,
        review_due=due,
        previous_id=message.get("previous_id"),
        real_name_state=real_name,
        **person,
    )
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(registration, condition=Registration.pk.does_not_exist(), on_fail=ALREADY_WRITTEN)
    if real_name != identity_check.PASSED:
        timers.schedule(uow, timers.REALNAME_RECHECK, registration_id, now() + identity_check.recheck_delay())
    if message.get("admitted_on"):
        timers.track_admission_window(uow, registration_id, date.fromisoformat(message["admitted_on"]))
    previous = _find(registration.previous_id) if registration.previous_id else None
    _claim(uow, keys.id_claim_pk(registration.id_index or ""), registration, previous, DUPLICATE_ID)
    if registration.development_number:
        number_pk = keys.development_number_claim_pk(registration.development_number)
        _claim(uow, number_pk, registration, previous, DUPLICATE_NUMBER)
    if previous is not None:
        _supersede(uow, previous, registration)
    timers.schedule(uow, timers.REVIEW_DUE, registration_id, due, submitted, REVIEW_WORKDAYS)
    uow.audit("registration.submit", "REGISTRATION", registration_id, branch_id, after=_snapshot(registration))
    try:
        uow.commit()
    except ConflictError as error:
        if error is not ALREADY_WRITTEN:
            raise
        found = _find(registration_id)
        assert found is not None
        return found
    except RuleViolation as error:
        return _refuse(registration, error)
    return registration


def _claim(uow: UnitOfWork, pk: str, registration: Registration, previous: Registration | None, error: Any) -> None:
    """REG-4: claim a unique value for this registration; a corrected resubmission takes over
    its predecessor's claim."""
    claim = Claim(pk, keys.META, owner_kind="REGISTRATION", owner_id=registration.registration_id)
    condition = Claim.pk.does_not_exist()
    if previous is not None:
        condition = condition | ((Claim.owner_kind == "REGISTRATION") & (Claim.owner_id == previous.registration_id))
    uow.put(claim, condition=condition, on_fail=error)


def _supersede(uow: UnitOfWork, previous: Registration, registration: Registration) -> None:
    """REG-6: a corrected resubmission (to the same or another branch) replaces a pending or
    returned one."""
    if previous.id_index != registration.id_index:
        raise RuleViolation("REG-6", "重新提交的报到须为同一身份证号", "id_number")
    uow.update(
        previous,
        [
            Registration.state.set(SUPERSEDED),
            Registration.gsi1sk.set(f"{SUPERSEDED}#{previous.registration_id}"),
            *timers.clear_overdue_actions(),
        ],
        condition=Registration.state.is_in(*LIVE),
        on_fail=RuleViolation("REG-6", "原报到已审核通过或已撤回，不能重新提交", "previous_ticket"),
    )
    timers.cancel(uow, timers.REVIEW_DUE, previous.registration_id)


def _refuse(registration: Registration, error: RuleViolation) -> Registration:
    registration.state = REFUSED
    registration.refusal_code, registration.refusal_message = error.code, error.message
    registration.gsi1pk, registration.gsi1sk, registration.review_due = None, None, None
    registration.real_name_state = "NOT_CHECKED"
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(registration, condition=Registration.pk.does_not_exist(), on_fail=ALREADY_WRITTEN)
    uow.audit(
        "registration.refuse",
        "REGISTRATION",
        registration.registration_id,
        registration.branch_id,
        after={"code": error.code},
    )
    with contextlib.suppress(ConflictError):  # a concurrent delivery refused it already
        uow.commit()
    found = _find(registration.registration_id)
    assert found is not None
    return found


def _find(registration_id: str | None) -> Registration | None:
    if not registration_id:
        return None
    try:
        return Registration.get(keys.registration_pk(registration_id), keys.META, consistent_read=True)
    except Registration.DoesNotExist:
        return None


def _snapshot(registration: Registration) -> dict[str, Any]:
    fields = ("state", "branch_id", "name", "id_masked", "join_month", "development_number", "real_name_state")
    return {f: getattr(registration, f) for f in fields if getattr(registration, f) is not None}


# --- Ticket (the member's view) --------------------------------------------------------------


def ticket_status(ticket: str) -> Registration | None:
    """The registration behind a ticket; None while it waits in the queue. Raises NotFoundError
    for a ticket that was never issued (or is long gone)."""
    registration = _find(_check_ticket(ticket))
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
    registration = _find(_check_ticket(ticket))
    if registration is None:
        raise NotFoundError("TICKET_NOT_FOUND", "未找到该报到凭证，或仍在排队处理中", "ticket")
    if registration.state not in LIVE:
        raise NOT_LIVE
    uow = UnitOfWork(Actor(account_id=f"{TICKET_ACTOR_PREFIX}{registration.registration_id}", org_id=None))
    uow.update(
        registration,
        [
            Registration.state.set(WITHDRAWN),
            Registration.gsi1sk.set(f"{WITHDRAWN}#{registration.registration_id}"),
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
        after={"state": WITHDRAWN, "reason": reason},
    )
    uow.commit()
    registration.state = WITHDRAWN
    return registration


def _release_claims(uow: UnitOfWork, registration: Registration) -> None:
    owned = (Claim.owner_kind == "REGISTRATION") & (Claim.owner_id == registration.registration_id)
    uow.delete(Claim(keys.id_claim_pk(registration.id_index or ""), keys.META), condition=owned)
    if registration.development_number:
        uow.delete(Claim(keys.development_number_claim_pk(registration.development_number), keys.META), condition=owned)


# --- Review (the branch) -------------------------------------------------------------------


def _get(registration_id: str) -> Registration:
    registration = _find(registration_id)
    if registration is None:
        raise NotFoundError("REGISTRATION_NOT_FOUND", "报到记录不存在", "registration_id")
    return registration


def read(principal: Principal, registration_id: str) -> Registration:
    registration = _get(registration_id)
    authorize(principal, "registration.read", get_org(registration.branch_id))
    return registration


def list_for_branch(
    principal: Principal, branch_id: str, state: str, cursor: str | None, limit: int
) -> tuple[list[Registration], str | None]:
    authorize(principal, "registration.read", get_org(branch_id))
    return paging.query_page(
        Registration.by_gsi1.query,
        keys.branch_registrations_pk(branch_id),
        Registration.gsi1sk.startswith(f"{state}#"),
        limit=limit,
        cursor=cursor,
    )


def approve(principal: Principal, registration_id: str) -> Registration:
    """REV-1/REV-3: the branch approves; the member record and account are created in the same
    transaction, the ID claim passes to the member. Two approvers at once: one wins."""
    registration = _get(registration_id)
    operator = reviewer(principal, registration)
    # The branch's counter moves by ADD, with no version check; its path and name go into the
    # member's search tokens (STAT-3), so the branch is read (the reviewer check read it too).
    branch = get_org(registration.branch_id)
    if registration.state != PENDING:
        raise NOT_PENDING
    if registration.real_name_state not in identity_check.PASSED_STATES:
        raise RuleViolation("REG-5", "实名核验尚未通过，不能审核通过", None)
    member_id, account_id = new_id("m"), new_id("u")
    member = member_of(registration, member_id, branch.org_id, account_id)
    account = Account(
        keys.account_pk(account_id),
        keys.META,
        account_id=account_id,
        name=registration.name,
        member_id=member_id,
        created_at=now(),
    )
    uow = UnitOfWork(operator.actor)
    uow.update(
        registration,
        [
            Registration.state.set(APPROVED),
            Registration.gsi1sk.set(f"{APPROVED}#{registration.submitted_at.isoformat()}#{registration_id}"),
            Registration.reviewed_at.set(now()),
            Registration.reviewed_by.set(operator.account_id),
            Registration.member_id.set(member_id),
            *timers.clear_overdue_actions(),
        ],
        condition=Registration.state == PENDING,
        on_fail=NOT_PENDING,
    )
    search_index.index(uow, member, branch)  # STAT-3
    uow.put(member, condition=Member.pk.does_not_exist())
    uow.put(account, condition=Account.pk.does_not_exist())
    for pk in _claim_keys(registration):
        uow.update(
            Claim(pk, keys.META),
            [Claim.owner_kind.set("MEMBER"), Claim.owner_id.set(member_id)],
            condition=(Claim.owner_kind == "REGISTRATION") & (Claim.owner_id == registration_id),
            on_fail=DUPLICATE_ID,
        )
    uow.update(
        branch,
        [Org.member_count.add(1)],
        condition=(Org.status == "ACTIVE") & search_index.branch_guard(branch),
        versioned=False,
    )
    timers.cancel(uow, timers.REVIEW_DUE, registration_id)
    uow.audit(
        "registration.approve",
        "REGISTRATION",
        registration_id,
        branch.org_id,
        before={"state": PENDING},
        after={"state": APPROVED, "member_id": member_id},
    )
    uow.audit("member.create", "MEMBER", member_id, branch.org_id, after=_snapshot(registration))
    cards.changed(uow, member_id)  # CARD-1: the card is generated once the registration is approved
    uow.commit()
    registration.state, registration.member_id = APPROVED, member_id
    return registration


def member_of(registration: Registration, member_id: str, branch_id: str, account_id: str | None) -> Member:
    """REV-3: the member record an approval makes of a registration: the person's fields as
    registered, the ID number sealed again for the member (a seal names its one owner)."""
    fields = {name: getattr(registration, name) for name in _PERSON_FIELDS if getattr(registration, name) is not None}
    if registration.id_sealed:
        sealed_for = {"purpose": "id_number", "registration": registration.registration_id}
        plain = pii.unseal(registration.id_sealed, sealed_for)
        fields["id_sealed"] = pii.seal(plain, {"purpose": "id_number", "member": member_id})
    member = accounts.new_member(member_id, registration.name, branch_id, account_id)
    for name, value in fields.items():
        setattr(member, name, value)
    member.registration_id = registration.registration_id
    return member


_PERSON_FIELDS = (
    "id_index",
    "id_masked",
    "birth_date",
    "sex",
    "ethnicity",
    "political_status",
    "join_month",
    "development_number",
    "identity_proof",
    "is_cadre",
    "education",
    "occupation",
    "income_band",
    "phone",
)


def _claim_keys(registration: Registration) -> list[str]:
    claim_keys = [keys.id_claim_pk(registration.id_index or "")]
    if registration.development_number:
        claim_keys.append(keys.development_number_claim_pk(registration.development_number))
    return claim_keys


def return_to_member(principal: Principal, registration_id: str, reason: str) -> Registration:
    """REG-6/REV-1: the branch returns a registration with a reason; the member corrects it
    and submits again (the ID claim is kept for them meanwhile)."""
    registration = _get(registration_id)
    operator = reviewer(principal, registration)
    if not reason.strip():
        raise ValidationError("REASON_REQUIRED", "退回须说明理由", "reason")
    uow = UnitOfWork(operator.actor)
    uow.update(
        registration,
        [
            Registration.state.set(RETURNED),
            Registration.gsi1sk.set(f"{RETURNED}#{registration.submitted_at.isoformat()}#{registration_id}"),
            Registration.return_reason.set(reason),
            Registration.reviewed_at.set(now()),
            Registration.reviewed_by.set(operator.account_id),
            *timers.clear_overdue_actions(),
        ],
        condition=Registration.state == PENDING,
        on_fail=NOT_PENDING,
    )
    timers.cancel(uow, timers.REVIEW_DUE, registration_id)
    uow.audit(
        "registration.return",
        "REGISTRATION",
        registration_id,
        registration.branch_id,
        before={"state": PENDING},
        after={"state": RETURNED, "reason": reason},
    )
    uow.commit()
    registration.state, registration.return_reason = RETURNED, reason
    return registration


def reveal_id_number(principal: Principal, registration_id: str) -> str:
    """REV-1: the reviewing branch checks the ID number against the member's paper file, so it
    alone (and those it was escalated to) may see it in full. Every look is audited."""
    registration = _get(registration_id)
    operator = reviewer(principal, registration)
    plain = pii.unseal(registration.id_sealed or "", {"purpose": "id_number", "registration": registration_id})
    uow = UnitOfWork(operator.actor)
    uow.audit("registration.reveal_id_number", "REGISTRATION", registration_id, registration.branch_id)
    uow.commit()
    return plain
