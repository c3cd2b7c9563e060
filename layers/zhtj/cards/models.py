"""Table items of cards: CardState."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item


class CardState(Item, discriminator="CardState"):
    """A member's card: pk MEMBER#<member>, sk CARD; while the content is newer than the last
    render, gsi2 CARDDUE#<shard> / <pending since, fixed-width UTC>#<member> (the card sweep).

    `content_version` moves (ADD 1) in every transaction that changes what the card shows
    (cards/service.changed); `rendered_version` is the content version of the stored PDF and only
    ever grows (the render's conditional write). The member's display preferences live here
    too, so that changing them bumps the content version in the same single-item write."""

    member_id = UnicodeAttribute()
    card_number = UnicodeAttribute()
    content_version = NumberAttribute(default=0)
    changed_at = UTCDateTimeAttribute(null=True)
    pending_since = UTCDateTimeAttribute(null=True)
    rendered_version = NumberAttribute(default=0)
    rendered_at = UTCDateTimeAttribute(null=True)
    # The S3 object version (bucket role `cards`) holding the PDF of rendered_version.
    object_key = UnicodeAttribute(null=True)
    object_version = UnicodeAttribute(null=True)
    size_bytes = NumberAttribute(null=True)
    verify_token = UnicodeAttribute(null=True)  # the verification token the stored PDF's QR code holds
    renders = NumberAttribute(default=0)
    # Preferences (REFERENCE: the member chooses what the card shows).
    dues_by_month = BooleanAttribute(default=True)
    hidden_fields = UnicodeAttribute(null=True)  # comma-separated optional field names
    shown_awards = UnicodeAttribute(null=True)  # comma-separated award ids; absent = all rewards
