"""Publishing a notice (MSG-3): attachments uploaded first by presigned URL, then the notice
written once under its publisher (and a small row per chosen child) in one transaction with its
audit record: O(1) writes whatever the size of the audience. The publisher's list."""

from __future__ import annotations

import json

import msgspec

from zhtj.core import clock
from zhtj.core.errors import ValidationError
from zhtj.notices import rules
from zhtj.notices.models import Notice, NoticeTarget
from zhtj.notices.rules import Audience
from zhtj.orgs.authz import authorize, get_org, org_key
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, storage
from zhtj.table.base import Item, get_items
from zhtj.table.unit_of_work import UnitOfWork


class Attachment(msgspec.Struct, frozen=True):
    key: str
    file_name: str


class Draft(msgspec.Struct, frozen=True):
    title: str
    body: str
    audience: Audience
    child_ids: list[str]
    attachments: list[Attachment]


def attachment_prefix(org_id: str) -> str:
    return f"{rules.ATTACHMENTS_PREFIX}{org_id}/"


def attachment_upload(principal: Principal, org_id: str, content_type: str) -> tuple[str, str]:
    """A presigned upload of one attachment (PDF, docx, xlsx, JPG, PNG). Returns (key, URL)."""
    org = get_org(org_id)
    authorize(principal, "notice.publish", org)
    extension = rules.ATTACHMENT_TYPES.get(content_type)
    if extension is None:
        raise ValidationError("ATTACHMENT_TYPE", rules.TYPE_MESSAGE, "content_type")
    key = f"{attachment_prefix(org_id)}{clock.new_id('f')}.{extension}"
    return key, storage.upload_url("uploads", key, content_type)


def _checked_attachments(org_id: str, attachments: list[Attachment]) -> list[dict[str, object]]:
    if len(attachments) > rules.MAX_ATTACHMENTS:
        raise ValidationError("ATTACHMENT_COUNT", f"每条通知最多{rules.MAX_ATTACHMENTS}个附件", "attachments")
    if len({a.key for a in attachments}) != len(attachments):
        raise ValidationError("ATTACHMENT_DUPLICATE", "附件重复", "attachments")
    checked: list[dict[str, object]] = []
    for attachment in attachments:
        if not (rules.extension_allowed(attachment.key) and rules.extension_allowed(attachment.file_name)):
            raise ValidationError("ATTACHMENT_TYPE", rules.TYPE_MESSAGE, "attachments")
        prefix = attachment_prefix(org_id)
        found = storage.describe("uploads", attachment.key) if attachment.key.startswith(prefix) else None
        if found is None:
            raise ValidationError("ATTACHMENT_MISSING", "附件未上传或不属于本组织", "attachments")
        if found[0] > rules.MAX_ATTACHMENT_BYTES:
            raise ValidationError("ATTACHMENT_TOO_LARGE", rules.SIZE_MESSAGE, "attachments")
        checked.append({"key": attachment.key, "file_name": attachment.file_name, "size": found[0]})
    return checked


def _checked_children(publisher: Org, draft: Draft) -> list[str]:
    chosen = list(draft.child_ids)
    if draft.audience == Audience.SUBTREE:
        if chosen:
            raise ValidationError("NOTICE_CHILDREN_UNEXPECTED", "发布到全部下级时不能另选组织", "child_ids")
        return []
    if not 1 <= len(chosen) <= rules.MAX_CHOSEN_CHILDREN:
        raise ValidationError(
            "NOTICE_CHILDREN_COUNT", f"请选择1至{rules.MAX_CHOSEN_CHILDREN}个直属下级组织", "child_ids"
        )
    if len(set(chosen)) != len(chosen):
        raise ValidationError("NOTICE_CHILDREN_DUPLICATE", "所选组织重复", "child_ids")
    found: dict[tuple[str, str], Item] = get_items([org_key(c) for c in chosen])
    for child_id in chosen:
        child = found.get(org_key(child_id))
        if not (isinstance(child, Org) and child.parent_id == publisher.org_id and child.status == OrgStatus.ACTIVE):
            raise ValidationError("NOTICE_CHILD", "所选组织须为本组织的直属下级组织", "child_ids")
    return chosen


def publish(principal: Principal, org_id: str, draft: Draft) -> Notice:
    """MSG-3: the organisation (by its operators or those above) publishes a notice to its whole
    subtree or to chosen direct children. One transaction: the notice, a row per chosen child,
    the audit record. Raises ValidationError, ForbiddenError, NotFoundError."""
    publisher = get_org(org_id)
    operator = authorize(principal, "notice.publish", publisher)
    chosen = _checked_children(publisher, draft)
    attachments = _checked_attachments(org_id, draft.attachments)
    notice_id, at = clock.new_id("nt"), clock.now()
    sort = f"{at.isoformat()}#{notice_id}"
    subtree = draft.audience == Audience.SUBTREE
    notice = Notice(
        keys.notice_pk(notice_id),
        keys.META,
        gsi1pk=keys.notice_box_pk(org_id) if subtree else None,
        gsi1sk=sort if subtree else None,
        gsi2pk=keys.notices_published_pk(org_id),
        gsi2sk=sort,
        notice_id=notice_id,
        publisher_org_id=org_id,
        title=draft.title,
        body=draft.body,
        audience=draft.audience.value,
        child_ids=chosen,
        attachments=json.dumps(attachments, ensure_ascii=False),
        published_by=operator.account_id,
        published_by_org_id=operator.org.org_id,
        published_at=at,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(notice, condition=Notice.pk.does_not_exist())
    for child_id in chosen:
        target = NoticeTarget(
            keys.notice_pk(notice_id),
            keys.notice_to_sk(child_id),
            gsi1pk=keys.notice_box_pk(child_id),
            gsi1sk=sort,
            notice_id=notice_id,
            publisher_org_id=org_id,
            title=draft.title,
            published_at=at,
        )
        uow.put(target, condition=NoticeTarget.pk.does_not_exist())
    uow.audit(
        "notice.publish",
        "ORG",
        org_id,
        org_id,
        after={
            "notice_id": notice_id,
            "title": draft.title,
            "audience": draft.audience.value,
            "child_ids": chosen,
            "attachments": len(attachments),
        },
    )
    uow.commit()
    return notice


def published(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[Notice], str | None]:
    """The notices an organisation published, newest first (one Query of gsi2 a page)."""
    authorize(principal, "notice.manage", get_org(org_id))
    items, next_cursor = paging.query_page(
        Notice.by_gsi2.query, keys.notices_published_pk(org_id), limit=limit, cursor=cursor, scan_index_forward=False
    )
    return [n for n in items if isinstance(n, Notice)], next_cursor


def attachments_of(notice: Notice) -> list[dict[str, object]]:
    return list(json.loads(notice.attachments))
