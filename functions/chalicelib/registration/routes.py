"""Routes of registration (报到) and review (审核): REG, REV. Thin: parse, call logic, shape."""

from __future__ import annotations

from typing import Literal

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import PageQuery, api, current_request
from chalicelib.registration.schemas import (
    ApplicationOut,
    OfflinePass,
    RegistrationOut,
    RegistrationSubmit,
    UploadOut,
    WaveOut,
    WavesIn,
)
from chalicelib.schemas import Page, Reason
from zhtj.registration import identity_check, poster, waves
from zhtj.registration import service as registration
from zhtj.registration.models import Registration
from zhtj.registration.rules import RegistrationState
from zhtj.signin.tokens import Claimed, Principal

bp = Blueprint(__name__)
TAG = "报到"


class StateQuery(PageQuery):
    state: str = Field(default=RegistrationState.PENDING, pattern="^[A-Z_]{1,30}$")


QUEUED = "QUEUED"  # accepted, waiting in the queue to be written
NONE = "NONE"  # the account has no registration


def _application(registration_id: str, found: Registration | None) -> ApplicationOut:
    if found is None:
        return ApplicationOut(registration_id=registration_id, status=QUEUED)
    return ApplicationOut(
        registration_id=registration_id, status=found.state, registration=RegistrationOut.model_validate(found)
    )


@api(
    bp,
    "/registrations",
    "POST",
    summary="提交报到（须先用手机号注册并登录）",
    body=RegistrationSubmit,
    response=ApplicationOut,
    status=202,
    session_read_by_logic=True,  # with the branch, in one BatchGetItem
    tag=TAG,
)
def submit(claimed: Claimed, body: RegistrationSubmit) -> BaseModel:
    idempotency_key = current_request().headers.get("idempotency-key")
    registration_id = registration.submit(
        claimed, body.submission(), body.branch_id, body.previous_id, idempotency_key, body.admitted_on
    )
    return ApplicationOut(registration_id=registration_id, status=QUEUED)


@api(bp, "/me/registration", "GET", summary="我的报到", response=ApplicationOut, tag=TAG)
def mine(principal: Principal) -> BaseModel:
    found = registration.current(principal)
    if found is None:
        return ApplicationOut(registration_id=None, status=NONE)
    return _application(found.registration_id, found)


@api(bp, "/me/registrations/{registration_id}", "GET", summary="查询报到进度", response=ApplicationOut, tag=TAG)
def status(registration_id: str, principal: Principal) -> BaseModel:
    return _application(registration_id, registration.status(principal, registration_id))


@api(
    bp,
    "/me/registrations/{registration_id}/withdraw",
    "POST",
    summary="撤回报到",
    body=Reason,
    response=ApplicationOut,
    tag=TAG,
)
def withdraw(registration_id: str, principal: Principal, body: Reason) -> BaseModel:
    return _application(registration_id, registration.withdraw(principal, registration_id, body.reason))


@api(
    bp,
    "/orgs/{org_id}/registrations",
    "GET",
    summary="团支部的报到（按状态）",
    query=StateQuery,
    response=Page[RegistrationOut],
    tag=TAG,
)
def for_branch(org_id: str, principal: Principal, query: StateQuery) -> BaseModel:
    items, cursor = registration.list_for_branch(principal, org_id, query.state, query.cursor, query.limit)
    return Page[RegistrationOut](items=[RegistrationOut.model_validate(r) for r in items], next_cursor=cursor)


@api(bp, "/registrations/{registration_id}", "GET", summary="查看报到", response=RegistrationOut, tag=TAG)
def read(registration_id: str, principal: Principal) -> BaseModel:
    return RegistrationOut.model_validate(registration.read(principal, registration_id))


@api(
    bp,
    "/registrations/{registration_id}/approve",
    "POST",
    summary="审核通过",
    response=RegistrationOut,
    session_read_by_logic=True,  # with the registration and the grants, in one BatchGetItem
    tag=TAG,
)
def approve(registration_id: str, claimed: Claimed) -> BaseModel:
    return RegistrationOut.model_validate(registration.approve(claimed, registration_id))


@api(
    bp,
    "/registrations/{registration_id}/return",
    "POST",
    summary="退回报到",
    body=Reason,
    response=RegistrationOut,
    tag=TAG,
)
def return_to_member(registration_id: str, principal: Principal, body: Reason) -> BaseModel:
    return RegistrationOut.model_validate(registration.return_to_member(principal, registration_id, body.reason))


@api(
    bp,
    "/registrations/{registration_id}/offline-photo",
    "POST",
    summary="线下核验照片上传地址",
    response=UploadOut,
    tag=TAG,
)
def offline_photo(registration_id: str, principal: Principal) -> BaseModel:
    key, url = identity_check.photo_upload(principal, registration_id)
    return UploadOut(key=key, url=url)


@api(
    bp,
    "/registrations/{registration_id}/offline-pass",
    "POST",
    summary="线下核验通过",
    body=OfflinePass,
    response=RegistrationOut,
    tag=TAG,
)
def offline_pass(registration_id: str, principal: Principal, body: OfflinePass) -> BaseModel:
    passed = identity_check.pass_offline(principal, registration_id, body.note, body.photo_key)
    return RegistrationOut.model_validate(passed)


@api(
    bp,
    "/registration-waves",
    "PUT",
    summary="设置分批报到时间（团省委）",
    body=WavesIn,
    response=list[WaveOut],
    tag=TAG,
)
def set_waves(principal: Principal, body: WavesIn) -> list[BaseModel]:
    return [WaveOut.model_validate(w) for w in waves.set_waves(principal, body.opens)]


class IdNumberOut(BaseModel):
    id_number: str


@api(
    bp,
    "/registrations/{registration_id}/id-number",
    "GET",
    summary="查看完整身份证号（审核团支部，留痕）",
    response=IdNumberOut,
    tag=TAG,
)
def reveal_id_number(registration_id: str, principal: Principal) -> BaseModel:
    return IdNumberOut(id_number=registration.reveal_id_number(principal, registration_id))


class PosterQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["png", "pdf"] = Field(default="pdf", description="png：图片；pdf：A4海报")


class PosterOut(BaseModel):
    """The poster's download link (5 minutes) and the link its QR code holds."""

    url: str
    file_name: str
    join_url: str = Field(description="二维码内容：团员端报到页 <app origin>/m/join/<branch_id>")


@api(
    bp,
    "/orgs/{org_id}/join-poster",
    "GET",
    summary="团支部报到二维码海报（PNG或A4 PDF，下载链接5分钟有效）",
    query=PosterQuery,
    response=PosterOut,
    tag=TAG,
)
def join_poster(org_id: str, principal: Principal, query: PosterQuery) -> BaseModel:
    made = poster.poster(principal, org_id, query.format)
    return PosterOut(url=made.url, file_name=made.file_name, join_url=made.join_url)
