"""Table items of notices (通知公告, MSG-3): Notice, NoticeTarget, NoticeRead, NoticeCount.

A notice is stored once under its publisher, never a row per reader: readers find it by
querying the notice box (gsi1 NOTICEBOX#<org>) of each organisation on their path."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from zhtj.table.base import Item


class Notice(Item, discriminator="Notice"):
    """A notice: pk NOTICE#<notice>, sk META; gsi1 NOTICEBOX#<publisher> / <published at>#<notice>
    when addressed to the publisher's whole subtree (absent for chosen children: NoticeTarget);
    gsi2 NOTICEPUB#<publisher> / <published at>#<notice> (the publisher's list)."""

    notice_id = UnicodeAttribute()
    publisher_org_id = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    audience = UnicodeAttribute()  # notices.rules.Audience
    child_ids = ListAttribute(of=UnicodeAttribute, default=list)  # CHILDREN: the chosen children
    attachments = UnicodeAttribute(default="[]")  # JSON list of {key, file_name, size}
    published_by = UnicodeAttribute()
    published_by_org_id = UnicodeAttribute()
    published_at = UTCDateTimeAttribute()


class NoticeTarget(Item, discriminator="NoticeTarget"):
    """A chosen child of a notice: pk NOTICE#<notice>, sk TO#<child>; gsi1 NOTICEBOX#<child> /
    <published at>#<notice>. Carries what a reader's list shows."""

    notice_id = UnicodeAttribute()
    publisher_org_id = UnicodeAttribute()
    title = UnicodeAttribute()
    published_at = UTCDateTimeAttribute()


class NoticeRead(Item, discriminator="NoticeRead"):
    """One reader read the notice: pk NOTICE#<notice>, sk READ#<reader> (M:<member> or
    A:<account>), put on condition it is absent, with its counter's increment."""

    notice_id = UnicodeAttribute()
    reader = UnicodeAttribute()
    org_id = UnicodeAttribute()  # the reader's organisation
    counted_org_id = UnicodeAttribute()
    read_at = UTCDateTimeAttribute()


class NoticeCount(Item, discriminator="NoticeCount"):
    """One shard of the readers counted under one organisation (a child of the publisher, or the
    publisher itself): pk NOTICE#<notice>, sk COUNT#<org>#<shard>."""

    org_id = UnicodeAttribute(null=True)
    reads = NumberAttribute(default=0)
