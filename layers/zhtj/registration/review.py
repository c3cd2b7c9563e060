"""The branch's review of a registration (REV-1..3): reading and listing, approving (the member
record made, and bound to the applicant's account, in the same transaction), returning to the member, and revealing the
ID number to the reviewer."""

from __future__ import annotations

from zhtj.accounts.models import Account, IdLogin
from zhtj.cards import due as card_due
from zhtj.core.clock import new_id, now
from zhtj.core.errors import ConflictError, RuleViolation, ValidationError
from zhtj.members.models import Member
from zhtj.members.service import new_member
from zhtj.messages import notify as messages
from zhtj.names import index as search_index
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus
from zhtj.registration import identity_check
from zhtj.registration.models import Claim, Registration
from zhtj.registration.records import get, snapshot
from zhtj.registration.reviewers import review
from zhtj.registration.rules import ClaimOwner, RegistrationState
from zhtj.registration.worker import DUPLICATE_ID
from zhtj.signin.tokens import Caller, Principal
from zhtj.table import keys, paging, pii
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.timers import service as timers

NOT_PENDING = ConflictError("REGISTRATION_NOT_PENDING", "该报到已被处理，请刷新后查看", None)
ACCOUNT_IS_MEMBER = RuleViolation("ACCT-2", "报到人的账号已是团员，不能再次通过", None)
ID_BOUND_ELSEWHERE = RuleViolation("ACCT-2", "该身份证号已绑定其他账号，一个身份证号只能绑定一个账号", None)


def read(principal: Principal, registration_id: str) -> Registration:
    registration = get(registration_id)
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


def approve(caller: Caller, registration_id: str) -> Registration:
    """REV-1/REV-3: the branch approves; the member record is created and bound to the applicant's
    account in the same transaction, the ID claim passes to the member. Two approvers at once:
    one wins.

    DynamoDB requests: one BatchGetItem (the caller's session, the registration, the acting
    organisation, the operator's grants; a second of the branch when an organisation above
    reviews) and the one transaction. The branch as read is checked again inside the transaction (ACTIVE, the search
    tokens' path and name), the claims by their owner, the registration by its state."""
    reviewed = review(caller, registration_id)
    registration, operator, branch = reviewed.registration, reviewed.operator, reviewed.branch
    if registration.state != RegistrationState.PENDING:
        raise NOT_PENDING
    if registration.real_name_state not in identity_check.PASSED_STATES:
        raise RuleViolation("REG-5", "实名核验尚未通过，不能审核通过", None)
    member_id = new_id("m")
    member = member_of(registration, member_id, branch.org_id, registration.account_id)
    uow = UnitOfWork(operator.actor)
    uow.update(
        registration,
        [
            Registration.state.set(RegistrationState.APPROVED),
            Registration.gsi1sk.set(
                f"{RegistrationState.APPROVED}#{registration.submitted_at.isoformat()}#{registration_id}"
            ),
            Registration.reviewed_at.set(now()),
            Registration.reviewed_by.set(operator.account_id),
            Registration.member_id.set(member_id),
            *timers.clear_overdue_actions(),
        ],
        condition=Registration.state == RegistrationState.PENDING,
        on_fail=NOT_PENDING,
    )
    search_index.index(uow, member, branch)  # STAT-3
    uow.put(member, condition=Member.pk.does_not_exist())
    if registration.account_id:
        _bind_member(uow, registration, member_id)
    for pk in _claim_keys(registration):
        uow.update(
            Claim(pk, keys.META),
            [Claim.owner_kind.set(ClaimOwner.MEMBER), Claim.owner_id.set(member_id)],
            condition=(Claim.owner_kind == ClaimOwner.REGISTRATION) & (Claim.owner_id == registration_id),
            on_fail=DUPLICATE_ID,
        )
    uow.update(
        branch,
        [Org.member_count.add(1)],
        condition=(Org.status == OrgStatus.ACTIVE) & search_index.branch_guard(branch),
        versioned=False,
    )
    timers.cancel_review(uow, registration_id)
    uow.audit(
        "registration.approve",
        "REGISTRATION",
        registration_id,
        branch.org_id,
        before={"state": RegistrationState.PENDING},
        after={"state": RegistrationState.APPROVED, "member_id": member_id},
    )
    uow.audit("member.create", "MEMBER", member_id, branch.org_id, after=snapshot(registration))
    # CARD-1: the card is generated once the registration is approved, at once (a new member's)
    card_due.changed(uow, member_id, was_rendered=False)
    messages.notify(
        uow,
        messages.Kind.REGISTRATION_APPROVED,
        f"registration:{registration_id}:approved",
        member_id=member_id,
        params={"branch": branch.short_name},
    )  # MSG-1
    uow.commit()
    registration.state, registration.member_id = RegistrationState.APPROVED, member_id
    return registration


