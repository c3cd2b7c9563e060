"""Notification preferences (issue 17): the optional kinds, and the SMS channel for them, may be
turned off; the mandatory kinds and the in-app channel may not."""

from __future__ import annotations

from collections.abc import Sequence

from zhtj.core import clock
from zhtj.core.errors import ValidationError
from zhtj.messages.models import NotificationPrefs
from zhtj.messages.rules import MANDATORY, Channel, Kind
from zhtj.table import keys


def get(account_id: str) -> NotificationPrefs:
    """The account's preferences (nothing turned off when it never set any)."""
    try:
        return NotificationPrefs.get(keys.account_pk(account_id), keys.PREFERENCES_SK)
    except NotificationPrefs.DoesNotExist:
        return NotificationPrefs(
            keys.account_pk(account_id), keys.PREFERENCES_SK, off_kinds=[], off_channels=[], updated_at=clock.now()
        )


def off(account_id: str) -> tuple[set[str], set[str]]:
    prefs = get(account_id)
    return {str(k) for k in prefs.off_kinds or []}, {str(c) for c in prefs.off_channels or []}


def set_off(account_id: str, off_kinds: Sequence[str], off_channels: Sequence[str]) -> NotificationPrefs:
    """Replace what the account turned off. ValidationError beside `off_kinds` for an unknown or
    mandatory kind, beside `off_channels` for an unknown channel or the in-app one."""
    for name in off_kinds:
        if name not in Kind.__members__:
            raise ValidationError("UNKNOWN_NOTICE_KIND", f"没有“{name}”这类通知", "off_kinds")
        if Kind(name) in MANDATORY:
            raise ValidationError(
                "MANDATORY_NOTICE",
                "本人入团申请和组织关系转接的审批结果、即将到期的事项必须通知，不能关闭",
                "off_kinds",
            )
    for name in off_channels:
        if name not in Channel.__members__:
            raise ValidationError("UNKNOWN_CHANNEL", f"没有“{name}”这种通知渠道", "off_channels")
        if Channel(name) == Channel.IN_APP:
            raise ValidationError("IN_APP_REQUIRED", "站内信不能关闭", "off_channels")
    prefs = NotificationPrefs(
        keys.account_pk(account_id),
        keys.PREFERENCES_SK,
        off_kinds=sorted(set(off_kinds)),
        off_channels=sorted(set(off_channels)),
        updated_at=clock.now(),
    )
    prefs.save()
    return prefs
