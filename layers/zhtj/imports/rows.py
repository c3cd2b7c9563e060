"""An import's rows (IMPORT-1..2): each row checked exactly as a registration is (the form's
fields, REG-1, then REG-1..3), its branch resolved (IMPORT-1, ORG-4, ORG-7), and the good ones
written through the registration worker's own write, each in its own transaction.

Why imported rows land as PENDING_REVIEW registrations, reviewed by the branch as usual,
rather than approved at once (although the seeds describe the organisation's own entry of
members it has already checked, seed 002 annex §4): approval makes the record permanent
(REV-3, DEL-1) and is the branch's check against the paper file (REV-1), while an import may
come from the parent on the branch's behalf; approval also waits for the real-name check
(REG-5), which imported rows pass through like any registration; and members, accounts and
claims are created on one path only (`registration.review.approve`). The cost, a click per
member for the branch, is what a bulk approval of passed rows would remove (not built here).

Rows are checked as REG-1..4 (IMPORT-2) and the branch as ORG-4/ORG-7, not against the
registration waves (REG-8): the waves pace members registering themselves, while entry by
the organisation is the campaign the seeds schedule by sector (seed 002 §1.3).

A row's registration id is derived from (import id, row number), so a chunk processed twice
writes nobody twice. A row whose ID number (or development number) is already claimed by
anyone else is reported as a REG-4 duplicate without being written, which is what a second
upload of the same file gets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any, TypeVar

from zhtj.core.clock import today_in_china
from zhtj.core.errors import DomainError, NotFoundError, RuleViolation, ValidationError
from zhtj.imports import template as sheet
from zhtj.imports import upload
from zhtj.imports.models import Import
from zhtj.imports.report_sheet import ERROR, OK, RowOutcome
from zhtj.imports.rules import registration_id_for
from zhtj.orgs.authz import get_org, within
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus, OrgType, check_members_allowed
from zhtj.registration import identity_check
from zhtj.registration import worker as registration_worker
from zhtj.registration.form import read_form
from zhtj.registration.messages import WriteRegistration
from zhtj.registration.models import Claim, Registration
from zhtj.registration.rules import RegistrationState, check_submission
from zhtj.registration.submit import person_fields
from zhtj.registration.worker import DUPLICATE_ID, DUPLICATE_NUMBER, Staged
from zhtj.table import keys, limits, pii
from zhtj.table.unit_of_work import MAX_TRANSACTION_ITEMS, SYSTEM_ACTOR, UnitOfWork

T = TypeVar("T")
R = TypeVar("R")


class Branches:
    """IMPORT-1: which branch a row may name. A branch imports its own members; any other
    organisation imports for its direct child branches (by alias or ID), and its cadres
    (是否团干部 = 是) into any branch below it (by ID): committees enter their own cadres."""

    def __init__(self, importer: Org) -> None:
        self.importer = importer
        self._children: dict[str, Org | None] | None = None
        self._below: dict[str, Org | None] = {}
        self._lock = threading.Lock()

    def default(self) -> str | None:
        return self.importer.org_id if self.importer.org_type == OrgType.BRANCH else None

    def _direct(self) -> dict[str, Org | None]:
        # Rows are checked by several threads: the children are listed once, by the first.
        with self._lock:
            if self._children is None:
                found: dict[str, Org | None] = {}
                for child in Org.by_gsi1.query(keys.children_pk(self.importer.org_id)):
                    if not isinstance(child, Org):
                        continue
                    found[child.org_id] = child
                    # Two children with one alias: the alias names neither, the ID must be used.
                    found[child.alias] = None if child.alias in found else child
                self._children = found
            return self._children

    def _by_id(self, ref: str) -> Org | None:
        if ref not in self._below:
            try:
                org: Org | None = get_org(ref)
            except NotFoundError:
                org = None
            self._below[ref] = org  # two threads may both read it: the same answer
        return self._below[ref]

    def resolve(self, ref: str, is_cadre: bool) -> Org:
        """Raises RuleViolation (IMPORT-1, ORG-4, ORG-7) or ValidationError (BRANCH_UNKNOWN)."""
        importer = self.importer
        if importer.org_type == OrgType.BRANCH:
            if ref in (importer.org_id, importer.alias):
                return importer
            raise RuleViolation("IMPORT-1", "团支部只能导入本支部的团员和团干部", "branch_id")
        direct = self._direct()
        if ref in direct and direct[ref] is None:
            raise ValidationError("BRANCH_AMBIGUOUS", f"有多个直属组织的代称为“{ref}”，请填写团支部ID", "branch_id")
        target = direct.get(ref)
        if target is None:
            below = self._by_id(ref)
            if below is None:
                raise ValidationError("BRANCH_UNKNOWN", f"未找到团支部“{ref}”：请填写直属团支部的代称或ID", "branch_id")
            if not within(importer, below) or below.org_id == importer.org_id:
                raise RuleViolation("IMPORT-1", "只能导入本组织下属团支部的团员", "branch_id")
            if not is_cadre:
                raise RuleViolation(
                    "IMPORT-1", "上级组织只能导入直属团支部的团员（团干部可导入下级任一团支部）", "branch_id"
                )
            target = below
        check_members_allowed(OrgType(target.org_type))
        if target.system or target.status != OrgStatus.ACTIVE:
            raise RuleViolation("ORG-7", "不能导入到系统组织或已撤销的团支部", "branch_id")
        return target


def _message(
    job: Import, branches: Branches, values: tuple[Any, ...], columns: dict[str, int], number: int, today: date
) -> tuple[WriteRegistration, identity_check.Facts]:
    """A row as the registration queue's message (as registration.submit builds it), checked
    field by field exactly as a registration, and the facts its real-name check asks about.
    Raises DomainError naming the field."""
    parsed = upload.parse_row(values, columns)
    ref = parsed.branch_ref or branches.default()
    if ref is None:
        raise upload.required_error(sheet.BRANCH_FIELD)
    submission, _ = read_form({**parsed.fields, "branch_id": ref}, sheet.header_of)
    facts = check_submission(submission, today)
    branch = branches.resolve(ref, facts.is_cadre)
    registration_id = registration_id_for(job.import_id, number)
    submitted: datetime = job.started_at or job.created_at
    message = WriteRegistration(
        registration_id=registration_id,
        branch_id=branch.org_id,
        previous_id=None,
        submitted_at=submitted.isoformat(),
        person=person_fields(facts, registration_id, pii.blind_index(facts.identity.id_number)),
    )
    # What the sealed ID number opens to (the registration worker's own check reads it so).
    person = message.person
    return message, identity_check.Facts(person.name, facts.identity.id_number, person.phone)


def _claim_keys(message: WriteRegistration) -> list[tuple[str, DomainError]]:
    person = message.person
    found: list[tuple[str, DomainError]] = [(keys.id_claim_pk(person.id_index), DUPLICATE_ID)]
    if person.development_number:
        pk = keys.development_number_claim_pk(person.development_number)
        found.append((pk, DUPLICATE_NUMBER))
    return found


def _owners(messages: list[WriteRegistration]) -> dict[str, str]:
    """The current owners of the chunk's REG-4 claims, in one batch: claim pk -> owner id."""
    wanted = sorted({pk for m in messages for pk, _ in _claim_keys(m)})
    return {c.pk: c.owner_id for c in Claim.batch_get([(pk, keys.META) for pk in wanted], consistent_read=True)}


