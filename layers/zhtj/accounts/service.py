"""Accounts, positions and acting-for (SPEC "Users and roles").

An upper organisation hands each child its administrator account (管理员); cadres hold
positions (职务) in one or more organisations and are members of exactly one branch, a
membership that only their own approved registration or an import makes; an account acting
for an organisation carries it in its token and may switch.
"""

from __future__ import annotations

from zhtj.accounts.models import Account
from zhtj.core.clock import new_id, now
from zhtj.core.errors import ForbiddenError, NotFoundError, RuleViolation, ValidationError
from zhtj.core.settings import get_settings
from zhtj.orgs.authz import ADMIN_ROLE, OPERATOR_ROLES, POSITIONS, authorize, get_org
from zhtj.orgs.models import Grant
from zhtj.orgs.rules import OrgStatus
from zhtj.signin import tokens
from zhtj.signin.tokens import Principal
from zhtj.table import identity_pool, keys
from zhtj.table.unit_of_work import UnitOfWork

NO_GRANT = ForbiddenError("NO_GRANT_IN_ORG", "该账号在所选组织没有管理职务", "org_id")


def get_account(account_id: str) -> Account:
    try:
        return Account.get(keys.account_pk(account_id), keys.META, consistent_read=True)
    except Account.DoesNotExist as error:
        raise NotFoundError("ACCOUNT_NOT_FOUND", "账号不存在", "account_id") from error


def grants_of(account_id: str) -> list[Grant]:
    return [
        g
        for g in Grant.query(keys.account_pk(account_id), Grant.sk.startswith("GRANT#"), consistent_read=True)
        if isinstance(g, Grant)
    ]


def new_grant(account_id: str, org_id: str, role: str) -> Grant:
    return Grant(
        keys.account_pk(account_id),
        keys.grant_sk(org_id, role),
        gsi1pk=keys.staff_pk(org_id),
        gsi1sk=f"{role}#{account_id}",
        account_id=account_id,
        org_id=org_id,
        role=role,
        granted_at=now(),
    )


def create_admin_account(principal: Principal, org_id: str, name: str) -> Account:
    """An upper organisation creates its child's administrator account (管理员)."""
    org = get_org(org_id)
    operator = authorize(principal, "org.create_admin", org)
    account = Account(keys.account_pk(""), keys.META, account_id=new_id("u"), name=name, created_at=now())
    account.pk = keys.account_pk(account.account_id)
    uow = UnitOfWork(operator.actor)
    uow.put(account, condition=Account.pk.does_not_exist())
    uow.put(new_grant(account.account_id, org_id, ADMIN_ROLE))
    uow.audit(
        "account.create_admin", "ORG", org_id, org_id, after={"account_id": account.account_id, "role": ADMIN_ROLE}
    )
    uow.commit()
    return account


def create_account(principal: Principal, org_id: str, name: str) -> Account:
    """An organisation enters an account for one of its cadres or staff (ACCT-5): the account
    only. Membership (团籍) is never made here: a member record comes from an approved
    registration or an imported row, each with a verified ID number (REG-1..5, IMPORT-2), so
    that REG-4 covers every member and the statistics count only real members (STAT-1)."""
    org = get_org(org_id)
    operator = authorize(principal, "account.create", org)
    if org.system or org.status != OrgStatus.ACTIVE:
        raise RuleViolation("ORG-7", "不能为系统组织或已撤销的组织建立账号", "org_id")
    account_id = new_id("u")
    account = Account(keys.account_pk(account_id), keys.META, account_id=account_id, name=name, created_at=now())
    uow = UnitOfWork(operator.actor)
    uow.put(account, condition=Account.pk.does_not_exist())
    uow.audit("account.create", "ORG", org_id, org_id, after={"account_id": account_id, "name": name})
    uow.commit()
    return account


def grant_role(principal: Principal, org_id: str, account_id: str, role: str) -> Grant:
    """Give an account a position (or the administrator right) in an organisation. The
    position does not make membership: a cadre is a member of a branch through their own
    registration or an import (SPEC "Users and roles")."""
    if role not in (ADMIN_ROLE, *POSITIONS):
        raise ValidationError("ROLE_UNKNOWN", f"职务只能是：{'、'.join((ADMIN_ROLE, *POSITIONS))}", "role")
    org = get_org(org_id)
    operator = authorize(principal, "org.create_admin" if role == ADMIN_ROLE else "org.grant_position", org)
    get_account(account_id)
    grant = new_grant(account_id, org_id, role)
    uow = UnitOfWork(operator.actor)
    uow.put(
        grant,
        condition=Grant.pk.does_not_exist(),
        on_fail=ValidationError("GRANT_EXISTS", "该账号已担任此职务", "role"),
    )
    uow.audit("grant.create", "ORG", org_id, org_id, after={"account_id": account_id, "role": role})
    uow.commit()
    return grant


def revoke_role(principal: Principal, org_id: str, account_id: str, role: str) -> None:
    org = get_org(org_id)
    operator = authorize(principal, "org.create_admin" if role == ADMIN_ROLE else "org.grant_position", org)
    grant = new_grant(account_id, org_id, role)
    uow = UnitOfWork(operator.actor)
    uow.delete(
        grant, condition=Grant.pk.exists(), on_fail=NotFoundError("GRANT_NOT_FOUND", "该账号未担任此职务", "role")
    )
    uow.audit("grant.revoke", "ORG", org_id, org_id, before={"account_id": account_id, "role": role})
    uow.commit()


def list_staff(principal: Principal, org_id: str) -> list[Grant]:
    org = get_org(org_id)
    authorize(principal, "org.read", org)
    return [g for g in Grant.by_gsi1.query(keys.staff_pk(org_id)) if isinstance(g, Grant)]


def is_self(principal: Principal, member_id: str) -> bool:
    """The caller is the member themself: a token with no acting organisation whose account is
    the member's."""
    return principal.acting_org_id is None and get_account(principal.account_id).member_id == member_id


def me(principal: Principal) -> tuple[Account, list[Grant]]:
    return get_account(principal.account_id), grants_of(principal.account_id)


def _check_can_act(account_id: str, org_id: str | None) -> None:
    get_account(account_id)
    if org_id is None:
        return
    roles = {g.role for g in grants_of(account_id) if g.org_id == org_id}
    if not roles & OPERATOR_ROLES:
        raise NO_GRANT


def dev_token(account_id: str, org_id: str | None) -> str:
    """Local stack only: a token for an account, acting for one of its organisations (or as
    a member when none is named). Raises AuthenticationError where the dev issuer is off
    (the cloud), NotFoundError/ForbiddenError for an unknown account or a missing grant."""
    if not get_settings().dev_signing_key:
        raise tokens.DEV_ISSUER_DISABLED
    _check_can_act(account_id, org_id)
    return tokens.issue_dev_token(account_id, org_id)


def act_for(principal: Principal, org_id: str | None) -> str | None:
    """Switch the organisation an account acts for. Returns a fresh token from the dev
    issuer; in the cloud the choice is stored in the user directory and None is returned
    (the client refreshes its Cognito token to get the new claim)."""
    _check_can_act(principal.account_id, org_id)
    if get_settings().dev_signing_key:
        return tokens.issue_dev_token(principal.account_id, org_id)
    identity_pool.set_acting_org(principal.account_id, org_id)
    return None
