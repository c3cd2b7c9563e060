"""HTTP models of messages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    message_id: str
    notice_kind: str = Field(description="通知类别")
    title: str
    text: str
    created_at: datetime
    read_at: datetime | None


class UnreadOut(BaseModel):
    unread: int


class ReadAllOut(BaseModel):
    marked: int


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    off_kinds: list[str] = Field(default_factory=list, max_length=20, description="关闭的可选通知类别")
    off_channels: list[str] = Field(
        default_factory=list, max_length=5, description="对可选通知关闭的渠道（SMS、WECHAT）"
    )


class PreferencesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    off_kinds: list[str]
    off_channels: list[str]
    mandatory_kinds: list[str] = Field(description="必须通知、不能关闭的类别")


class ReminderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_ids: list[str] | None = Field(default=None, max_length=500, description="不填则催交本支部所有欠费团员")


class ReminderRefusal(BaseModel):
    member_id: str
    code: str
    message: str


class ReminderOut(BaseModel):
    reminded: list[str]
    refused: list[ReminderRefusal]
