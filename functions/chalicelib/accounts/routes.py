"""Routes of accounts, positions (职务), sign-in, and the member roll as an account may read it
(a branch's members, one member's record). Thin: parse, call logic, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.accounts.schemas import (
    AccessOut,
    AccountOut,
    ActFor,
    AdminAccountCreate,
    AdminAccountOut,
    GrantCreate,
    GrantOut,
    InvitationCreate,
    InvitationOut,
    MemberBinding,
    MemberDetailOut,
    MemberOut,
    MeOut,
    PasswordChange,
    ResetCodeOut,
)
from chalicelib.http import PageQuery, api
from chalicelib.schemas import Page
from zhtj.accounts import credentials, invitations, reads
from zhtj.accounts import service as accounts
from zhtj.core.phones import masked
from zhtj.members import id_number, reset_codes, roster
from zhtj.members import service as member_records
from zhtj.members.rules import MemberState
from zhtj.messages import notify as messages
from zhtj.orgs.rules import Sector
from zhtj.signin.tokens import ACCESS_LIFETIME, Principal

bp = Blueprint(__name__)
TAG = "账号"
ACCESS_SECONDS = int(ACCESS_LIFETIME.total_seconds())
RESET_CODE_DAYS = credentials.RESET_CODE_LIFETIME.days


@api(bp, "/me", "GET", summary="当前账号及其职务", response=MeOut, before_password_change=True, tag=TAG)
def me(principal: Principal) -> BaseModel:
    account, grants = accounts.me(principal)
    return MeOut(
        account=AccountOut.model_validate(account),
        acting_org_id=principal.acting_org_id,
        grants=[GrantOut.model_validate(g) for g in grants],
    )


@api(bp, "/me/acting-org", "POST", summary="切换所代表的组织", body=ActFor, response=AccessOut, tag=TAG)
def act_for(principal: Principal, body: ActFor) -> BaseModel:
    token = accounts.act_for(principal, body.org_id)
    return AccessOut(access_token=token, expires_in=ACCESS_SECONDS, acting_org_id=body.org_id)


@api(
    bp,
    "/me/password",
    "PUT",
    summary="修改密码（首次登录须修改初始密码）",
    body=PasswordChange,
    response=AccessOut,
    before_password_change=True,
    tag=TAG,
)
def change_password(principal: Principal, body: PasswordChange) -> BaseModel:
    account = credentials.change_password(principal, body.old_password, body.new_password)
    token = accounts.reissue(principal, account)
    return AccessOut(access_token=token, expires_in=ACCESS_SECONDS, acting_org_id=principal.acting_org_id)


@api(
    bp,
    "/orgs/{org_id}/admin-accounts",
    "POST",
    summary="为下级组织创建管理员账号",
    body=AdminAccountCreate,
    response=AdminAccountOut,
    status=201,
    tag=TAG,
)
def create_admin(org_id: str, principal: Principal, body: AdminAccountCreate) -> BaseModel:
    account, initial = accounts.create_admin_account(principal, org_id, body.name, body.phone)
    return AdminAccountOut(account=AccountOut.model_validate(account), initial_password=initial)


@api(
    bp,
    "/orgs/{org_id}/cadre-invitations",
    "POST",
    summary="录入团干部并发送短信邀请",
    body=InvitationCreate,
    response=InvitationOut,
    status=201,
    tag=TAG,
)
def invite_cadre(org_id: str, principal: Principal, body: InvitationCreate) -> BaseModel:
    invitation = invitations.invite(principal, org_id, body.name, body.phone, body.position)
    messages.cadre_invited(invitation.pk, invitation.phone, org_id, invitation.position)  # MSG-1: also in-app
    out = InvitationOut.model_validate(invitation)
    return out.model_copy(update={"phone": masked(invitation.phone)})


@api(bp, "/orgs/{org_id}/grants", "GET", summary="组织的团干部与管理员", response=list[GrantOut], tag=TAG)
def staff(org_id: str, principal: Principal) -> list[BaseModel]:
    grants = accounts.list_staff(principal, org_id)
    names = reads.account_names([g.account_id for g in grants])
    return [GrantOut.model_validate(g).model_copy(update={"name": names.get(g.account_id)}) for g in grants]


@api(bp, "/orgs/{org_id}/grants", "POST", summary="任命职务", body=GrantCreate, response=GrantOut, status=201, tag=TAG)
def grant(org_id: str, principal: Principal, body: GrantCreate) -> BaseModel:
    return GrantOut.model_validate(accounts.grant_role(principal, org_id, body.account_id, body.role))


@api(bp, "/orgs/{org_id}/grants/revoke", "POST", summary="免去职务", body=GrantCreate, status=204, tag=TAG)
def revoke(org_id: str, principal: Principal, body: GrantCreate) -> None:
    accounts.revoke_role(principal, org_id, body.account_id, body.role)


class RosterListQuery(PageQuery):
    state: MemberState | None = Field(default=None, description="只列该状态的团员（已离团的状态读已离团名单）")
    sector: Sector | None = Field(default=None, description="只列该行业的团支部的团员")


@api(
    bp,
    "/orgs/{org_id}/members",
    "GET",
    summary="团员名单（团支部的，或本组织直属团支部的；可按状态、行业筛选）",
    query=RosterListQuery,
    response=Page[MemberOut],
    tag=TAG,
)
def members(org_id: str, principal: Principal, query: RosterListQuery) -> BaseModel:
    narrowed = roster.RosterFilter(
        state=query.state.value if query.state else None, sector=query.sector.value if query.sector else None
    )
    items, cursor = roster.page(principal, org_id, narrowed, query.cursor, query.limit)
    return Page[MemberOut](items=[MemberOut.model_validate(m) for m in items], next_cursor=cursor)


class RosterQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subtree: bool = Field(default=False, description="导出全部下级团支部的团员（否则：本团支部，或本组织的直属团支部）")
    state: MemberState | None = Field(default=None, description="只导出该状态的团员（已离团的状态读已离团名单）")
    sector: Sector | None = Field(default=None, description="只导出该行业的团支部的团员")


class RosterOut(BaseModel):
    """The roster's download link (5 minutes); ID numbers and phones in it are de-identified."""

    url: str
    file_name: str
    rows: int
    branches: int


