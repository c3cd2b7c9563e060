"""What is told to whom, and when SMS may go (MSG-1, MSG-2): pure, no I/O.

A notification is one of `Kind`; its text is rendered from named parameters. Every kind goes
in-app and by WeChat (a subscribe message, where the person gave an openid); the urgent ones
also by SMS. The mandatory kinds (a decision on one's own registration
or transfer, a deadline about to pass) cannot be turned off; the others can, kind by kind, and
the SMS and WeChat channels can be turned off for them. No SMS between 22:00 and 08:00 China time (held
until morning), and at most SMS_DAILY_CAP a person a China day.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum

from zhtj.core.clock import CHINA_TZ


class Kind(StrEnum):
    REGISTRATION_APPROVED = "REGISTRATION_APPROVED"
    REGISTRATION_RETURNED = "REGISTRATION_RETURNED"
    REGISTRATION_REFUSED = "REGISTRATION_REFUSED"
    EDIT_DECIDED = "EDIT_DECIDED"
    TRANSFER_STEP_WAITING = "TRANSFER_STEP_WAITING"
    REVIEW_ESCALATED = "REVIEW_ESCALATED"
    TRANSFER_DECIDED = "TRANSFER_DECIDED"
    CADRE_INVITED = "CADRE_INVITED"
    DUES_REMINDER = "DUES_REMINDER"
    DEADLINE_NEAR = "DEADLINE_NEAR"


class Channel(StrEnum):
    IN_APP = "IN_APP"
    SMS = "SMS"
    WECHAT = "WECHAT"  # WeChat subscribe messages, to an account that gave its openid


# Cannot be turned off (issue 17): a decision on one's own registration or transfer, a deadline.
MANDATORY = frozenset(
    {
        Kind.REGISTRATION_APPROVED,
        Kind.REGISTRATION_RETURNED,
        Kind.REGISTRATION_REFUSED,
        Kind.TRANSFER_DECIDED,
        Kind.DEADLINE_NEAR,
    }
)
# Also sent by SMS: the mandatory kinds, a transfer step or an overdue review waiting at one's
# organisation, 催交.
BY_SMS = MANDATORY | {Kind.TRANSFER_STEP_WAITING, Kind.REVIEW_ESCALATED, Kind.DUES_REMINDER}

SMS_DAILY_CAP = 5
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(8, 0)
# SQS delays a message at most 15 minutes: a held SMS is re-queued until the morning comes.
MAX_DELAY_SECONDS = 900
# 催交 (MSG-2): one reminder per member per week.
REMINDER_INTERVAL = timedelta(days=7)

_TEXTS: dict[Kind, tuple[str, str]] = {
    Kind.REGISTRATION_APPROVED: ("入团申请已通过", "您的入团登记已由{branch}审核通过。"),
    Kind.REGISTRATION_RETURNED: ("入团申请被退回", "您的入团登记被退回，理由：{reason}。请修改后重新提交。"),
    Kind.REGISTRATION_REFUSED: ("入团申请未能受理", "您的入团登记未能受理：{reason}"),
    Kind.EDIT_DECIDED: ("信息修改申请已处理", "您的团员信息修改申请{outcome}。{reason}"),
    Kind.TRANSFER_STEP_WAITING: (
        "有待审批的组织关系转接",
        "团员{member}的组织关系转接等待本组织审批，请在{due}前处理。",
    ),
    Kind.REVIEW_ESCALATED: ("入团审核已超期", "{member}的入团登记已超过审核期限，现由本组织审核，请及时处理。"),
    Kind.TRANSFER_DECIDED: ("组织关系转接有新进展", "您的组织关系转接{outcome}。{reason}"),
    Kind.CADRE_INVITED: ("团干部邀请", "{org}邀请您担任{position}，请查收短信中的链接接受邀请。"),
    Kind.DUES_REMINDER: ("团费催交提醒", "{branch}提醒您：您尚有{months}个月的团费未交，请及时交纳。"),
    Kind.DEADLINE_NEAR: ("事项即将到期", "{what}将于{due}到期，请及时处理。"),
}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(kind: Kind, params: dict[str, str]) -> tuple[str, str]:
    """The title and the text of a notification (a parameter not given renders empty)."""
    title, text = _TEXTS[kind]
    return title, text.format_map(_Blank(params)).strip()


def channels(kind: Kind) -> tuple[Channel, ...]:
    """In-app always; WeChat for every kind (when the deployment has the channel, the kind a
    template and the account an openid: zhtj.messages.delivery); SMS for the urgent ones."""
    if kind in BY_SMS:
        return (Channel.IN_APP, Channel.WECHAT, Channel.SMS)
    return (Channel.IN_APP, Channel.WECHAT)


def wanted(kind: Kind, channel: Channel, off_kinds: set[str], off_channels: set[str]) -> bool:
    """Whether a person's preferences let `kind` through `channel` (mandatory kinds always do;
    in-app always goes)."""
    if kind in MANDATORY:
        return True
    if kind.value in off_kinds:
        return False
    return channel == Channel.IN_APP or channel.value not in off_channels


def quiet_delay(at: datetime) -> int:
    """Seconds to hold an SMS at `at` (0 outside quiet hours): until 08:00 China time, at most
    MAX_DELAY_SECONDS at a time (the holder re-queues it again)."""
    local = at.astimezone(CHINA_TZ)
    clock = local.time()
    if QUIET_UNTIL <= clock < QUIET_FROM:
        return 0
    morning = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if clock >= QUIET_FROM:
        morning += timedelta(days=1)
    return max(1, min(MAX_DELAY_SECONDS, int((morning - local).total_seconds())))


def china_day(at: datetime) -> str:
    return at.astimezone(CHINA_TZ).date().isoformat()


def china_time(at: datetime) -> str:
    """A moment as a notification names it: 12月05日 18:00 (China time)."""
    return at.astimezone(CHINA_TZ).strftime("%m月%d日 %H:%M")


def wechat_time(at: datetime) -> str:
    """A moment as a WeChat template's time field takes it: 2026-12-05 18:00 (China time)."""
    return at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
