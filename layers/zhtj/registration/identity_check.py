"""Real-name verification (实名核验), REG-5: ID number, name and phone against the identity
provider settings select (zhtj.integrations.identity). About 5% fail at first; a failure is
re-checked automatically (a timer, within 24 hours); a second failure lets the branch pass
the member offline with a note and a photo, state 线下通过.

Each check costs money and the provider answers at most 20 a second (REFERENCE: "Sign-in, SMS
and real-name providers"), far below an enrolment peak, so:
- checks are paced: each takes a turn in a rate budget shared by every worker
  (zhtj.table.limits, ZHTJ_IDENTITY_RATE_PER_SECOND); a check that gets no turn within
  MAX_WAIT_SECONDS raises Paced, and its caller puts the work back for later (the registration
  worker re-queues the message with a delay that doubles each time, `retry_delay`: never
  dropped);
- the same facts are never checked twice: the provider's answers are kept in a RealNameVerdict
  keyed by a keyed hash of name, ID number and phone (zhtj.table.pii.facts_index, never the
  plain ID number), so a resubmission reuses them; the automatic re-check is the one allowed
  second call.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Any

import msgspec
from pynamodb.exceptions import UpdateError

from zhtj.core import faults, settings
from zhtj.core.clock import now
from zhtj.core.errors import ConflictError, NotFoundError, RuleViolation, ValidationError
from zhtj.integrations.identity import registry
from zhtj.registration.models import RealNameVerdict, Registration
from zhtj.registration.reviewers import reviewer
from zhtj.signin.tokens import Principal
from zhtj.table import keys, limits, pii, storage
from zhtj.table.base import get_items
from zhtj.table.unit_of_work import BUSY, SYSTEM_ACTOR, UnitOfWork
from zhtj.timers import service as timers

# The rate budget every worker's checks share (zhtj.table.limits).
BUDGET = "realname"
# How long a check (or a worker's batch of checks) waits for a turn before giving its work back:
# a worker handles its batch within its timeout.
MAX_WAIT_SECONDS = 1.0
# How long a verdict is kept (TTL): facts corrected at the authority are checked afresh after.
VERDICT_KEEP = timedelta(days=365)
# How far a paced re-check's timer moves on (drawn between the two).
RECHECK_LATER_SECONDS = (60, 300)
# The longest a re-queued registration waits (SQS's limit on a message's delay).
MAX_DELAY_SECONDS = 900


class Paced(RuntimeError):
    """The provider's rate was spent for longer than a check may wait: nothing was asked. The
    caller puts the work back (the registration worker re-queues its message, `retry_delay`)."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"the real-name provider's rate is spent; retry in {retry_after_seconds} s or later")
        self.retry_after_seconds = retry_after_seconds


