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

from datetime import date, datetime
from typing import Any

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
from zhtj.registration import worker as registration_worker
from zhtj.registration.form import read_form
from zhtj.registration.messages import WriteRegistration
from zhtj.registration.models import Claim
from zhtj.registration.rules import RegistrationState, check_submission
from zhtj.registration.submit import person_fields
from zhtj.registration.worker import DUPLICATE_ID, DUPLICATE_NUMBER
from zhtj.table import keys, pii


class Branches:
    """IMPORT-1: which branch a row may name. A branch imports its own members; any other
    organisation imports for its direct child branches (by alias or ID), and its cadres
    (是否团干部 = 是) into any branch below it (by ID): committees enter their own cadres."""

    def __init__(self, importer: Org) -> None:
        self.importer = importer
        self._children: dict[str, Org | None] | None = None
        self._below: dict[str, Org | None] = {}

    def default(self) -> str | None:
        return self.importer.org_id if self.importer.org_type == OrgType.BRANCH else None

    def _direct(self) -> dict[str, Org | None]:
        if self._children is None:
            self._children = {}
            children = Org.by_gsi1.query(keys.children_pk(self.importer.org_id))
            for child in children:
                if not isinstance(child, Org):
                    continue
                self._children[child.org_id] = child
                # Two children with one alias: the alias names neither, the ID must be used.
                self._children[child.alias] = None if child.alias in self._children else child
        return self._children

    def _by_id(self, ref: str) -> Org | None:
        if ref not in self._below:
            try:
                self._below[ref] = get_org(ref)
            except NotFoundError:
                self._below[ref] = None
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
) -> WriteRegistration:
    """A row as the registration queue's message (as registration.submit builds it), checked
    field by field exactly as a registration. Raises DomainError naming the field."""
    parsed = upload.parse_row(values, columns)
    ref = parsed.branch_ref or branches.default()
    if ref is None:
        raise upload.required_error(sheet.BRANCH_FIELD)
    submission, _ = read_form({**parsed.fields, "branch_id": ref}, sheet.header_of)
    facts = check_submission(submission, today)
    branch = branches.resolve(ref, facts.is_cadre)
    registration_id = registration_id_for(job.import_id, number)
    submitted: datetime = job.started_at or job.created_at
    return WriteRegistration(
        registration_id=registration_id,
        branch_id=branch.org_id,
        previous_id=None,
        submitted_at=submitted.isoformat(),
        person=person_fields(facts, registration_id, pii.blind_index(facts.identity.id_number)),
    )


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


def import_rows(job: Import, columns: dict[str, int], rows: list[tuple[int, tuple[Any, ...]]]) -> list[RowOutcome]:
    """Check each row and write the good ones, each in its own transaction."""
    branches = Branches(get_org(job.org_id))
    today = today_in_china()
    checked: list[tuple[int, str, str, WriteRegistration | DomainError]] = []
    for number, values in rows:
        name, masked = upload.shown_name(values, columns), upload.shown_id(values, columns)
        try:
            checked.append((number, name, masked, _message(job, branches, values, columns, number, today)))
        except DomainError as error:
            checked.append((number, name, masked, error))
    owners = _owners([m for *_, m in checked if isinstance(m, WriteRegistration)])
    outcomes: list[RowOutcome] = []
    for number, name, masked, message in checked:
        if isinstance(message, DomainError):
            outcomes.append(_error(number, name, masked, message))
            continue
        registration_id = message.registration_id
        # REG-4 before writing: a claim held by anyone but this row's own registration (an earlier
        # run of this chunk) is a duplicate; reporting it writes nothing.
        taken = next((e for pk, e in _claim_keys(message) if owners.get(pk, registration_id) != registration_id), None)
        if taken is not None:
            outcomes.append(_error(number, name, masked, taken))
            continue
        written = registration_worker.apply_submission(message)
        if written.state == RegistrationState.REFUSED:
            field = "development_number" if written.refusal_message == DUPLICATE_NUMBER.message else None
            code, text = written.refusal_code or "REG-4", written.refusal_message or DUPLICATE_ID.message
            outcomes.append(RowOutcome(number, name, masked, ERROR, code, text, field or "id_number"))
            continue
        for pk, _ in _claim_keys(message):
            owners[pk] = registration_id  # a later row of the chunk with the same person is a duplicate
        outcomes.append(RowOutcome(number, name, masked, OK, registration_id=registration_id))
    return outcomes