@api(
    bp,
    "/orgs/{org_id}/members/xlsx",
    "POST",
    summary="导出团员花名册（xlsx，身份证号脱敏，留痕；下载链接5分钟有效）",
    query=RosterQuery,
    response=RosterOut,
    tag=TAG,
)
def roster_xlsx(org_id: str, principal: Principal, query: RosterQuery) -> BaseModel:
    narrowed = roster.RosterFilter(
        subtree=query.subtree,
        state=query.state.value if query.state else None,
        sector=query.sector.value if query.sector else None,
    )
    done = roster.export(principal, org_id, narrowed)
    return RosterOut(url=done.url, file_name=done.file_name, rows=done.rows, branches=done.branches)


class IdNumberOut(BaseModel):
    id_number: str


@api(
    bp,
    "/members/{member_id}/id-number",
    "GET",
    summary="查看团员完整身份证号（仅所在团支部，留痕）",
    response=IdNumberOut,
    tag=TAG,
)
def reveal_id_number(member_id: str, principal: Principal) -> BaseModel:
    return IdNumberOut(id_number=id_number.reveal_id_number(principal, member_id))


@api(
    bp,
    "/members/{member_id}/reset-codes",
    "POST",
    summary="为团员发放一次性密码重置码（两天内有效）",
    response=ResetCodeOut,
    status=201,
    tag=TAG,
)
def reset_code(member_id: str, principal: Principal) -> BaseModel:
    return ResetCodeOut(reset_code=reset_codes.issue(principal, member_id), valid_days=RESET_CODE_DAYS)


@api(
    bp,
    "/me/member-binding",
    "POST",
    summary="已有团籍（如批量导入）的团员用团支部发放的绑定码绑定本账号",
    body=MemberBinding,
    response=MemberDetailOut,
    tag=TAG,
)
def bind_member(principal: Principal, body: MemberBinding) -> BaseModel:
    return MemberDetailOut.model_validate(reset_codes.bind_account(principal, body.id_number, body.reset_code))


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
