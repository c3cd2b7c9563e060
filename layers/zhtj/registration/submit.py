"""Submitting a registration (报到, REG-1..3, REG-7, REG-8): the synchronous checks, and the
queue message the registration worker writes (registration/worker.py).

A member's registration is checked at once (field by field) and accepted with its id; the
write happens in the worker, fed by a queue, so that an enrolment peak is absorbed by the
queue and not by the table.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from msgspec.structs import replace

from zhtj.core import clock
from zhtj.core.clock import new_id, now, time_part
from zhtj.core.errors import RuleViolation, ValidationError
from zhtj.core.identity import mask_id_number
from zhtj.core.phones import check_phone
from zhtj.orgs.authz import org_key, org_of
from zhtj.orgs.rules import OrgStatus, OrgType, check_members_allowed
from zhtj.registration import waves
from zhtj.registration.messages import REGISTRATION, Person, WriteRegistration
from zhtj.registration.records import check_id
from zhtj.registration.rules import RegistrationFacts, Submission, check_submission
from zhtj.signin import tokens
from zhtj.signin.tokens import Caller, Principal
from zhtj.table import pii
from zhtj.table.base import get_items


def today_in_china() -> date:
    return clock.today_in_china()


def submit(
    caller: Caller,
    submission: Submission,
    branch_id: str,
    previous_id: str | None,
    idempotency_key: str | None,
    admitted_on: date | None = None,
) -> str:
    """Check a registration (REG-1..3, the branch (ORG-4/7), the sector's wave (REG-8)) and
    queue it for the signed-in account (ACCT-2: bound to it; the real-name check covers the
    account's phone). `previous_id` is the account's registration this one corrects (REG-6).
    `admitted_on` is the branch meeting that admitted a new member (REG-7: register within 5
    working days). Returns the registration id; raises ValidationError/RuleViolation/NotFoundError,
    AuthenticationError. DynamoDB requests: one BatchGetItem of the caller's session (from a
    route: tokens.Claimed) and the branch (and the sector's waves, cached 15 s)."""
    found = get_items([*tokens.session_keys(caller), org_key(branch_id)])
    principal = tokens.opened(caller, found)
    account_id, phone = applicant(principal, submission.phone)
    facts = check_submission(replace(submission, phone=phone), today_in_china())
    if admitted_on is not None and admitted_on > today_in_china():
        raise ValidationError("ADMITTED_ON_FUTURE", "接收入团的支部大会日期不能晚于今天", "admitted_on")
    branch = org_of(found, branch_id)
    check_members_allowed(OrgType(branch.org_type))
    if branch.system or branch.status != OrgStatus.ACTIVE:
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
    REGISTRATION.send(
        WriteRegistration(
            registration_id=registration_id,
            account_id=account_id,
            branch_id=branch.org_id,
            previous_id=check_id(previous_id) if previous_id else None,
            submitted_at=now().isoformat(),
            admitted_on=admitted_on.isoformat() if admitted_on else None,
            person=person_fields(facts, registration_id, index),
        )
    )
    return registration_id


def applicant(principal: Principal, typed_phone: str | None) -> tuple[str, str | None]:
    """ACCT-2: who registers — a signed-in account acting for itself, not yet a member (whether
    it already has a live registration is a condition of the worker's transaction). Returns the
    account and its phone, the one the real-name check covers; a phone typed into the form must
    be that one. Raises RuleViolation/ValidationError."""
    if principal.acting_org_id is not None:
        raise RuleViolation("ACCT-2", "请切换为个人身份后再报到", None)
    if principal.member_id is not None:
        raise RuleViolation("ACCT-2", "您已是团员，不能再次报到", None)
    try:
        typed = check_phone(typed_phone)
    except ValidationError:
        return principal.account_id, typed_phone  # refused with the form's other fields
    if typed is not None and principal.phone is not None and typed != principal.phone:
        raise ValidationError("PHONE_NOT_ACCOUNT", "手机号须为本账号注册时验证的手机号", "phone")
    return principal.account_id, principal.phone or typed


def person_fields(facts: RegistrationFacts, registration_id: str, index: str) -> Person:
    """The stored form of a person: the ID number only sealed, indexed and masked."""
    identity = facts.identity
    return Person(
        name=facts.name,
        id_sealed=pii.seal(identity.id_number, {"purpose": "id_number", "registration": registration_id}),
        id_index=index,
        id_masked=mask_id_number(identity.id_number),
        birth_date=identity.birth_date.isoformat(),
        sex=identity.sex,
        ethnicity=facts.ethnicity,
        political_status=facts.political_status,
        join_month=facts.join_month,
        development_number=facts.development_number,
        identity_proof=facts.identity_proof.value if facts.identity_proof else None,
        is_cadre=facts.is_cadre,
        education=facts.education,
        occupation=facts.occupation,
        income_band=facts.income_band.value if facts.income_band else None,
        phone=facts.phone,
    )