def _bind_member(uow: UnitOfWork, registration: Registration, member_id: str) -> None:
    """ACCT-2: the applicant's account becomes the member's, named as registered, and the ID
    number binds to it (sign-in by ID number; one ID number, one account)."""
    account_id = registration.account_id or ""
    uow.update(
        Account(keys.account_pk(account_id), keys.META),
        [Account.member_id.set(member_id), Account.name.set(registration.name)],
        condition=Account.pk.exists() & Account.member_id.does_not_exist(),
        on_fail=ACCOUNT_IS_MEMBER,
        versioned=False,
    )
    uow.put(
        IdLogin(keys.id_login_pk(registration.id_index or ""), keys.META, account_id=account_id),
        condition=IdLogin.pk.does_not_exist() | (IdLogin.account_id == account_id),
        on_fail=ID_BOUND_ELSEWHERE,
    )


def member_of(registration: Registration, member_id: str, branch_id: str, account_id: str | None) -> Member:
    """REV-3: the member record an approval makes of a registration: the person's fields as
    registered, the ID number sealed again for the member (a seal names its one owner)."""
    fields = {name: getattr(registration, name) for name in _PERSON_FIELDS if getattr(registration, name) is not None}
    if registration.id_sealed:
        sealed_for = {"purpose": "id_number", "registration": registration.registration_id}
        plain = pii.unseal(registration.id_sealed, sealed_for)
        fields["id_sealed"] = pii.seal(plain, {"purpose": "id_number", "member": member_id})
    member = new_member(member_id, registration.name, branch_id, account_id)
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


def return_to_member(caller: Caller, registration_id: str, reason: str) -> Registration:
    """REG-6/REV-1: the branch returns a registration with a reason; the member corrects it
    and submits again (the ID claim is kept for them meanwhile)."""
    reviewed = review(caller, registration_id)
    registration, operator = reviewed.registration, reviewed.operator
    if not reason.strip():
        raise ValidationError("REASON_REQUIRED", "退回须说明理由", "reason")
    uow = UnitOfWork(operator.actor)
    uow.update(
        registration,
        [
            Registration.state.set(RegistrationState.RETURNED),
            Registration.gsi1sk.set(
                f"{RegistrationState.RETURNED}#{registration.submitted_at.isoformat()}#{registration_id}"
            ),
            Registration.return_reason.set(reason),
            Registration.reviewed_at.set(now()),
            Registration.reviewed_by.set(operator.account_id),
            *timers.clear_overdue_actions(),
        ],
        condition=Registration.state == RegistrationState.PENDING,
        on_fail=NOT_PENDING,
    )
    timers.cancel_review(uow, registration_id)
    uow.audit(
        "registration.return",
        "REGISTRATION",
        registration_id,
        registration.branch_id,
        before={"state": RegistrationState.PENDING},
        after={"state": RegistrationState.RETURNED, "reason": reason},
    )
    messages.notify(
        uow,
        messages.Kind.REGISTRATION_RETURNED,
        f"registration:{registration_id}:returned",
        account_id=registration.account_id,
        params={"reason": reason},
    )  # MSG-1
    uow.commit()
    registration.state, registration.return_reason = RegistrationState.RETURNED, reason
    return registration


def reveal_id_number(caller: Caller, registration_id: str) -> str:
    """REV-1: the reviewing branch checks the ID number against the member's paper file, so it
    alone (and those it was escalated to) may see it in full. Every look is audited."""
    reviewed = review(caller, registration_id)
    registration, operator = reviewed.registration, reviewed.operator
    plain = pii.unseal(registration.id_sealed or "", {"purpose": "id_number", "registration": registration_id})
    uow = UnitOfWork(operator.actor)
    uow.audit("registration.reveal_id_number", "REGISTRATION", registration_id, registration.branch_id)
    uow.commit()
    return plain
