"""Routes of accounts, positions (职务), sign-in, and the member roll as an account may read it
(a branch's members, one member's record). Thin: parse, call logic, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.accounts.schemas import (
    AccountCreate,
    AccountOut,
    ActFor,
    AdminAccountCreate,
    DevTokenRequest,
    GrantCreate,
    GrantOut,
    MemberDetailOut,
    MemberOut,
    MeOut,
    TokenOut,
)
from chalicelib.http import PageQuery, api
from chalicelib.schemas import Page
from zhtj.accounts import service as accounts
from zhtj.members import service as member_records
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "账号"


@api(
    bp,
    "/dev/token",
    "POST",
    summary="本地开发令牌（仅本地环境）",
    body=DevTokenRequest,
    response=TokenOut,
    public=True,
    tag=TAG,
)
def dev_token(body: DevTokenRequest) -> BaseModel:
    return TokenOut(token=accounts.dev_token(body.account_id, body.org_id), acting_org_id=body.org_id)


@api(bp, "/me", "GET", summary="当前账号及其职务", response=MeOut, tag=TAG)
def me(principal: Principal) -> BaseModel:
    account, grants = accounts.me(principal)
    return MeOut(
        account=AccountOut.model_validate(account),
        acting_org_id=principal.acting_org_id,
        grants=[GrantOut.model_validate(g) for g in grants],
    )


@api(bp, "/me/acting-org", "POST", summary="切换所代表的组织", body=ActFor, response=TokenOut, tag=TAG)
def act_for(principal: Principal, body: ActFor) -> BaseModel:
    token = accounts.act_for(principal, body.org_id)
    return TokenOut(token=token or "", acting_org_id=body.org_id)


@api(
    bp,
    "/orgs/{org_id}/admin-accounts",
    "POST",
    summary="为下级组织创建管理员账号",
    body=AdminAccountCreate,
    response=AccountOut,
    status=201,
    tag=TAG,
)
def create_admin(org_id: str, principal: Principal, body: AdminAccountCreate) -> BaseModel:
    return AccountOut.model_validate(accounts.create_admin_account(principal, org_id, body.name))


@api(
    bp,
    "/orgs/{org_id}/accounts",
    "POST",
    summary="为本组织的团干部或工作人员建立账号（不建立团籍）",
    body=AccountCreate,
    response=AccountOut,
    status=201,
    tag=TAG,
)
def create_account(org_id: str, principal: Principal, body: AccountCreate) -> BaseModel:
    return AccountOut.model_validate(accounts.create_account(principal, org_id, body.name))


@api(bp, "/orgs/{org_id}/grants", "GET", summary="组织的团干部与管理员", response=list[GrantOut], tag=TAG)
def staff(org_id: str, principal: Principal) -> list[BaseModel]:
    return [GrantOut.model_validate(g) for g in accounts.list_staff(principal, org_id)]


@api(bp, "/orgs/{org_id}/grants", "POST", summary="任命职务", body=GrantCreate, response=GrantOut, status=201, tag=TAG)
def grant(org_id: str, principal: Principal, body: GrantCreate) -> BaseModel:
    return GrantOut.model_validate(accounts.grant_role(principal, org_id, body.account_id, body.role))


@api(bp, "/orgs/{org_id}/grants/revoke", "POST", summary="免去职务", body=GrantCreate, status=204, tag=TAG)
def revoke(org_id: str, principal: Principal, body: GrantCreate) -> None:
    accounts.revoke_role(principal, org_id, body.account_id, body.role)


@api(bp, "/orgs/{org_id}/members", "GET", summary="团支部的团员", query=PageQuery, response=Page[MemberOut], tag=TAG)
def members(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = member_records.list_members(principal, org_id, query.cursor, query.limit)
    return Page[MemberOut](items=[MemberOut.model_validate(m) for m in items], next_cursor=cursor)


@api(
    bp,
    "/members/{member_id}",
    "GET",
    summary="查看团员（本人、所在团支部及其上级组织）",
    response=MemberDetailOut,
    tag=TAG,
)
def member(member_id: str, principal: Principal) -> BaseModel:
    return MemberDetailOut.model_validate(member_records.read_member(principal, member_id))
