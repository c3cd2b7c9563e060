"""Routes of organisation life (三会两制一课, LIFE-1): a branch records its meetings and lectures,
with photos uploaded first. Thin: parse, call logic, shape."""

from __future__ import annotations

from datetime import date, datetime

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from chalicelib.schemas import Body, Page
from zhtj.life import rules as life_rules
from zhtj.life import service as life
from zhtj.life.models import LifeMeeting
from zhtj.life.rules import MeetingKind
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "组织生活与推优入党"


class AttendeeIn(Body):
    member_id: str = Field(min_length=1, max_length=40)
    present: bool
    reason: str | None = Field(default=None, max_length=200, description="缺席原因")


class MeetingIn(Body):
    kind: MeetingKind = Field(
        description="支部大会 BRANCH_ASSEMBLY、支部委员会 BRANCH_COMMITTEE、团小组会 GROUP_MEETING、团课 LECTURE"
    )
    held_on: date
    topic: str = Field(min_length=1, max_length=200)
    minutes: str = Field(min_length=1, max_length=10_000, description="会议记录")
    attendees: list[AttendeeIn] = Field(min_length=1, max_length=life_rules.MAX_ATTENDEES)
    photo_keys: list[str] = Field(default_factory=list, max_length=life_rules.MAX_PHOTOS)


class AbsenceOut(BaseModel):
    member_id: str
    reason: str | None


class MeetingOut(BaseModel):
    meeting_id: str
    branch_id: str
    kind: str
    kind_name: str
    held_on: str
    quarter: str
    topic: str
    minutes: str
    present: list[str]
    absent: list[AbsenceOut]
    photo_keys: list[str]
    recorded_by_org_id: str
    recorded_at: datetime


class PhotoLinkOut(BaseModel):
    key: str
    url: str = Field(description="presigned GET, valid 5 minutes")


class MeetingDetailOut(MeetingOut):
    """One meeting's page: the record, its attendees' names and its photos."""

    names: dict[str, str] = Field(description="出席与缺席团员的姓名（按团员编号）")
    photos: list[PhotoLinkOut]


class PhotoIn(Body):
    content_type: str = Field(min_length=1, max_length=60)


class UploadOut(BaseModel):
    key: str
    url: str


class MeetingQuery(PageQuery):
    year: int | None = Field(default=None, ge=2000, le=2100)


def meeting_out(m: LifeMeeting) -> MeetingOut:
    kind = MeetingKind(m.meeting_kind)
    return MeetingOut(
        meeting_id=m.meeting_id,
        branch_id=m.branch_id,
        kind=kind.value,
        kind_name=life_rules.KIND_NAMES[kind],
        held_on=m.held_on,
        quarter=life_rules.quarter_of(date.fromisoformat(m.held_on)),
        topic=m.topic,
        minutes=m.minutes,
        present=list(m.present or []),
        absent=[AbsenceOut(member_id=a.member_id, reason=a.reason) for a in life.absences(m)],
        photo_keys=list(m.photo_keys or []),
        recorded_by_org_id=m.recorded_by_org_id,
        recorded_at=m.recorded_at,
    )


@api(
    bp, "/orgs/{org_id}/life-photos", "POST", summary="组织生活照片上传地址", body=PhotoIn, response=UploadOut, tag=TAG
)
def photo_upload(org_id: str, principal: Principal, body: PhotoIn) -> BaseModel:
    key, url = life.photo_upload(principal, org_id, body.content_type)
    return UploadOut(key=key, url=url)


@api(
    bp,
    "/orgs/{org_id}/life-meetings",
    "POST",
    summary="登记组织生活（三会两制一课）",
    body=MeetingIn,
    response=MeetingOut,
    status=201,
    tag=TAG,
)
def record(org_id: str, principal: Principal, body: MeetingIn) -> BaseModel:
    entry = life.MeetingEntry(
        kind=body.kind,
        held_on=body.held_on,
        topic=body.topic,
        minutes=body.minutes,
        attendees=[life.Attendee(a.member_id, a.present, a.reason) for a in body.attendees],
        photo_keys=list(body.photo_keys),
    )
    return meeting_out(life.record(principal, org_id, entry))


@api(
    bp,
    "/orgs/{org_id}/life-meetings",
    "GET",
    summary="团支部的组织生活记录（按开展日期，最近的在前）",
    query=MeetingQuery,
    response=Page[MeetingOut],
    tag=TAG,
)
def meetings(org_id: str, principal: Principal, query: MeetingQuery) -> BaseModel:
    items, cursor = life.meetings(principal, org_id, query.year, query.cursor, query.limit)
    return Page[MeetingOut](items=[meeting_out(m) for m in items], next_cursor=cursor)


@api(
    bp,
    "/life-meetings/{meeting_id}",
    "GET",
    summary="一次组织生活的记录（参加人员姓名与照片）",
    response=MeetingDetailOut,
    tag=TAG,
)
def read(meeting_id: str, principal: Principal) -> BaseModel:
    view = life.meeting_view(principal, meeting_id)
    return MeetingDetailOut(
        **meeting_out(view.meeting).model_dump(),
        names=view.names,
        photos=[PhotoLinkOut(key=key, url=url) for key, url in view.photo_urls],
    )
