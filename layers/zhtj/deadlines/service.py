"""Deadlines in working days (REV-2, REG-7) and the timers behind them (REG-5's re-check).

The sweep: a schedule starts one Standard execution of the timer_sweep state machine, which
puts one message per timer shard on the timers queue; the timer worker turns each into one
message per due timer ("fire"), so that a failing timer fails only its own record. Firing is
idempotent: it re-reads the timer and does nothing once it is gone.

The calendar: the province loads a year's published schedule as data; the open deadlines
that reach into that year are then recomputed through the same queue ("recompute").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from msgspec.structs import replace
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from zhtj.core import clock, settings
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.core.observability import logger, metrics
from zhtj.deadlines.messages import TIMERS, FireTimer, Recompute, SweepShard
from zhtj.dues import closing as dues_closing
from zhtj.messages import notify as messages
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.registration import identity_check
from zhtj.registration.models import Registration
from zhtj.registration.rules import RegistrationState
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork
from zhtj.timers import calendar
from zhtj.timers import service as timers
from zhtj.timers.models import CalendarYear, Timer
from zhtj.timers.workdays import CHINA_TZ, Source, WorkdayCalendar, YearSchedule
from zhtj.transfers import batches as transfer_batches
from zhtj.transfers import escalation, incoming, steps

# One sweep message hands out at most this many timers; the rest wait for the next sweep
# (5 minutes later): 8 shards x 500 = 4,000 per sweep, far above the peak (docs/capacity.md).
MAX_FIRES_PER_SWEEP = 500
# A recompute message reads at most this many pages (of RECOMPUTE_PAGE timers) before it
# passes its position on in a new message, so no invocation nears its timeout.
RECOMPUTE_PAGE = 25
RECOMPUTE_PAGES_PER_MESSAGE = 20
# Open deadlines lie within this many days of today: the longest working-day deadline
# (AWARD-2's 20 working days) spans under 45 calendar days even across the Spring Festival.
RECOMPUTE_HORIZON_DAYS = 60
# A recomputation that loses to a firing (the reminder sent, the timer re-filed) reads the
# timer again and tries once more.
MOVE_ATTEMPTS = 2
FIRST_YEAR, LAST_YEAR = 2004, 2099  # chinesecalendar's first year; beyond that is nonsense input


# --- The sweep ---------------------------------------------------------------------------------


def handle(message: SweepShard | FireTimer | Recompute) -> None:
    """A message of the timers queue. Raises on failure (the record is retried, then dead-lettered)."""
    match message:
        case SweepShard():
            sweep_shard(message.shard, message.days, datetime.fromisoformat(message.now))
        case FireTimer():
            fire(message.timer_kind, message.subject_id)
        case Recompute():
            recompute(message)


def sweep_shard(shard: int, days: list[str], now: datetime) -> int:
    """Hand every due timer of one shard to the worker, one message each. Returns how many."""
    handed = 0
    for timer in timers.due(shard, days, now):
        if handed >= MAX_FIRES_PER_SWEEP:
            break
        if timers.claim(timer, clock.now()):
            TIMERS.send(FireTimer(timer_kind=timer.timer_kind, subject_id=timer.subject_id))
            handed += 1
    if handed:
        metrics.add_metric(name="TimersHandedOut", unit="Count", value=handed)
    return handed


def _timer(kind: str, subject_id: str) -> Timer | None:
    try:
        return Timer.get(keys.timer_pk(kind, subject_id), keys.META, consistent_read=True)
    except Timer.DoesNotExist:
        return None


def fire(kind: str, subject_id: str) -> None:
    """Do what a due timer is for. A timer already gone (fired, settled) or not yet due (moved
    by a recomputation, or re-filed at its deadline by the firing that sent its reminder) is
    left alone."""
    timer = _timer(kind, subject_id)
    now = clock.now()
    if timer is None or timers.next_moment(timer) > now:
        return
    if kind == timers.REVIEW_DUE:
        if timers.reminding(timer, now):
            remind_review(timer)
        else:
            escalate(timer)
    elif kind == timers.REALNAME_RECHECK:
        identity_check.recheck(subject_id)  # deletes its own timer
    elif kind == timers.REG7_DUE:
        close_admission_window(timer)
    elif kind == steps.TIMER_KIND:
        if timers.reminding(timer, now):
            escalation.remind(timer)
        else:
            escalation.escalate(timer)
    elif kind == transfer_batches.GRADUATION_KIND:
        transfer_batches.graduate(timer)
    elif kind == incoming.TIMER_KIND:
        incoming.close_window(timer)
    elif kind == timers.DUES_ORDER_EXPIRY:
        dues_closing.expire(subject_id)  # deletes its own timer
    else:
        raise ValueError(f"unknown timer kind {kind!r}")


def _registration(registration_id: str) -> Registration | None:
    try:
        return Registration.get(keys.registration_pk(registration_id), keys.META, consistent_read=True)
    except Registration.DoesNotExist:
        return None


def _drop(timer: Timer) -> None:
    """Delete a timer that has nothing left to time."""
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.delete(timer)
    uow.commit()


def escalate(timer: Timer) -> None:
    """REV-2: the review deadline passed. In one transaction: the registration goes to the
    branch's parent (who may now review it, and lists it as overdue), the branch's overdue
    count moves by one, the timer goes. A second firing finds the timer gone."""
    registration = _registration(timer.subject_id)
    if registration is None or registration.state != RegistrationState.PENDING or registration.escalated_to:
        _drop(timer)
        return
    branch = get_org(registration.branch_id)
    # A branch always has a parent (ORG-4: members belong to branches, which sit below committees).
    parent_id = branch.parent_id or branch.org_id
    due = registration.review_due or timer.due_at
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        registration,
        [
            Registration.escalated_to.set(parent_id),
            Registration.gsi2pk.set(timers.overdue_pk(parent_id)),
            Registration.gsi2sk.set(f"{timers.stamp(due)}#{registration.registration_id}"),
        ],
        condition=(Registration.state == RegistrationState.PENDING) & Registration.escalated_to.does_not_exist(),
        on_fail=timers.LOST_RACE,
        versioned=False,
    )
    uow.update(branch, [Org.overdue_reviews.add(1)], versioned=False)
    uow.delete(timer, condition=Timer.pk.exists(), on_fail=timers.LOST_RACE)
    uow.audit(
        "registration.escalate",
        "REGISTRATION",
        registration.registration_id,
        branch.org_id,
        before={"state": RegistrationState.PENDING, "review_due": due.isoformat()},
        after={"escalated_to": parent_id},
    )
    messages.notify(
        uow,
        messages.Kind.REVIEW_ESCALATED,
        f"registration:{registration.registration_id}:escalated",
        org_id=parent_id,
        params={"member": registration.name},
    )  # MSG-1
    try:
        uow.commit()
    except ConflictError as error:
        if error is not timers.LOST_RACE:
            raise
        return  # reviewed, withdrawn or escalated meanwhile: whoever won removed the timer
    metrics.add_metric(name="ReviewsEscalated", unit="Count", value=1)
    logger.info("review escalated", extra={"registration_id": registration.registration_id, "to": parent_id})


def remind_review(timer: Timer) -> None:
    """MSG-1: one working day before a review's deadline, the branch's operators are told, once
    (the event names the deadline). The review's timer is re-filed at its deadline in the
    transaction that queues the message, on condition that it is as this firing read it, so a
    redelivered or racing firing sends nothing. A review settled meanwhile (its timer cancelled
    with it) or already escalated tells nobody."""
    registration = _registration(timer.subject_id)
    if (
        registration is None
        or registration.state != RegistrationState.PENDING
        or registration.escalated_to
        or registration.review_due is None
    ):
        _drop(timer)
        return
    due = registration.review_due
    uow = UnitOfWork(SYSTEM_ACTOR)
    timers.refile_at_deadline(uow, timer)
    messages.notify(
        uow,
        messages.Kind.DEADLINE_NEAR,
        f"registration:{registration.registration_id}:near:{timers.stamp(due)}",
        org_id=registration.branch_id,
        params={"what": f"{registration.name}的入团登记审核", "due": messages.china_time(due)},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not timers.LOST_RACE:
            raise


def close_admission_window(timer: Timer) -> None:
    """REG-7: the admission window has closed. Counted again with the calendar in force now (a
    year loaded since filing counts), the registration is late if it was submitted after it."""
    registration = _registration(timer.subject_id)
    if (
        registration is None
        or registration.state in (RegistrationState.WITHDRAWN, RegistrationState.SUPERSEDED, RegistrationState.REFUSED)
        or timer.counted_from is None
    ):
        _drop(timer)
        return
    window_end = calendar.end_of_workday(
        calendar.current().add_workdays(timer.counted_from, int(timer.workdays or timers.ADMISSION_WORKDAYS))
    )
    late = registration.submitted_at > window_end
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        registration,
        [Registration.late_registration.set(late)],
        condition=Registration.late_registration.does_not_exist(),
        on_fail=timers.LOST_RACE,
        versioned=False,
    )
    uow.delete(timer)
    uow.audit(
        "registration.admission_window",
        "REGISTRATION",
        registration.registration_id,
        registration.branch_id,
        after={"late_registration": late, "window_end": window_end.isoformat()},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not timers.LOST_RACE:
            raise
        _drop(timer)  # decided by an earlier firing


# --- The overdue list (REV-2) --------------------------------------------------------------------


def overdue(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[Registration], str | None]:
    """Registrations escalated to an organisation and not yet reviewed, oldest deadline first."""
    authorize(principal, "registration.overdue", get_org(org_id))
    items, next_cursor = paging.query_page(
        Registration.by_gsi2.query, timers.overdue_pk(org_id), limit=limit, cursor=cursor
    )
    return [i for i in items if isinstance(i, Registration)], next_cursor


# --- The calendar ------------------------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError("CALENDAR_YEAR", f"年份应在{FIRST_YEAR}～{LAST_YEAR}之间", "year")


def _dates(text: str) -> list[date]:
    return [date.fromisoformat(d) for d in text.split(",") if d]


def loaded(year: int) -> CalendarYear | None:
    try:
        return CalendarYear.get(keys.CALENDAR_PK, keys.calendar_sk(year), consistent_read=True)
    except CalendarYear.DoesNotExist:
        return None


def year_view(year: int) -> tuple[Source, CalendarYear | None]:
    """Which source decides a year's working days, and the loaded schedule if any."""
    _check_year(year)
    item = loaded(year)
    if item is not None:
        return "loaded", item
    return WorkdayCalendar().knows(year), None


