"""Accounts, positions and acting-for (SPEC "Users and roles", ACCT-5, ACCT-6).

An upper organisation hands each child its administrator account (管理员); cadres hold
positions (职务) in one or more organisations (invited by SMS: accounts/invitations.py) and are
members of exactly one branch, a membership that only their own approved registration or an
import makes; a session acting for an organisation carries it in its access token and may switch.
"""

from __future__ import annotations

import secrets

from zhtj.accounts import login
from zhtj.accounts.models import Account
from zhtj.accounts.reads import get_account, grants_of
from zhtj.core.clock import now
from zhtj.core.errors import ForbiddenError, NotFoundError, ValidationError
from zhtj.core.phones import mobile
from zhtj.orgs.authz import ADMIN_ROLE, OPERATOR_ROLES, POSITIONS, authorize, get_org
from zhtj.orgs.models import Grant
from zhtj.signin import sessions, tokens
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork

NO_GRANT = ForbiddenError("NO_GRANT_IN_ORG", "该账号在所选组织没有管理职务", "org_id")


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


def _initial_password() -> str:
    """An initial password the parent hands over (ACCT-6): 12 letters and digits, both kinds."""
    while True:
        candidate = "".join(secrets.choice(_INITIAL_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


_INITIAL_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def create_admin_account(principal: Principal, org_id: str, name: str, phone: str) -> tuple[Account, str | None]:
    """ACCT-6: an upper organisation creates its child's administrator account (管理员) and hands
    it over. Returns the account and its initial password, shown once and to be changed at
    first sign-in; a person who already has an account (the phone's) keeps it and gains the
    administrator's right there (one account for every role), with no new password."""
    org = get_org(org_id)
    operator = authorize(principal, "org.create_admin", org)
    number = mobile(phone)
    existing = login.account_by_phone(number)
    uow = UnitOfWork(operator.actor)
    initial: str | None = None
    if existing is None:
        initial = _initial_password()
        account = login.new_account(uow, name, number, initial, must_change=True)
    else:
        account = existing
    uow.put(
        new_grant(account.account_id, org_id, ADMIN_ROLE),
        condition=Grant.pk.does_not_exist(),
        on_fail=ValidationError("GRANT_EXISTS", "该账号已是本组织的管理员", "phone"),
    )
    uow.audit(
        "account.create_admin",
        "ORG",
        org_id,
        org_id,
        after={"account_id": account.account_id, "role": ADMIN_ROLE, "new_account": existing is None},
    )
    uow.commit()
    return account, initial


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


def me(principal: Principal) -> tuple[Account, list[Grant]]:
    return get_account(principal.account_id), grants_of(principal.account_id)


def _check_can_act(account_id: str, org_id: str | None) -> None:
    get_account(account_id)
    if org_id is None:
        return
    roles = {g.role for g in grants_of(account_id) if g.org_id == org_id}
    if not roles & OPERATOR_ROLES:
        raise NO_GRANT


def act_for(principal: Principal, org_id: str | None) -> str:
    """ACCT-5: switch the organisation this session acts for (None: as a plain member). Returns
    the session's new access token; a refresh keeps the choice. Audited."""
    account = get_account(principal.account_id)
    _check_can_act(principal.account_id, org_id)
    if principal.session_id is None:
        raise tokens.MISSING
    uow = UnitOfWork(Actor(account_id=principal.account_id, org_id=org_id))
    sessions.set_acting_org(uow, principal.account_id, principal.session_id, org_id)
    uow.audit(
        "account.act_for",
        "ACCOUNT",
        principal.account_id,
        org_id or "",
        before={"acting_org_id": principal.acting_org_id},
        after={"acting_org_id": org_id},
    )
    uow.commit()
    return tokens.issue(login.subject_of(account), principal.session_id, org_id)


def reissue(principal: Principal, account: Account) -> str:
    """A fresh access token of the caller's session, saying what the account is now (after a
    password change, the change flag gone)."""
    if principal.session_id is None:
        raise tokens.MISSING
    return tokens.issue(login.subject_of(account), principal.session_id, principal.acting_org_id)
