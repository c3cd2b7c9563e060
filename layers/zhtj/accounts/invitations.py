"""Cadres invited by SMS (ACCT-5): an organisation enters a cadre (name, phone, position) and
the system texts them a link; accepting it binds the position to the person's account — the
one their phone already signs in to, or one created then with the password they choose. The
invitation is the cadre's confirmation of the position; it works once and for seven days.

The link's token is the invitee's secret: it goes only into the SMS, and only its hash is
stored; the inviting organisation sees the invitation, never the token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from zhtj.accounts import login
from zhtj.accounts.login import SignedIn
from zhtj.accounts.models import Account, Invitation
from zhtj.accounts.service import new_grant
from zhtj.core.clock import now
from zhtj.core.errors import AuthenticationError, ConflictError, NotFoundError, RuleViolation, ValidationError
from zhtj.core.phones import masked, mobile
from zhtj.core.settings import public_api_url
from zhtj.integrations.sms import registry as sms
from zhtj.integrations.sms.base import Template
from zhtj.orgs.authz import ADMIN_ROLE, ROLES, authorize, get_org
from zhtj.orgs.models import Grant
from zhtj.orgs.rules import OrgStatus
from zhtj.signin import passwords, sessions
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork

INVITATION_LIFETIME = timedelta(days=7)
INVITABLE = tuple(role for role in ROLES if role != ADMIN_ROLE)

NOT_FOUND = NotFoundError("INVITATION_NOT_FOUND", "邀请不存在或已过期，请联系邀请您的组织重新邀请", "token")
ALREADY = ConflictError("INVITATION_USED", "该邀请已被接受，不能重复使用", "token")
HOLDS_POSITION = ConflictError("GRANT_EXISTS", "您已担任此职务", "token")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_link(token: str) -> str:
    """Where the SMS sends the cadre: the members' app on the API's origin."""
    return f"{public_api_url()}/m/invite/{token}"


def invite(principal: Principal, org_id: str, name: str, phone: str, position: str) -> Invitation:
    """POST /orgs/{id}/cadre-invitations: enter a cadre and text them the invitation."""
    org = get_org(org_id)
    operator = authorize(principal, "cadre.invite", org)
    if org.system or org.status != OrgStatus.ACTIVE:
        raise RuleViolation("ORG-7", "不能为系统组织或已撤销的组织邀请团干部", "org_id")
    if position not in INVITABLE:
        raise ValidationError("ROLE_UNKNOWN", f"职务只能是：{'、'.join(INVITABLE)}", "position")
    if not name.strip():
        raise ValidationError("NAME_REQUIRED", "请填写团干部姓名", "name")
    number = mobile(phone)
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        keys.invitation_pk(_hash(token)),
        keys.META,
        org_id=org_id,
        name=name.strip(),
        phone=number,
        position=position,
        invited_by=operator.account_id,
        invited_at=now(),
        expires_at=now() + INVITATION_LIFETIME,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(invitation, condition=Invitation.pk.does_not_exist())
    uow.audit(
        "cadre.invite",
        "ORG",
        org_id,
        org_id,
        after={"name": invitation.name, "phone": masked(number), "position": position},
    )
    uow.commit()
    sms.sender().send(
        number, Template.CADRE_INVITATION, {"org": org.short_name, "position": position, "link": invite_link(token)}
    )
    return invitation


def _live(token: str) -> Invitation:
    try:
        invitation = Invitation.get(keys.invitation_pk(_hash(token)), keys.META, consistent_read=True)
    except Invitation.DoesNotExist as error:
        raise NOT_FOUND from error
    if invitation.accepted_at is not None:
        raise ALREADY
    if invitation.expires_at is not None and invitation.expires_at <= now():
        raise NOT_FOUND
    return invitation


def accept(
    token: str, principal: Principal | None, password: str | None
) -> tuple[Invitation, Account, SignedIn | None]:
    """POST /auth/invitations/{token}/accept. Someone whose phone already has an account signs
    in first and accepts from that session; someone new sets a password and their account is
    created (the SMS link proved the phone), signed in at once. Returns the invitation, the
    account, and the new session when one was opened."""
    invitation = _live(token)
    existing = login.account_by_phone(invitation.phone)
    if existing is not None and (principal is None or principal.account_id != existing.account_id):
        raise AuthenticationError(
            "SIGN_IN_FIRST", f"请先用手机号 {masked(invitation.phone)} 登录，再接受邀请", "Authorization"
        )
    uow = UnitOfWork(login.actor_of(existing.account_id if existing else "anonymous"))
    if existing is None:
        if not password:
            raise ValidationError("PASSWORD_REQUIRED", "请设置登录密码", "password")
        passwords.check_new(password)
        account = login.new_account(uow, invitation.name, invitation.phone, password)
        uow.actor = login.actor_of(account.account_id)
    else:
        account = existing
    uow.update(
        invitation,
        [Invitation.accepted_by.set(account.account_id), Invitation.accepted_at.set(now())],
        condition=Invitation.accepted_at.does_not_exist(),
        on_fail=ALREADY,
        versioned=False,
    )
    uow.put(
        new_grant(account.account_id, invitation.org_id, invitation.position),
        condition=Grant.pk.does_not_exist(),
        on_fail=HOLDS_POSITION,
    )
    opened = sessions.open_session(uow, login.subject_of(account), None) if existing is None else None
    uow.audit(
        "cadre.accept",
        "ORG",
        invitation.org_id,
        invitation.org_id,
        after={"account_id": account.account_id, "position": invitation.position, "new_account": existing is None},
    )
    uow.commit()
    return invitation, account, SignedIn(account, opened) if opened else None
