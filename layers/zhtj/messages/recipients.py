"""Who a notification's recipient is, as accounts: a member's account, an organisation's
operators (OPERATOR_ROLES grants, by the STAFF#<org> index), the account of a phone; an
account's phone (its WeChat openid: zhtj.accounts.wechat)."""

from __future__ import annotations

from zhtj.accounts.models import Account, PhoneLogin
from zhtj.members.models import Member
from zhtj.orgs.authz import OPERATOR_ROLES
from zhtj.orgs.models import Grant
from zhtj.table import keys


def accounts_of(recipient: str) -> list[str]:
    """The account ids `recipient` (`account:`, `member:`, `org:`, `phone:`) names now; empty
    when nobody (a member without an account, an organisation without operators)."""
    what, _, value = recipient.partition(":")
    if what == "account":
        return [value]
    if what == "member":
        try:
            member = Member.get(keys.member_pk(value), keys.META)
        except Member.DoesNotExist:
            return []
        return [member.account_id] if member.account_id else []
    if what == "org":
        found = Grant.by_gsi1.query(keys.staff_pk(value))
        return sorted({g.account_id for g in found if isinstance(g, Grant) and g.role in OPERATOR_ROLES})
    if what == "phone":
        try:
            return [PhoneLogin.get(keys.phone_login_pk(value), keys.META).account_id]
        except PhoneLogin.DoesNotExist:
            return []
    raise ValueError(f"unknown recipient {recipient!r}")


def phone_of(account_id: str) -> str | None:
    try:
        return Account.get(keys.account_pk(account_id), keys.META).phone
    except Account.DoesNotExist:
        return None
