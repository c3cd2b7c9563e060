"""ACCT-4: a member who lost the bound phone gets a one-time reset code from their branch
(valid two days, as in the national system); the member then resets the password with the ID
number and the code (zhtj.accounts.credentials). The issuing is audited under the member."""

from __future__ import annotations

from zhtj.accounts import credentials
from zhtj.core.errors import RuleViolation
from zhtj.members.service import get_member
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal

NO_ACCOUNT = RuleViolation("ACCT-4", "该团员还没有登录账号：请其先用手机号注册", "member_id")


def issue(principal: Principal, member_id: str) -> str:
    """The reset code, shown once to the branch's operator who hands it to the member."""
    member = get_member(member_id)
    operator = authorize(principal, "member.reset_code", get_org(member.branch_id))
    if not member.account_id:
        raise NO_ACCOUNT
    return credentials.issue_reset_code(operator.actor, member.account_id, member.branch_id, ("MEMBER", member_id))
