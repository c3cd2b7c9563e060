"""Routes of in-app messages (站内信), notification preferences and the
branch's 催交 (MSG-1, MSG-2). Thin: parse, call logic, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.http import PageQuery, api
from chalicelib.messages.schemas import (
    MessageOut,
    PreferencesIn,
    PreferencesOut,
    ReadAllOut,
    ReminderIn,
    ReminderOut,
    ReminderRefusal,
    UnreadOut,
)
from chalicelib.schemas import Page
from zhtj.messages import inbox, preferences
from zhtj.messages.models import NotificationPrefs
from zhtj.messages.rules import MANDATORY
from zhtj.reminders import dues as dues_reminders
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "消息"


@api(bp, "/me/messages", "GET", summary="我的站内信（未读在前）", query=PageQuery, response=Page[MessageOut], tag=TAG)
def messages(principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = inbox.listing(principal.account_id, query.cursor, query.limit)
    return Page[MessageOut](items=[MessageOut.model_validate(m) for m in items], next_cursor=cursor)


@api(bp, "/me/messages/unread-count", "GET", summary="未读站内信数", response=UnreadOut, tag=TAG)
def unread_count(principal: Principal) -> BaseModel:
    return UnreadOut(unread=inbox.unread_count(principal.account_id))


@api(bp, "/me/messages/{message_id}/read", "POST", summary="标记站内信已读", response=MessageOut, tag=TAG)
def read(message_id: str, principal: Principal) -> BaseModel:
    return MessageOut.model_validate(inbox.read(principal.account_id, message_id))


@api(bp, "/me/messages/read-all", "POST", summary="全部标记已读", response=ReadAllOut, tag=TAG)
def read_all(principal: Principal) -> BaseModel:
    return ReadAllOut(marked=inbox.read_all(principal.account_id))


def _preferences_out(prefs: NotificationPrefs) -> PreferencesOut:
    return PreferencesOut(
        off_kinds=list(prefs.off_kinds or []),
        off_channels=list(prefs.off_channels or []),
        mandatory_kinds=sorted(k.value for k in MANDATORY),
    )


@api(bp, "/me/notification-preferences", "GET", summary="通知设置", response=PreferencesOut, tag=TAG)
def get_preferences(principal: Principal) -> BaseModel:
    return _preferences_out(preferences.get(principal.account_id))


@api(
    bp,
    "/me/notification-preferences",
    "PUT",
    summary="修改通知设置（必须通知的类别不能关闭）",
    body=PreferencesIn,
    response=PreferencesOut,
    tag=TAG,
)
def put_preferences(principal: Principal, body: PreferencesIn) -> BaseModel:
    return _preferences_out(preferences.set_off(principal.account_id, body.off_kinds, body.off_channels))


@api(
    bp,
    "/orgs/{branch_id}/dues/reminders",
    "POST",
    summary="团支部催交团费（每名团员每周至多一次）",
    body=ReminderIn,
    response=ReminderOut,
    tag=TAG,
)
def remind_dues(branch_id: str, principal: Principal, body: ReminderIn) -> BaseModel:
    outcome = dues_reminders.remind(principal, branch_id, body.member_ids)
    return ReminderOut(
        reminded=outcome.reminded,
        refused=[ReminderRefusal(member_id=m, code=e.code, message=e.message) for m, e in outcome.refused],
    )
