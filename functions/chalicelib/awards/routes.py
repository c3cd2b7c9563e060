"""Routes of rewards and punishments (AWARD-1/AWARD-2): entry by the granting organisation,
batches, release of punishments, and members' declarations. Thin: parse, call logic, shape.
The annual records the card shows are annual/routes.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from chalicelib.schemas import Body, Out, Page
from zhtj.awards import service as awards
from zhtj.awards.models import Award, AwardDeclaration
from zhtj.awards.rules import MAX_BATCH, AwardKind
from zhtj.members.service import member_names
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "奖惩与年度记录"
TEXT = Field(min_length=1, max_length=100)


# --- Shapes ------------------------------------------------------------------------------------------


class AwardIn(Body):
    kind: AwardKind
    title: str = TEXT
    level: str | None = Field(default=None, max_length=40)
    document_number: str = Field(min_length=1, max_length=60)
    document_date: date
    # Only for a body outside the league tree or a joint award: otherwise the entering
    # organisation is the granting one (AWARD-1).
    granted_by_name: str | None = Field(default=None, min_length=1, max_length=100)
    attachment_key: str | None = Field(default=None, max_length=300)
    starts_on: date | None = None
    released_on: date | None = None

    def entry(self) -> awards.AwardEntry:
        return awards.AwardEntry(**self.model_dump())


class AwardBatchIn(AwardIn):
    member_ids: list[str] = Field(min_length=1, max_length=MAX_BATCH)


class DeclarationIn(Body):
    title: str = TEXT
    level: str | None = Field(default=None, max_length=40)
    document_number: str = Field(min_length=1, max_length=60)
    document_date: date
    granted_by_org_id: str | None = Field(default=None, min_length=1, max_length=40)
    granted_by_name: str | None = Field(default=None, min_length=1, max_length=100)
    attachment_key: str | None = Field(default=None, max_length=300)


class AwardUploadIn(Body):
    content_type: str = Field(min_length=1, max_length=60)


class UploadOut(BaseModel):
    key: str
    url: str


class ReasonIn(Body):
    reason: str = Field(min_length=1, max_length=500)


class ReleaseIn(Body):
    released_on: date


class AwardOut(Out):
    award_id: str
    member_id: str
    award_kind: str
    title: str
    level: str | None = None
    document_number: str
    granted_on: str
    granted_by_org_id: str | None = None
    granted_by_name: str
    entered_by_org_id: str
    entered_at: datetime
    entry_deadline: str
    late: bool
    attachment_key: str | None = None
    starts_on: str | None = None
    released_on: str | None = None
    in_force: bool | None = None
    declaration_id: str | None = None
    batch_id: str | None = None
    member_name: str | None = Field(default=None, description="团员姓名（本组织登记的奖惩列表给出）")


class DeclarationOut(Out):
    declaration_id: str
    member_id: str
    title: str
    document_number: str
    granted_on: str
    granted_by_org_id: str | None = None
    granted_by_name: str
    reviewing_org_id: str
    state: str
    declared_at: datetime
    return_reason: str | None = None
    award_id: str | None = None


class MemberAwardsOut(BaseModel):
    awards: list[AwardOut]
    declarations: list[DeclarationOut]


class AwardBatchRowOut(BaseModel):
    member_id: str
    award_id: str | None = None
    code: str | None = None
    message: str | None = None


class AwardBatchOut(BaseModel):
    entered: int
    refused: int
    rows: list[AwardBatchRowOut]


class DeclarationQuery(PageQuery):
    state: Literal["PENDING", "APPROVED", "RETURNED"] = "PENDING"


def _award(a: Award) -> AwardOut:
    return AwardOut.model_validate(a)


def _declaration(d: AwardDeclaration) -> DeclarationOut:
    return DeclarationOut.model_validate(d)


@api(
    bp, "/members/{member_id}/awards", "POST", summary="登记奖惩", body=AwardIn, response=AwardOut, status=201, tag=TAG
)
def enter(member_id: str, principal: Principal, body: AwardIn) -> BaseModel:
    return _award(awards.enter(principal, member_id, body.entry()))


@api(bp, "/members/{member_id}/awards", "GET", summary="团员的奖惩与申报", response=MemberAwardsOut, tag=TAG)
def member_awards(member_id: str, principal: Principal) -> BaseModel:
    found, declarations = awards.member_awards(principal, member_id)
    return MemberAwardsOut(awards=[_award(a) for a in found], declarations=[_declaration(d) for d in declarations])


@api(
    bp,
    "/members/{member_id}/awards/{award_id}/release",
    "POST",
    summary="解除处分",
    body=ReleaseIn,
    response=AwardOut,
    tag=TAG,
)
def release(member_id: str, award_id: str, principal: Principal, body: ReleaseIn) -> BaseModel:
    return _award(awards.release(principal, member_id, award_id, body.released_on))


@api(bp, "/orgs/{org_id}/awards", "POST", summary="批量登记奖惩", body=AwardBatchIn, response=AwardBatchOut, tag=TAG)
def enter_batch(org_id: str, principal: Principal, body: AwardBatchIn) -> BaseModel:
    entry = awards.AwardEntry(**body.model_dump(exclude={"member_ids"}))
    outcomes = awards.enter_batch(principal, org_id, list(body.member_ids), entry)
    rows = [
        AwardBatchRowOut(member_id=o.member_id, award_id=o.award_id, code=o.code, message=o.message) for o in outcomes
    ]
    entered = sum(1 for r in rows if r.award_id)
    return AwardBatchOut(entered=entered, refused=len(rows) - entered, rows=rows)


@api(bp, "/orgs/{org_id}/awards", "GET", summary="本组织登记的奖惩", query=PageQuery, response=Page[AwardOut], tag=TAG)
def entered_by(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = awards.entered_by(principal, org_id, query.cursor, query.limit)
    names = member_names([a.member_id for a in items])
    return Page[AwardOut](
        items=[_award(a).model_copy(update={"member_name": names.get(a.member_id)}) for a in items],
        next_cursor=cursor,
    )


@api(
    bp,
    "/orgs/{org_id}/award-upload",
    "POST",
    summary="奖惩文件上传地址",
    body=AwardUploadIn,
    response=UploadOut,
    tag=TAG,
)
def org_upload(org_id: str, principal: Principal, body: AwardUploadIn) -> BaseModel:
    key, url = awards.org_upload(principal, org_id, body.content_type)
    return UploadOut(key=key, url=url)


# --- Declarations -------------------------------------------------------------------------------------


@api(
    bp,
    "/members/{member_id}/award-declarations",
    "POST",
    summary="团员申报所获奖励",
    body=DeclarationIn,
    response=DeclarationOut,
    status=201,
    tag=TAG,
)
def declare(member_id: str, principal: Principal, body: DeclarationIn) -> BaseModel:
    entry = awards.AwardEntry(
        kind=AwardKind.REWARD,
        title=body.title,
        document_number=body.document_number,
        document_date=body.document_date,
        level=body.level,
        granted_by_name=body.granted_by_name,
        attachment_key=body.attachment_key,
    )
    return _declaration(awards.declare(principal, member_id, entry, body.granted_by_org_id))


@api(
    bp,
    "/members/{member_id}/award-declarations/upload",
    "POST",
    summary="奖励申报附件上传地址",
    body=AwardUploadIn,
    response=UploadOut,
    tag=TAG,
)
def declaration_upload(member_id: str, principal: Principal, body: AwardUploadIn) -> BaseModel:
    key, url = awards.declaration_upload(principal, member_id, body.content_type)
    return UploadOut(key=key, url=url)


_DECL = "/members/{member_id}/award-declarations/{declaration_id}"


@api(bp, f"{_DECL}/approve", "POST", summary="认定团员申报的奖励", response=AwardOut, tag=TAG)
def approve(member_id: str, declaration_id: str, principal: Principal) -> BaseModel:
    return _award(awards.approve(principal, member_id, declaration_id))


@api(bp, f"{_DECL}/return", "POST", summary="退回团员申报的奖励", body=ReasonIn, response=DeclarationOut, tag=TAG)
def return_declaration(member_id: str, declaration_id: str, principal: Principal, body: ReasonIn) -> BaseModel:
    return _declaration(awards.return_declaration(principal, member_id, declaration_id, body.reason))


@api(
    bp,
    "/orgs/{org_id}/award-declarations",
    "GET",
    summary="待本组织认定的奖励申报",
    query=DeclarationQuery,
    response=Page[DeclarationOut],
    tag=TAG,
)
def declarations(org_id: str, principal: Principal, query: DeclarationQuery) -> BaseModel:
    items, cursor = awards.declarations_for(principal, org_id, query.state, query.cursor, query.limit)
    return Page[DeclarationOut](items=[_declaration(d) for d in items], next_cursor=cursor)
