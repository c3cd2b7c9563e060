"""Organisation life (三会两制一课, LIFE-1): a branch records a meeting or lecture — kind, date,
topic, attendees (members of the branch, present or absent with a reason), minutes, photos —
and reads its record.

Photos are uploaded to S3 first with a presigned URL (JPEG or PNG); recording checks each is
there, under the branch's prefix, and at most `MAX_PHOTO_BYTES`. The meeting is one
transaction with its audit record. Its counts per quarter are not written here: the statistics
stream counts every LifeMeeting for its branch (zhtj.stats.rules), rolled up to every level,
and the daily sweep flags a branch with none in the last finished quarter (zhtj.sweeps)."""

from __future__ import annotations

import json
from datetime import date

import msgspec

from zhtj.core import clock
from zhtj.core.errors import NotFoundError, RuleViolation, ValidationError
from zhtj.life import rules as life_rules
from zhtj.life.models import LifeMeeting
from zhtj.life.rules import MeetingKind
from zhtj.members.models import Member
from zhtj.members.rules import MemberState
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, storage
from zhtj.table.unit_of_work import UnitOfWork

MEETING_NOT_FOUND = NotFoundError("LIFE_MEETING_NOT_FOUND", "组织生活记录不存在", "meeting_id")


class Attendee(msgspec.Struct, frozen=True):
    member_id: str
    present: bool
    reason: str | None = None  # why absent


class MeetingEntry(msgspec.Struct, frozen=True):
    kind: MeetingKind
    held_on: date
    topic: str
    minutes: str
    attendees: list[Attendee]
    photo_keys: list[str]


def photo_prefix(branch_id: str) -> str:
    return f"life/{branch_id}/"


def require_branch(org: Org) -> None:
    if org.org_type != OrgType.BRANCH:
        raise RuleViolation("LIFE-1", "组织生活由团支部登记", "org_id")


def photo_upload(principal: Principal, branch_id: str, content_type: str) -> tuple[str, str]:
    """A presigned upload of one photo of a meeting (JPEG or PNG). Returns (object key, URL)."""
    branch = get_org(branch_id)
    authorize(principal, "life.record", branch)
    require_branch(branch)
    extension = life_rules.PHOTO_TYPES.get(content_type)
    if extension is None:
        raise ValidationError("PHOTO_TYPE", "照片只能是JPEG或PNG格式", "content_type")
    key = f"{photo_prefix(branch_id)}{clock.new_id('f')}.{extension}"
    return key, storage.upload_url("uploads", key, content_type)


def _check_photos(branch_id: str, photo_keys: list[str]) -> None:
    if len(photo_keys) > life_rules.MAX_PHOTOS:
        raise ValidationError("PHOTO_COUNT", f"每次组织生活最多上传{life_rules.MAX_PHOTOS}张照片", "photo_keys")
    if len(set(photo_keys)) != len(photo_keys):
        raise ValidationError("PHOTO_DUPLICATE", "照片重复", "photo_keys")
    for key in photo_keys:
        found = storage.describe("uploads", key) if key.startswith(photo_prefix(branch_id)) else None
        if found is None:
            raise ValidationError("PHOTO_MISSING", "照片未上传或不属于本团支部", "photo_keys")
        if found[0] > life_rules.MAX_PHOTO_BYTES:
            raise ValidationError("PHOTO_TOO_LARGE", "每张照片不能超过5MB", "photo_keys")


def _members(ids: list[str]) -> dict[str, Member]:
    """The members of `ids` that exist, by id (BatchGetItem, 100 a request)."""
    found: dict[str, Member] = {}
    for start in range(0, len(ids), 100):
        for item in Member.batch_get([(keys.member_pk(i), keys.META) for i in ids[start : start + 100]]):
            if isinstance(item, Member):
                found[item.member_id] = item
    return found


def _check_attendees(branch_id: str, attendees: list[Attendee]) -> None:
    ids = [a.member_id for a in attendees]
    if not 1 <= len(ids) <= life_rules.MAX_ATTENDEES:
        raise ValidationError("ATTENDEE_COUNT", f"参加人员应为1至{life_rules.MAX_ATTENDEES}名团员", "attendees")
    if len(set(ids)) != len(ids):
        raise ValidationError("ATTENDEE_DUPLICATE", "参加人员名单中有重复的团员", "attendees")
    if not any(a.present for a in attendees):
        raise ValidationError("NOBODY_PRESENT", "至少应有一名团员出席", "attendees")
    found = _members(ids)
    for member_id in ids:
        member = found.get(member_id)
        if member is None or member.branch_id != branch_id or member.state != MemberState.NORMAL:
            raise ValidationError("ATTENDEE_NOT_IN_BRANCH", "参加人员须为本团支部的团员", "attendees")