def schedule_dates(item: CalendarYear) -> tuple[list[date], list[date]]:
    """A loaded year's days off and weekend working days."""
    return _dates(item.holidays), _dates(item.workdays)


def load_year(principal: Principal, year: int, holidays: list[tuple[date, date]], workdays: list[date]) -> CalendarYear:
    """The province loads a year's published holiday schedule (放假安排): days off as inclusive
    ranges, weekend working days (补班). The open deadlines reaching into the year are then
    recomputed in the background. Raises ForbiddenError, ValidationError."""
    operator = authorize(principal, "calendar.load", None)
    _check_year(year)
    schedule = YearSchedule.from_ranges(year, holidays, workdays)
    previous = loaded(year)
    item = CalendarYear(
        keys.CALENDAR_PK,
        keys.calendar_sk(year),
        year=year,
        holidays=",".join(d.isoformat() for d in sorted(schedule.holidays)),
        workdays=",".join(d.isoformat() for d in sorted(schedule.workdays)),
        loaded_at=clock.now(),
        loaded_by=operator.account_id,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(item)
    uow.audit(
        "calendar.load",
        "CALENDAR",
        str(year),
        operator.org.org_id,
        before={"holidays": previous.holidays, "workdays": previous.workdays} if previous else None,
        after={"holidays": item.holidays, "workdays": item.workdays},
    )
    uow.commit()
    calendar.forget()
    start_recompute(year)
    return item


def recompute_delay() -> int:
    """Seconds before recomputing: other processes keep their cached calendar up to a minute,
    and a deadline they compute meanwhile must be caught by the recomputation."""
    return settings.recompute_delay_seconds()


def start_recompute(year: int) -> None:
    """One recompute message per shard, each walking the days its open deadlines can fall on."""
    today = clock.now().astimezone(CHINA_TZ).date()
    first = max(date(year, 1, 1), today - timedelta(days=timers.SWEEP_DAYS))
    last = today + timedelta(days=RECOMPUTE_HORIZON_DAYS)
    if first > last:
        return  # no open deadline reaches that far
    for shard in range(keys.TIMER_SHARDS):
        message = Recompute(year=year, shard=shard, day=first.isoformat(), last=last.isoformat(), cursor=None)
        TIMERS.send(message, delay_seconds=recompute_delay())


def recompute(message: Recompute) -> int:
    """Move the open working-day deadlines of one shard falling in or after the loaded year, a
    bounded number of pages at a time; the rest goes on in a new message. Returns how many moved."""
    calendar.forget()  # this process may hold the calendar from before the load
    workdays = calendar.current()
    year, shard = message.year, message.shard
    day, last = date.fromisoformat(message.day), date.fromisoformat(message.last)
    cursor = message.cursor
    moved = 0
    for _ in range(RECOMPUTE_PAGES_PER_MESSAGE):
        page, cursor = paging.query_page(
            Timer.by_gsi2.query, keys.due_pk(day.isoformat(), shard), limit=RECOMPUTE_PAGE, cursor=cursor
        )
        moved += sum(_move(t, workdays, year) for t in page if isinstance(t, Timer))
        if cursor is None:
            day += timedelta(days=1)
            if day > last:
                return moved
    TIMERS.send(replace(message, day=day.isoformat(), cursor=cursor))
    return moved


def _move(timer: Timer, workdays: WorkdayCalendar, year: int) -> bool:
    """Recompute one timer's moments and move it if they changed. A firing that sent its reminder
    meanwhile (re-filing it at the old deadline) is caught: the timer is read again and moved as
    it now is. False if nothing moved (or the timer went: fired, settled)."""
    for _ in range(MOVE_ATTEMPTS):
        try:
            return _move_once(timer, workdays, year)
        except ConflictError as error:
            if error is not timers.LOST_RACE:
                raise
        found = _timer(timer.timer_kind, timer.subject_id)
        if found is None:
            return False
        timer = found
    return False  # moved meanwhile by another recomputation of the same calendar


def _move_once(timer: Timer, workdays: WorkdayCalendar, year: int) -> bool:
    """Recompute one timer's deadline, and its reminder while that is still to be sent; re-file
    the timer at the next of the two (and move the registration's review_due with the deadline)
    in one small transaction if either changed. False if nothing moved; raises LOST_RACE if the
    timer changed since it was read."""
    if timer.counted_from is None or timer.workdays is None:
        return False  # not a working-day deadline (REG-5's re-check is 12 hours)
    old, old_remind = timer.due_at, timer.remind_at
    if old.astimezone(CHINA_TZ).date() < date(year, 1, 1):
        return False  # counted entirely before the loaded year
    new = calendar.end_of_workday(workdays.add_workdays(timer.counted_from, int(timer.workdays)))
    new_remind = old_remind
    if old_remind is not None and timer.remind_workdays is not None:
        new_remind = calendar.end_of_workday(workdays.add_workdays(timer.counted_from, int(timer.remind_workdays)))
    if new == old and new_remind == old_remind:
        return False
    gsi2pk, gsi2sk = timers.index_keys(timer.timer_kind, timer.subject_id, new_remind or new, not_before=clock.now())
    actions: list[Action] = [
        Timer.due_at.set(new),
        Timer.gsi2pk.set(gsi2pk),
        Timer.gsi2sk.set(gsi2sk),
        Timer.claimed_until.remove(),
        Timer.attempts.set(0),
    ]
    as_read: Condition = Timer.remind_at.does_not_exist()
    if new_remind is not None and old_remind is not None:
        actions.append(Timer.remind_at.set(new_remind))
        as_read = Timer.remind_at == old_remind
    uow = UnitOfWork(SYSTEM_ACTOR)
    # The same key: an update, not delete + put (one transaction may touch an item once).
    uow.update(timer, actions, condition=(Timer.due_at == old) & as_read, on_fail=timers.LOST_RACE)
    if timer.timer_kind == timers.REVIEW_DUE and new != old:
        registration = _registration(timer.subject_id)
        if registration is None or registration.state != RegistrationState.PENDING or registration.escalated_to:
            return False  # settled: the sweep drops the timer
        uow.update(
            registration,
            [Registration.review_due.set(new)],
            condition=(Registration.state == RegistrationState.PENDING) & Registration.escalated_to.does_not_exist(),
            on_fail=timers.LOST_RACE,
            versioned=False,
        )
        uow.audit(
            "registration.deadline_move",
            "REGISTRATION",
            registration.registration_id,
            registration.branch_id,
            before={"review_due": old.isoformat()},
            after={"review_due": new.isoformat(), "calendar_year": year},
        )
    uow.commit()
    return True