def _error(number: int, name: str, masked: str, error: DomainError) -> RowOutcome:
    return RowOutcome(number, name, masked, ERROR, error.code, error.message, error.field)


def _written(number: int, name: str, masked: str, written: Registration) -> RowOutcome:
    if written.state == RegistrationState.REFUSED:
        field = "development_number" if written.refusal_message == DUPLICATE_NUMBER.message else None
        code, text = written.refusal_code or "REG-4", written.refusal_message or DUPLICATE_ID.message
        return RowOutcome(number, name, masked, ERROR, code, text, field or "id_number")
    return RowOutcome(number, name, masked, OK, registration_id=written.registration_id)


# Rows are checked and written by this many threads (each row waits on KMS and the identity
# provider, and the table; clients are thread-safe). Several rows' writes go in one
# transaction, up to DynamoDB's limit of actions (about 20 rows).
WRITERS = 8
GROUP_ACTIONS = MAX_TRANSACTION_ITEMS
# A row whose real-name check finds the provider's rate spent (REG-5 pacing, shared with the
# registration worker) waits for its turn within the chunk, until the chunk has run this long;
# then the chunk fails and its message comes back later (rows written stay written, verdicts
# already given are kept and not asked again).
PACED_WAIT_SECONDS = 60


def _on_threads(pool: ThreadPoolExecutor) -> Callable[[Callable[[T], R], Iterable[T]], list[R]]:
    """`pool.map` in WRITERS runs of consecutive items, one run a thread: as many in flight as
    one item a task, without handing each item to a thread (a wake-up and a hand-off of the
    interpreter's lock per row: a tenth of a row's CPU when the waits are short)."""

    def each(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
        listed = list(items)
        size = -(-len(listed) // WRITERS)  # ceiling: at most WRITERS runs
        runs = [listed[n : n + size] for n in range(0, len(listed), size)] if listed else []
        return [result for run in pool.map(lambda run: [work(item) for item in run], runs) for result in run]

    return each


def _groups(staged: list[Staged]) -> list[list[Staged]]:
    """The rows' transactions packed, in row order, into transactions of at most GROUP_ACTIONS."""
    groups: list[list[Staged]] = []
    size = GROUP_ACTIONS
    for row in staged:
        actions = len(row.uow.operations)
        if size + actions > GROUP_ACTIONS:
            groups.append([])
            size = 0
        groups[-1].append(row)
        size += actions
    return groups


def _write_group(group: list[Staged]) -> list[Registration]:
    """Several rows in one transaction; if it is refused (a row written before: a redelivered
    chunk; a claim taken meanwhile), each row alone, as the registration worker writes it."""
    if len(group) > 1:
        joined = UnitOfWork(SYSTEM_ACTOR, operations=[op for row in group for op in row.uow.operations])
        try:
            joined.commit()
            return [row.registration for row in group]
        except DomainError:
            pass
    return [registration_worker.settle(row) for row in group]


def import_rows(job: Import, columns: dict[str, int], rows: list[tuple[int, tuple[Any, ...]]]) -> list[RowOutcome]:
    """Check each row and write the good ones: checked concurrently, then written concurrently,
    several rows to a transaction. The outcome of each row is what writing the rows one after
    the other gives: a row whose REG-4 claim an earlier row of the chunk takes waits for that
    row's outcome, then is checked against it."""
    branches = Branches(get_org(job.org_id))
    today = today_in_china()

    facts: dict[str, identity_check.Facts] = {}  # registration id -> what its real-name check asks

    def check(row: tuple[int, tuple[Any, ...]]) -> tuple[int, str, str, WriteRegistration | DomainError]:
        number, values = row
        name, masked = upload.shown_name(values, columns), upload.shown_id(values, columns)
        try:
            message, asks = _message(job, branches, values, columns, number, today)
        except DomainError as error:
            return number, name, masked, error
        facts[message.registration_id] = asks
        return number, name, masked, message

    with ThreadPoolExecutor(WRITERS) as pool:
        each = _on_threads(pool)
        checked = each(check, rows)
        owners = _owners([m for *_, m in checked if isinstance(m, WriteRegistration)])
        outcomes: dict[int, RowOutcome] = {}
        reserved: dict[str, str] = {}  # claim pk -> the row of this chunk that takes it
        now_written: list[tuple[int, str, str, WriteRegistration]] = []
        later: list[tuple[int, str, str, WriteRegistration]] = []
        for number, name, masked, message in checked:
            if isinstance(message, DomainError):
                outcomes[number] = _error(number, name, masked, message)
                continue
            registration_id = message.registration_id
            # REG-4 before writing: a claim held by anyone but this row's own registration (an earlier
            # run of this chunk) is a duplicate; reporting it writes nothing.
            claims = _claim_keys(message)
            taken = next((e for pk, e in claims if owners.get(pk, registration_id) != registration_id), None)
            if taken is not None:
                outcomes[number] = _error(number, name, masked, taken)
            elif any(pk in reserved for pk, _ in claims):
                later.append((number, name, masked, message))  # decided once the earlier row is
            else:
                reserved.update((pk, registration_id) for pk, _ in claims)
                now_written.append((number, name, masked, message))
        # REG-5 for the chunk at once: its kept verdicts in one read, its turns in one request a
        # second; each row's verdict is kept by its own transaction.
        deadline = time.monotonic() + PACED_WAIT_SECONDS
        asked = [facts[message.registration_id] for *_, message in now_written]
        checks = identity_check.check_first_many(asked, each, deadline)
        ready = [(row, check) for row, check in zip(now_written, checks, strict=True) if check is not None]
        # Staging waits on nothing (the verdicts are in hand): one thread, no hand-offs.
        staged = [registration_worker.stage(row[3], check) for row, check in ready]
        written = [r for group in pool.map(_write_group, _groups(staged)) for r in group]
    if len(ready) < len(now_written):
        # The provider's rate stayed spent: the chunk comes back later (its rows written stay written).
        raise identity_check.Paced(retry_after_seconds=1 + int(limits.seconds_to_next_window()))
    for ((number, name, masked, message), _), registration in zip(ready, written, strict=True):
        outcomes[number] = _written(number, name, masked, registration)
        if outcomes[number].result == OK:
            owners.update((pk, message.registration_id) for pk, _ in _claim_keys(message))
    for number, name, masked, message in later:
        registration_id = message.registration_id
        taken = next((e for pk, e in _claim_keys(message) if owners.get(pk, registration_id) != registration_id), None)
        if taken is not None:
            outcomes[number] = _error(number, name, masked, taken)
            continue
        outcomes[number] = _written(number, name, masked, registration_worker.apply_submission(message))
        if outcomes[number].result == OK:
            owners.update((pk, registration_id) for pk, _ in _claim_keys(message))
    return [outcomes[number] for number, *_ in checked]