def record(principal: Principal, branch_id: str, entry: MeetingEntry) -> LifeMeeting:
    """LIFE-1: the branch (or an organisation above it) records a meeting or lecture held.
    Raises ValidationError, RuleViolation, ForbiddenError."""
    branch = get_org(branch_id)
    operator = authorize(principal, "life.record", branch)
    require_branch(branch)
    life_rules.check_held_on(entry.held_on, clock.today_in_china())
    _check_attendees(branch_id, entry.attendees)
    _check_photos(branch_id, entry.photo_keys)
    meeting_id = clock.new_id("lm")
    meeting = LifeMeeting(
        keys.life_meeting_pk(meeting_id),
        keys.META,
        gsi1pk=keys.branch_life_pk(branch_id),
        gsi1sk=f"{entry.held_on.isoformat()}#{meeting_id}",
        meeting_id=meeting_id,
        branch_id=branch_id,
        meeting_kind=entry.kind.value,
        held_on=entry.held_on.isoformat(),
        topic=entry.topic,
        minutes=entry.minutes,
        present=[a.member_id for a in entry.attendees if a.present],
        absent=json.dumps(
            [{"member_id": a.member_id, "reason": a.reason or ""} for a in entry.attendees if not a.present],
            ensure_ascii=False,
        ),
        photo_keys=list(entry.photo_keys),
        recorded_by=operator.account_id,
        recorded_by_org_id=operator.org.org_id,
        recorded_at=clock.now(),
    )
    uow = UnitOfWork(operator.actor)
    uow.put(meeting, condition=LifeMeeting.pk.does_not_exist())
    uow.audit(
        "life.record",
        "ORG",
        branch_id,
        branch_id,
        after={
            "meeting_id": meeting_id,
            "kind": entry.kind.value,
            "held_on": meeting.held_on,
            "topic": entry.topic,
            "present": len(meeting.present),
            "photos": len(entry.photo_keys),
        },
    )
    uow.commit()
    return meeting


def get_meeting(meeting_id: str) -> LifeMeeting:
    try:
        return LifeMeeting.get(keys.life_meeting_pk(meeting_id), keys.META, consistent_read=True)
    except LifeMeeting.DoesNotExist as error:
        raise MEETING_NOT_FOUND from error


def read_meeting(principal: Principal, meeting_id: str) -> LifeMeeting:
    meeting = get_meeting(meeting_id)
    authorize(principal, "life.read", get_org(meeting.branch_id))
    return meeting


class MeetingView(msgspec.Struct, frozen=True):
    """One meeting as its page shows it: the attendees' names and a link to each photo."""

    meeting: LifeMeeting
    names: dict[str, str]  # member id -> name, of those present and absent
    photo_urls: list[tuple[str, str]]  # (object key, presigned GET valid DOWNLOAD_SECONDS)


def meeting_view(principal: Principal, meeting_id: str) -> MeetingView:
    """The meeting, with its attendees named (one BatchGetItem a hundred) and its photos linked."""
    meeting = read_meeting(principal, meeting_id)
    present = [str(member_id) for member_id in meeting.present or []]
    ids = list(dict.fromkeys([*present, *(a.member_id for a in absences(meeting))]))
    names = {member_id: member.name for member_id, member in _members(ids).items()}
    photos = [(str(key), storage.view_url("uploads", str(key))) for key in meeting.photo_keys or []]
    return MeetingView(meeting, names, photos)


def meetings(
    principal: Principal, branch_id: str, year: int | None, cursor: str | None, limit: int
) -> tuple[list[LifeMeeting], str | None]:
    """A branch's meetings and lectures by the date held, newest first (one Query of gsi1 a
    page), of one year if asked."""
    authorize(principal, "life.read", get_org(branch_id))
    condition = LifeMeeting.gsi1sk.startswith(f"{year:04d}-") if year is not None else None
    items, next_cursor = paging.query_page(
        LifeMeeting.by_gsi1.query,
        keys.branch_life_pk(branch_id),
        condition,
        limit=limit,
        cursor=cursor,
        scan_index_forward=False,
    )
    return [i for i in items if isinstance(i, LifeMeeting)], next_cursor


def absences(meeting: LifeMeeting) -> list[Attendee]:
    return [Attendee(a["member_id"], False, a["reason"] or None) for a in json.loads(meeting.absent)]
