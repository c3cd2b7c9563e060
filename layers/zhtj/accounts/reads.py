"""Reading accounts (ACCT): an account by id, its positions (grants), names for lists, and whether a
caller is the member themself. Apart from service.py, which writes accounts and issues tokens
(and so imports signing in, passwords and SMS), so that the capabilities and workers that only
read an account do not load those (docs/architecture.md, "Cold starts")."""

from __future__ import annotations

from zhtj.accounts.models import Account
from zhtj.core.errors import NotFoundError
from zhtj.orgs.models import Grant
from zhtj.signin.tokens import Principal
from zhtj.table import keys


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


def account_names(account_ids: list[str]) -> dict[str, str]:
    """Each account's name by id, in one BatchGetItem (the console lists staff by name)."""
    wanted = sorted({(keys.account_pk(a), keys.META) for a in account_ids})
    return {a.account_id: a.name for a in Account.batch_get(wanted)} if wanted else {}


def is_self(principal: Principal, member_id: str) -> bool:
    """The caller is the member themself: a token with no acting organisation whose account is
    the member's (the token names it once approved; a token from before the approval reads it)."""
    if principal.acting_org_id is not None:
        return False
    if principal.member_id is not None:
        return principal.member_id == member_id
    return get_account(principal.account_id).member_id == member_id
