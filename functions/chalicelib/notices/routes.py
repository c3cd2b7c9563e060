"""Routes of notices (通知公告, MSG-3): a committee or branch publishes with attachments, readers
below read, the publisher sees read counts per child organisation. Thin: parse, call logic, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.http import PageQuery, api
from chalicelib.notices.schemas import (
    AttachmentOut,
    AttachmentUploadIn,
    NoticeIn,
    NoticeListed,
    NoticeOut,
    ReadCountOut,
    ReadCountsOut,
    UploadOut,
)
from chalicelib.schemas import Page
from zhtj.core import clock
from zhtj.notices import publishing, read_counts, reading, rules
from zhtj.notices.models import Notice
from zhtj.signin.tokens import Principal
from zhtj.table import storage

bp = Blueprint(__name__)
TAG = "通知公告"


def notice_out(notice: Notice, links: bool) -> NoticeOut:
    expired = rules.attachments_expired(notice.published_at, clock.now())
    attachments = [
        AttachmentOut(
            file_name=str(a["file_name"]),
            size=int(str(a["size"])),
            url=storage.download_url("uploads", str(a["key"]), str(a["file_name"])) if links and not expired else None,
            expired=expired,
        )
        for a in publishing.attachments_of(notice)
    ]
    return NoticeOut(
        notice_id=notice.notice_id,
        publisher_org_id=notice.publisher_org_id,
        title=notice.title,
        body=notice.body,
        audience=notice.audience,
        child_ids=list(notice.child_ids or []),
        attachments=attachments,
        published_at=notice.published_at,
    )


@api(
    bp,
    "/orgs/{org_id}/notice-attachments",
    "POST",
    summary="通知公告附件上传地址",
    body=AttachmentUploadIn,
    response=UploadOut,
    tag=TAG,
)
def attachment_upload(org_id: str, principal: Principal, body: AttachmentUploadIn) -> BaseModel:
    key, url = publishing.attachment_upload(principal, org_id, body.content_type)
    return UploadOut(key=key, url=url)


@api(
    bp,
    "/orgs/{org_id}/notices",
    "POST",
    summary="发布通知公告（全部下级或所选直属下级）",
    body=NoticeIn,
    response=NoticeOut,
    status=201,
    tag=TAG,
)
def publish(org_id: str, principal: Principal, body: NoticeIn) -> BaseModel:
    draft = publishing.Draft(
        title=body.title,
        body=body.body,
        audience=body.audience,
        child_ids=list(body.child_ids),
        attachments=[publishing.Attachment(a.key, a.file_name) for a in body.attachments],
    )
    return notice_out(publishing.publish(principal, org_id, draft), links=False)


@api(
    bp,
    "/orgs/{org_id}/notices",
    "GET",
    summary="本组织发布的通知公告",
    query=PageQuery,
    response=Page[NoticeListed],
    tag=TAG,
)
def published(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = publishing.published(principal, org_id, query.cursor, query.limit)
    listed = [
        NoticeListed(
            notice_id=n.notice_id, publisher_org_id=n.publisher_org_id, title=n.title, published_at=n.published_at
        )
        for n in items
    ]
    return Page[NoticeListed](items=listed, next_cursor=cursor)


@api(bp, "/me/notices", "GET", summary="我收到的通知公告", query=PageQuery, response=Page[NoticeListed], tag=TAG)
def mine(principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = reading.listing(principal, query.cursor, query.limit)
    listed = [
        NoticeListed(
            notice_id=n.notice_id,
            publisher_org_id=n.publisher_org_id,
            title=n.title,
            published_at=n.published_at,
            read=read,
        )
        for n, read in items
    ]
    return Page[NoticeListed](items=listed, next_cursor=cursor)


@api(bp, "/notices/{notice_id}", "GET", summary="阅读通知公告（含附件下载地址）", response=NoticeOut, tag=TAG)
def read(notice_id: str, principal: Principal) -> BaseModel:
    return notice_out(reading.read(principal, notice_id), links=True)


@api(
    bp,
    "/notices/{notice_id}/read-counts",
    "GET",
    summary="通知公告各直属下级组织的阅读人数、团员数与阅读率",
    response=ReadCountsOut,
    tag=TAG,
)
def counts(notice_id: str, principal: Principal) -> BaseModel:
    found = read_counts.read_counts(principal, notice_id)
    by_org = [
        ReadCountOut(org_id=r.org_id, name=r.name, reads=r.reads, members=r.members, rate=r.rate) for r in found.rows
    ]
    return ReadCountsOut(
        notice_id=found.notice.notice_id, total=found.total, members=found.members, rate=found.rate, by_org=by_org
    )
