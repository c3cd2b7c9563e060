"""The registration worker's write (REG-4, REG-5, REV-2): a queued registration becomes one
transaction: the registration, the REG-4 claim on the ID number (and on the development
number), the review deadline (REV-2) and the audit record; a redelivered message changes
nothing. A duplicate (or a second registration of one account, ACCT-2) is recorded as a
REFUSED registration its account sees.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

import msgspec
from msgspec.structs import asdict

from zhtj.accounts.models import Account
from zhtj.core.clock import now
from zhtj.core.errors import ConflictError, RuleViolation
from zhtj.messages import notify as messages
from zhtj.registration import identity_check
from zhtj.registration.messages import WriteRegistration
from zhtj.registration.models import Claim, Registration
from zhtj.registration.records import find, snapshot
from zhtj.registration.rules import LIVE, ClaimOwner, RegistrationState
from zhtj.table import keys, limits, pii
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork
from zhtj.timers import service as timers

REVIEW_WORKDAYS = 5  # REV-2
# A batch's provider questions asked at once, at most (an SQS batch holds 10 messages).
ASKING_THREADS = 10

DUPLICATE_ID = RuleViolation("REG-4", "该身份证号已有报到记录或团籍，一人只能有一个团籍", "id_number")
DUPLICATE_NUMBER = RuleViolation("REG-4", "该发展团员编号已被使用", "development_number")
ALREADY_WRITTEN = ConflictError("ALREADY_WRITTEN", "", None)
ACCOUNT_HOLDS_ONE = RuleViolation(
    "ACCT-2", "本账号已有一份报到（或已是团员）：请修改或撤回原报到后再提交", "previous_id"
)


class Staged(msgspec.Struct, frozen=True):
    """A queued registration's write, prepared and not yet sent: the registration and its one
    transaction. The import sends several rows' in one transaction, and each alone with
    `settle` should that one fail (imports/rows.py)."""

    registration: Registration
    uow: UnitOfWork
    # REG-5: the first check's verdict, kept by whichever transaction writes the registration
    # (its own, or the refusal's: a refused registration's facts are not asked again either).
    checked: identity_check.FirstCheck


def apply_submission(
    message: WriteRegistration, checked: identity_check.FirstCheck | Exception | None = None
) -> Registration:
    """Write a queued registration (idempotent per registration id). A duplicate ID number
    or development number is recorded as a REFUSED registration the ticket reports. `checked`:
    its real-name check made with its batch's (`check_batch`), or the error that check met
    (raised here: Paced, or the provider's failure); None: checked here."""
    if isinstance(checked, Exception):
        raise checked
    return settle(stage(message, checked))


def check_batch(messages: Sequence[WriteRegistration]) -> dict[str, identity_check.FirstCheck | Exception]:
    """REG-5 for a batch of queued registrations together, as an import checks its chunk: the
    kept verdicts in one read, the turns in the provider's rate taken in one request, and the
    provider asked for the rest at once (on threads: each answer waits on the network, and the
    turns are the current second's). By registration id: the check to write it with, or the
    error its check met (Paced when no turn came within MAX_WAIT_SECONDS; the provider's own
    failure), which fails that message alone. A message whose ID number cannot be opened is
    left out: its own write fails it as poison (`stage`)."""
    opened: list[tuple[str, identity_check.Facts]] = []
    for message in messages:
        context = {"purpose": "id_number", "registration": message.registration_id}
        try:
            id_number = pii.unseal(message.person.id_sealed, context)
        except pii.UnsealError:
            continue
        opened.append(
            (message.registration_id, identity_check.Facts(message.person.name, id_number, message.person.phone))
        )
    if not opened:
        return {}
    failed: dict[int, Exception] = {}

    def each(ask: Callable[[int], bool], turn: Iterable[int]) -> list[bool | None]:
        def answer(n: int) -> bool | None:
            try:
                return ask(n)
            except Exception as error:  # that message fails alone, with this error
                failed[n] = error
                return None

        numbered = list(turn)
        with ThreadPoolExecutor(min(len(numbered), ASKING_THREADS) or 1) as pool:
            return list(pool.map(answer, numbered))

    deadline = time.monotonic() + identity_check.MAX_WAIT_SECONDS
    checks = identity_check.check_first_many([facts for _, facts in opened], each, deadline)
    retry_after = 1 + int(limits.seconds_to_next_window())
    found: dict[str, identity_check.FirstCheck | Exception] = {}
    for n, ((registration_id, _), check) in enumerate(zip(opened, checks, strict=True)):
        found[registration_id] = check if check is not None else failed.get(n) or identity_check.Paced(retry_after)
    return found


def stage(message: WriteRegistration, checked: identity_check.FirstCheck | None = None) -> Staged:
    """One transaction, not yet sent: the registration with its real-name result (REG-5, asked
    of the provider first, unless the caller `checked` already: an import checks a chunk's rows
    together) and the verdict kept, the REG-4 claims, the review deadline (REV-2) and the audit
    record. Raises identity_check.Paced."""
    registration_id, branch_id = message.registration_id, message.branch_id
    submitted = datetime.fromisoformat(message.submitted_at)
    person = {k: v for k, v in asdict(message.person).items() if v is not None}
    if checked is None:
        # A message whose ID number cannot be opened is poison: it fails here, before any write.
        # (An import's rows were sealed by the same process a moment ago, and checked already.)
        id_number = pii.unseal(message.person.id_sealed, {"purpose": "id_number", "registration": registration_id})
        checked = identity_check.check_first(person["name"], id_number, person.get("phone"))
    real_name = checked.state
    pending = RegistrationState.PENDING
    registration = Registration(
        keys.registration_pk(registration_id),
        keys.META,
        gsi1pk=keys.branch_registrations_pk(branch_id),
        gsi1sk=f"{pending}#{submitted.isoformat()}#{registration_id}",
        registration_id=registration_id,
        branch_id=branch_id,
        state=pending,
        submitted_at=submitted,
        previous_id=message.previous_id,
        account_id=message.account_id,
        real_name_state=real_name,
        **person,
    )
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(registration, condition=Registration.pk.does_not_exist(), on_fail=ALREADY_WRITTEN)
    checked.keep(uow)
    if real_name != identity_check.PASSED:
        timers.schedule(uow, timers.REALNAME_RECHECK, registration_id, now() + identity_check.recheck_delay())
    if message.admitted_on:
        timers.track_admission_window(uow, registration_id, date.fromisoformat(message.admitted_on))
    previous = find(registration.previous_id) if registration.previous_id else None
    _claim(uow, keys.id_claim_pk(registration.id_index or ""), registration, previous, DUPLICATE_ID)
    if registration.development_number:
        number_pk = keys.development_number_claim_pk(registration.development_number)
        _claim(uow, number_pk, registration, previous, DUPLICATE_NUMBER)
    if previous is not None:
        _supersede(uow, previous, registration)
    if message.account_id:
        _bind(uow, message.account_id, registration)
    # REV-2, and MSG-1's reminder; the deadline is the registration's too (it is sent with the
    # transaction, after this).
    registration.review_due = timers.schedule_review(uow, registration_id, submitted, REVIEW_WORKDAYS)
    uow.audit("registration.submit", "REGISTRATION", registration_id, branch_id, after=snapshot(registration))
    return Staged(registration, uow, checked)


def settle(staged: Staged) -> Registration:
    """Send a staged write alone. A redelivery finds the registration written and changes
    nothing; a duplicate is recorded REFUSED."""
    registration = staged.registration
    try:
        staged.uow.commit()
    except ConflictError as error:
        if error is not ALREADY_WRITTEN:
            raise
        found = find(registration.registration_id)
        assert found is not None
        return found
    except RuleViolation as error:
        return _refuse(registration, error, staged.checked)
    return registration


def _claim(uow: UnitOfWork, pk: str, registration: Registration, previous: Registration | None, error: Any) -> None:
    """REG-4: claim a unique value for this registration; a corrected resubmission takes over
    its predecessor's claim."""
    claim = Claim(pk, keys.META, owner_kind=ClaimOwner.REGISTRATION, owner_id=registration.registration_id)
    condition = Claim.pk.does_not_exist()
    if previous is not None:
        by_previous = (Claim.owner_kind == ClaimOwner.REGISTRATION) & (Claim.owner_id == previous.registration_id)
        condition = condition | by_previous
    uow.put(claim, condition=condition, on_fail=error)


def _bind(uow: UnitOfWork, account_id: str, registration: Registration) -> None:
    """ACCT-2: the account's one registration is this one — on condition that the account is
    not a member and holds no other live registration (this one corrects the one it holds)."""
    account = Account(keys.account_pk(account_id), keys.META)
    held = Account.registration_id.does_not_exist() | (Account.registration_id == registration.registration_id)
    if registration.previous_id:
        held = held | (Account.registration_id == registration.previous_id)
    uow.update(
        account,
        [Account.registration_id.set(registration.registration_id)],
        condition=Account.pk.exists() & Account.member_id.does_not_exist() & held,
        on_fail=ACCOUNT_HOLDS_ONE,
        versioned=False,
    )


def _supersede(uow: UnitOfWork, previous: Registration, registration: Registration) -> None:
    """REG-6: a corrected resubmission (to the same or another branch) replaces a pending or
    returned one."""
    if previous.id_index != registration.id_index:
        raise RuleViolation("REG-6", "重新提交的报到须为同一身份证号", "id_number")
    superseded = RegistrationState.SUPERSEDED
    uow.update(
        previous,
        [
            Registration.state.set(superseded),
            Registration.gsi1sk.set(f"{superseded}#{previous.registration_id}"),
            *timers.clear_overdue_actions(),
        ],
        condition=Registration.state.is_in(*LIVE),
        on_fail=RuleViolation("REG-6", "原报到已审核通过或已撤回，不能重新提交", "previous_id"),
    )
    timers.cancel_review(uow, previous.registration_id)


def _refuse(registration: Registration, error: RuleViolation, checked: identity_check.FirstCheck) -> Registration:
    registration.state = RegistrationState.REFUSED
    registration.refusal_code, registration.refusal_message = error.code, error.message
    registration.gsi1pk, registration.gsi1sk, registration.review_due = None, None, None
    registration.real_name_state = "NOT_CHECKED"
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(registration, condition=Registration.pk.does_not_exist(), on_fail=ALREADY_WRITTEN)
    checked.keep(uow)
    uow.audit(
        "registration.refuse",
        "REGISTRATION",
        registration.registration_id,
        registration.branch_id,
        after={"code": error.code},
    )
    messages.notify(
        uow,
        messages.Kind.REGISTRATION_REFUSED,
        f"registration:{registration.registration_id}:refused",
        account_id=registration.account_id,
        params={"reason": error.message},
    )  # MSG-1
    with contextlib.suppress(ConflictError):  # a concurrent delivery refused it already
        uow.commit()
    found = find(registration.registration_id)
    assert found is not None
    return found