def retry_delay(times_paced: int, at_least: int = 1) -> int:
    """How long work sent back `times_paced` times before waits now: doubling from 1 s up to
    MAX_DELAY_SECONDS, each drawn between half and all of it, so that a backlog does not come
    back at once (each return costs a refused take on the one rate item)."""
    ceiling = min(MAX_DELAY_SECONDS, 2 ** min(times_paced, 10))
    return max(at_least, random.randint(max(1, ceiling // 2), ceiling))


class RealNameState(StrEnum):
    """A registration's real-name state (stored as these strings)."""

    PASSED = "PASSED"  # 核验通过
    RECHECK_SCHEDULED = "RECHECK_SCHEDULED"  # 首次核验未通过，等待自动复核
    FAILED = "FAILED"  # 复核仍未通过：可由团支部线下核验
    OFFLINE_PASSED = "OFFLINE_PASSED"  # 线下通过


PASSED = RealNameState.PASSED
RECHECK_SCHEDULED = RealNameState.RECHECK_SCHEDULED
FAILED = RealNameState.FAILED
OFFLINE_PASSED = RealNameState.OFFLINE_PASSED
PASSED_STATES = (PASSED, OFFLINE_PASSED)


def recheck_delay() -> timedelta:
    return timedelta(seconds=settings.recheck_delay_seconds())


def _ask(name: str, id_number: str, phone: str | None, attempt: int) -> bool:
    """The configured provider's answer (zhtj.integrations.identity.registry), after a turn in
    the shared rate budget; Paced when no turn came in MAX_WAIT_SECONDS."""
    if not limits.take_or_wait(BUDGET, settings.identity_rate_per_second(), MAX_WAIT_SECONDS):
        raise Paced(retry_after_seconds=1 + int(limits.seconds_to_next_window()))
    # ZHTJ_FAULTS=identity_timeout=<share>: the provider does not answer in time.
    faults.maybe_time_out(faults.IDENTITY_TIMEOUT, "the identity provider")
    return registry.provider().verify(name, id_number, phone, attempt)


def _verdict(index: str) -> RealNameVerdict | None:
    try:
        return RealNameVerdict.get(keys.realname_verdict_pk(index), keys.META, consistent_read=True)
    except RealNameVerdict.DoesNotExist:
        return None


def _keep_first(index: str, matched: bool) -> None:
    """Remember the first answer for these facts, alone (a re-check's record stands)."""
    uow = UnitOfWork(SYSTEM_ACTOR)
    FirstCheck(PASSED if matched else RECHECK_SCHEDULED, index, matched).keep(uow)
    with contextlib.suppress(ConflictError):
        uow.commit()


def _keep_second(index: str, matched: bool) -> None:
    """Remember the re-check's answer for these facts (the first answer stays as it was; a
    verdict gone by TTL, or older than verdicts, is recorded as a failed first check)."""
    at = now()
    verdict = RealNameVerdict(keys.realname_verdict_pk(index), keys.META)
    try:
        verdict.update(
            actions=[
                RealNameVerdict.kind.set(RealNameVerdict),
                RealNameVerdict.first.set(RealNameVerdict.first | False),
                RealNameVerdict.second.set(matched),
                RealNameVerdict.checked_at.set(at),
                RealNameVerdict.expires_at.set(at + VERDICT_KEEP),
            ],
            condition=RealNameVerdict.second.does_not_exist(),
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


class FirstCheck(msgspec.Struct, frozen=True):
    """A first check's outcome: the registration's real-name state, and, when the provider was
    asked now, its answer, to be kept in the registration's own transaction (`keep`)."""

    state: RealNameState
    index: str  # the facts' keyed hash (zhtj.table.pii.facts_index)
    asked: bool | None = None  # the provider's answer given now; None when a kept verdict served

    def keep(self, uow: UnitOfWork) -> None:
        """Remember the provider's answer in `uow` (nothing when a kept verdict served). A put,
        not an update (an update expression costs moto several times a put; DynamoDB the same):
        on condition that no re-check's answer is there, so that only another first answer for
        the same facts, given meanwhile by a concurrent check, can be replaced (by an answer as
        good). Should a re-check have answered meanwhile, the transaction is refused as a lost
        race (STALE: the worker's message comes back, and finds that verdict)."""
        if self.asked is None:
            return
        at = now()
        verdict = RealNameVerdict(
            keys.realname_verdict_pk(self.index),
            keys.META,
            first=self.asked,
            checked_at=at,
            expires_at=at + VERDICT_KEEP,
        )
        uow.put(verdict, condition=RealNameVerdict.second.does_not_exist())


def _state(kept: RealNameVerdict) -> RealNameState:
    return PASSED if kept.first or bool(kept.second) else RECHECK_SCHEDULED


def check_first(name: str, id_number: str, phone: str | None) -> FirstCheck:
    """The check made before a registration is written, its verdict kept by the caller's
    transaction (`FirstCheck.keep`): one read of a kept verdict, and only without one a turn in
    the rate budget and the provider's answer. Raises Paced."""
    index = pii.facts_index(name, id_number, phone)
    kept = _verdict(index)
    if kept is not None:
        return FirstCheck(_state(kept), index)
    matched = _ask(name, id_number, phone, attempt=1)
    return FirstCheck(PASSED if matched else RECHECK_SCHEDULED, index, matched)


def first_check(name: str, id_number: str, phone: str | None) -> RealNameState:
    """`check_first` with its verdict kept at once, alone: the registration's real-name state
    (PASSED, or RECHECK_SCHEDULED for the caller to time the re-check). Facts already checked
    are not asked again: a resubmission gets the verdict its first submission got."""
    checked = check_first(name, id_number, phone)
    if checked.asked is not None:
        _keep_first(checked.index, checked.asked)
    return checked.state


class Facts(msgspec.Struct, frozen=True):
    """What one first check of a batch is about."""

    name: str
    id_number: str
    phone: str | None


def check_first_many(
    facts: Sequence[Facts], each: Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]], deadline: float
) -> list[FirstCheck | None]:
    """`check_first` for a batch (an import's chunk): the kept verdicts read in one BatchGetItem
    per 100, the turns the rest need taken together (`limits.take_many`, one UpdateItem per
    window), and the provider asked for those that got one; `each` maps a function over the
    facts (a thread pool's map: the provider's answers wait on the network). The keyed hashes
    are computed in turn: each is keyed by its ID number's KMS HMAC, which an import asked for
    already when it indexed the row (pii keeps it), so they wait on nothing. A check that got
    no turn by `deadline` (time.monotonic) is None: nothing was asked for it. Each verdict is
    kept by its row's transaction (`FirstCheck.keep`). Where `each` gives None for a check
    instead of the provider's answer (its call failed, and the caller keeps the error), that
    check is None too."""
    indexes = [pii.facts_index(f.name, f.id_number, f.phone) for f in facts]
    found = get_items([(keys.realname_verdict_pk(index), keys.META) for index in indexes])
    checks: list[FirstCheck | None] = []
    asking: dict[str, int] = {}  # facts index -> the one row asked for those facts
    for n, index in enumerate(indexes):
        kept = found.get((keys.realname_verdict_pk(index), keys.META))
        checks.append(FirstCheck(_state(kept), index) if isinstance(kept, RealNameVerdict) else None)
        if checks[n] is None:
            asking.setdefault(index, n)
    unasked = list(asking.values())
    while unasked:
        window = limits.window_start()
        granted = limits.take_many(BUDGET, len(unasked), settings.identity_rate_per_second())
        turn, unasked = unasked[:granted], unasked[granted:]
        for n, matched in zip(turn, each(lambda n: _answer(facts[n]), turn), strict=True):
            if matched is not None:  # None: `each` has no answer for it (the caller keeps why)
                checks[n] = FirstCheck(PASSED if matched else RECHECK_SCHEDULED, indexes[n], matched)
        if unasked:  # this second's turns are spent: the rest wait for the next one
            if limits.window_start() != window:
                continue  # the second ended while the turns were taken: the next one has just begun
            pause = limits.seconds_to_next_window()
            if time.monotonic() + pause > deadline:
                break
            time.sleep(pause)
    # The same facts twice in a batch are asked once: the other rows reuse that answer.
    for n, index in enumerate(indexes):
        asked = checks[asking[index]] if index in asking else None
        if checks[n] is None and asked is not None:
            checks[n] = FirstCheck(asked.state, index)
    return checks


def _answer(facts: Facts) -> bool:
    """The provider's first answer, its turn taken already."""
    faults.maybe_time_out(faults.IDENTITY_TIMEOUT, "the identity provider")
    return registry.provider().verify(facts.name, facts.id_number, facts.phone, 1)


def second_check(name: str, id_number: str, phone: str | None) -> bool:
    """REG-5's automatic re-check of facts whose first check failed: the one allowed second
    call, made once per set of facts (a second registration with them reuses its answer)."""
    index = pii.facts_index(name, id_number, phone)
    kept = _verdict(index)
    if kept is not None and (kept.first or kept.second is not None):
        return kept.first or bool(kept.second)
    matched = _ask(name, id_number, phone, attempt=2)
    _keep_second(index, matched)
    return matched


def _verify(registration: Registration) -> bool:
    context = {"purpose": "id_number", "registration": registration.registration_id}
    id_number = pii.unseal(registration.id_sealed or "", context)
    return second_check(registration.name, id_number, registration.phone)


def recheck(registration_id: str) -> None:
    """REG-5's automatic second attempt (fired by the timer sweep). Idempotent."""
    try:
        registration = Registration.get(keys.registration_pk(registration_id), keys.META, consistent_read=True)
    except Registration.DoesNotExist:
        return
    matched: bool | None = None
    if registration.real_name_state == RECHECK_SCHEDULED:
        try:
            matched = _verify(registration)
        except Paced:
            _recheck_later(registration_id)
            return
    uow = UnitOfWork(SYSTEM_ACTOR)
    timers.cancel(uow, timers.REALNAME_RECHECK, registration_id)
    if matched is not None:
        state = PASSED if matched else FAILED
        uow.update(
            registration,
            [Registration.real_name_state.set(state)],
            condition=Registration.real_name_state == RECHECK_SCHEDULED,
            versioned=False,
        )
        uow.audit(
            "registration.real_name",
            "REGISTRATION",
            registration_id,
            registration.branch_id,
            after={"real_name_state": state, "attempt": 2},
        )
    try:
        uow.commit()
    except ConflictError as error:
        if error is BUSY:
            raise  # a transaction in flight on the same items: nothing decided, the timer's message comes back
        return  # decided meanwhile by another delivery


def _recheck_later(registration_id: str) -> None:
    """The provider's rate is spent: the re-check's timer moves a few minutes on (a fresh timer,
    its attempts untouched by pacing), rather than failing the timer's message."""
    uow = UnitOfWork(SYSTEM_ACTOR)
    later = now() + timedelta(seconds=random.randint(*RECHECK_LATER_SECONDS))
    timers.schedule(uow, timers.REALNAME_RECHECK, registration_id, later)
    uow.commit()


def photo_upload(principal: Principal, registration_id: str) -> tuple[str, str]:
    """A presigned upload for the offline check's photo. Returns (object key, URL)."""
    registration = _for_branch(principal, registration_id)
    key = f"offline-checks/{registration.branch_id}/{registration_id}.jpg"
    return key, storage.upload_url("uploads", key, "image/jpeg")


def pass_offline(principal: Principal, registration_id: str, note: str, photo_key: str) -> Registration:
    """REG-5: after a second failure the branch verifies in person: note and photo, 线下通过."""
    registration = _for_branch(principal, registration_id)
    operator = reviewer(principal, registration)
    if registration.real_name_state != FAILED:
        raise RuleViolation("REG-5", "只有两次实名核验均未通过的报到才能线下核验", None)
    if not note.strip():
        raise ValidationError("NOTE_REQUIRED", "线下核验须填写说明", "note")
    if not photo_key.startswith(f"offline-checks/{registration.branch_id}/") or not storage.exists(
        "uploads", photo_key
    ):
        raise ValidationError("PHOTO_MISSING", "请先上传线下核验照片", "photo_key")
    uow = UnitOfWork(operator.actor)
    uow.update(
        registration,
        [
            Registration.real_name_state.set(OFFLINE_PASSED),
            Registration.real_name_note.set(note),
            Registration.real_name_photo_key.set(photo_key),
        ],
        condition=Registration.real_name_state == FAILED,
        versioned=False,
    )
    uow.audit(
        "registration.real_name_offline",
        "REGISTRATION",
        registration_id,
        registration.branch_id,
        before={"real_name_state": FAILED},
        after={"real_name_state": OFFLINE_PASSED, "note": note},
    )
    uow.commit()
    registration.real_name_state = OFFLINE_PASSED
    return registration


def _for_branch(principal: Principal, registration_id: str) -> Registration:
    try:
        registration = Registration.get(keys.registration_pk(registration_id), keys.META, consistent_read=True)
    except Registration.DoesNotExist as error:
        raise NotFoundError("REGISTRATION_NOT_FOUND", "报到记录不存在", "registration_id") from error
    reviewer(principal, registration)
    return registration
