"""Notifications in the tests (MSG-1): the world with its enrolments' notices delivered, the
worker run until its queue is empty at a chosen China time, and a person's inbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.support import World, call, drain, sms
from tests.support.deadlines import at
from zhtj.core.clock import CHINA_TZ
from zhtj.members.models import Member
from zhtj.messages.rules import Kind
from zhtj.table import keys

NOON = datetime.now(CHINA_TZ).replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def settled(client: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The world with what its enrolments queued already delivered, and the SMS outbox empty."""
    deliver(client, monkeypatch)
    sms.clear()
    yield world


def deliver(client: Any, monkeypatch: pytest.MonkeyPatch, moment: datetime = NOON) -> int:
    """Run the notification worker until its queue is empty, with the worker's clock at `moment`
    (noon in China: outside quiet hours); the requests before it keep the real clock."""
    with monkeypatch.context() as patched:
        at(patched, moment)
        return drain(client, "notifications")


def inbox(client: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    status, page = call(client, "GET", "/me/messages?limit=100", headers)
    assert status == 200, page
    return list(page["items"])


def of_kind(client: Any, headers: dict[str, str], kind: Kind) -> list[dict[str, Any]]:
    """The inbox's messages of one kind (the world's members already hold their approval's)."""
    return [m for m in inbox(client, headers) if m["notice_kind"] == kind]


def owe_dues(member_id: str) -> None:
    """The member owes every month since 2020-01 (joined then, never paid)."""
    Member.get(keys.member_pk(member_id), keys.META).update(actions=[Member.join_month.set("2020-01")])
