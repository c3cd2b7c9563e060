"""ACCT-4: one-time codes a branch hands its member (valid two days, as in the national system;
the issuing audited under the member).

- A member whose account lost its phone gets a reset code, then resets the password with the
  ID number and the code (zhtj.accounts.credentials.reset_with_code).
- A member without an account yet (an imported one: imports make members, not accounts) gets
  a binding code: they sign up with their phone, then present the ID number and the code from
  that session, and the account becomes the member's (`bind_account`), as an approved
  registration would have made it (ACCT-2: one ID number, one account)."""

from __future__ import annotations

from zhtj.accounts import credentials
from zhtj.accounts.models import Account, IdLogin, ResetCode
from zhtj.core.errors import RuleViolation
from zhtj.members.models import Member
from zhtj.members.service import get_member
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork

NOT_AN_APPLICANT = RuleViolation("ACCT-2", "请用尚未成为团员、也没有报到的个人账号绑定团籍", None)
TAKEN = RuleViolation("ACCT-2", "该团员已绑定其他账号", "id_number")


def issue(principal: Principal, member_id: str) -> str:
    """The member's reset code (or, without an account, binding code), shown once to the
    branch's operator who hands it to the member."""
    member = get_member(member_id)
    operator = authorize(principal, "member.reset_code", get_org(member.branch_id))
    subject = ("MEMBER", member_id)
    if member.account_id:
        pk = keys.account_pk(member.account_id)
        return credentials.issue_code(operator.actor, pk, member.branch_id, subject)
    pk = keys.id_login_pk(member.id_index or "")
    return credentials.issue_code(operator.actor, pk, member.branch_id, subject, member_id=member_id)


def bind_account(principal: Principal, id_number: str, code: str) -> Member:
    """POST /me/member-binding: the signed-in account (not a member, no registration) becomes the
    member's whose ID number and binding code it presents. Raises RuleViolation/ValidationError."""
    if principal.acting_org_id is not None or principal.member_id is not None:
        raise NOT_AN_APPLICANT
    stored, presented = credentials.binding_code(id_number, code)
    member = get_member(stored.member_id or "")
    account_id = principal.account_id
    uow = UnitOfWork(Actor(account_id=account_id, org_id=None))
    uow.delete(stored, condition=ResetCode.code_hash == presented, on_fail=credentials.RESET_CODE_WRONG)
    uow.update(
        Account(keys.account_pk(account_id), keys.META),
        [Account.member_id.set(member.member_id), Account.name.set(member.name)],
        condition=Account.pk.exists() & Account.member_id.does_not_exist() & Account.registration_id.does_not_exist(),
        on_fail=NOT_AN_APPLICANT,
        versioned=False,
    )
    uow.update(
        member,
        [Member.account_id.set(account_id)],
        condition=Member.account_id.does_not_exist(),
        on_fail=TAKEN,
    )
    uow.put(
        IdLogin(stored.pk, keys.META, account_id=account_id),
        condition=IdLogin.pk.does_not_exist(),
        on_fail=TAKEN,
    )
    uow.audit("member.account_bound", "MEMBER", member.member_id, member.branch_id, after={"account_id": account_id})
    uow.commit()
    member.account_id = account_id
    return member
