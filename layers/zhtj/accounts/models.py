"""Table items of accounts: Account."""

from __future__ import annotations

from pynamodb.attributes import (
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item


class Account(Item, discriminator="Account"):
    """A login: pk ACCOUNT#<id>, sk META. A cadre's or member's account names their member record."""

    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    member_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
