"""Pure rules of notices (通知公告, MSG-3): audiences, attachment types and sizes, the read
counters' shards, an organisation's ancestors from its materialized path."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum


class Audience(StrEnum):
    SUBTREE = "SUBTREE"  # the publisher's whole subtree (its own members and operators included)
    CHILDREN = "CHILDREN"  # chosen direct children and everything below them


# Content type -> the extension of the uploaded object.
ATTACHMENT_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "image/jpeg": "jpg",
    "image/png": "png",
}
EXTENSIONS = frozenset({*ATTACHMENT_TYPES.values(), "jpeg"})
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
# The uploads bucket's lifecycle deletes notice attachments (prefix notices/) this many days after
# their upload (infra/provision.py UPLOADS_LIFECYCLE_RULES, the template); readers are shown an
# attachment as expired, without a link, from ATTACHMENT_SHOWN_DAYS after the notice's publication
# (the upload comes shortly before it: the month between is the margin). An attachment uploaded
# and never published goes the same way.
ATTACHMENTS_PREFIX = "notices/"  # in the uploads bucket: notices/<org>/<file id>.<ext>
ATTACHMENT_KEPT_DAYS = 3 * 365
ATTACHMENT_SHOWN_DAYS = ATTACHMENT_KEPT_DAYS - 30
# One transaction holds the notice, a row per chosen child and the audit record (100 at most).
MAX_CHOSEN_CHILDREN = 50
# Read counters per child are split in shards (summed on read) so a hot notice spreads its writes.
COUNT_SHARDS = 10

TYPE_MESSAGE = "附件只能是PDF、Word（docx）、Excel（xlsx）、JPG或PNG文件"
SIZE_MESSAGE = "每个附件不能超过20MB"


def extension_allowed(file_name: str) -> bool:
    _, dot, extension = file_name.rpartition(".")
    return bool(dot) and extension.lower() in EXTENSIONS


def ancestors(path: str) -> list[str]:
    """The organisations of a materialized path (`/root/a/b/`), the root first, itself last."""
    return [part for part in path.split("/") if part]


def shard_of(reader: str) -> int:
    """A reader's counter shard: fixed per reader, spread over COUNT_SHARDS."""
    return int.from_bytes(hashlib.sha256(reader.encode()).digest()[:4], "big") % COUNT_SHARDS


def counted_under(path_ids: list[str], publisher_id: str) -> str:
    """The organisation a reader's read counts under: their ancestor one level below the
    publisher, or the publisher itself for a reader at the publisher."""
    at = path_ids.index(publisher_id)
    return path_ids[at + 1] if at + 1 < len(path_ids) else publisher_id


def in_audience(path_ids: list[str], publisher_id: str, audience: str, chosen: list[str]) -> bool:
    """Whether a reader at the organisation of `path_ids` is addressed by the notice."""
    if publisher_id not in path_ids:
        return False
    if audience == Audience.SUBTREE:
        return True
    at = path_ids.index(publisher_id)
    return at + 1 < len(path_ids) and path_ids[at + 1] in chosen


def attachments_expired(published_at: datetime, now: datetime) -> bool:
    """Whether a notice's attachments are past what the uploads bucket keeps (shown without links)."""
    return now - published_at >= timedelta(days=ATTACHMENT_SHOWN_DAYS)


def read_rate(reads: int, members: int) -> float | None:
    """Readers over members (4 decimals), None without members. Operators read too, so a small
    organisation's rate may pass 1: it is shown as it is, never capped."""
    return round(reads / members, 4) if members else None
