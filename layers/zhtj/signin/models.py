"""Table items of sign-in: Session, RefreshToken and SmsCode (ACCT-1, ACCT-3)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from zhtj.table.base import Item


class Session(Item, discriminator="Session"):
    """One signed-in device: pk ACCOUNT#<account>, sk SESSION#<id>. Every access token names its
    session, and every request checks it is still open (signing out, a password change or the
    reuse of a spent refresh token closes it). Expires (TTL) when its last refresh token would."""

    session_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    acting_org_id = UnicodeAttribute(null=True)
    opened_at = UTCDateTimeAttribute()
    closed_at = UTCDateTimeAttribute(null=True)
    closed_because = UnicodeAttribute(null=True)


class RefreshToken(Item, discriminator="RefreshToken"):
    """A refresh token, stored hashed: pk REFRESH#<sha256 of the token>, sk META. Used once:
    refreshing spends it and issues the next of its session (its family); presenting a spent
    one again closes the whole session. Expires (TTL) with its lifetime."""

    account_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    spent = BooleanAttribute(default=False)


class SmsCode(Item, discriminator="SmsCode"):
    """The live SMS code of one phone for one purpose (ACCT-1, ACCT-3, ACCT-4): pk
    SMSCODE#<phone>#<purpose>, sk META. Stored hashed; replaced by a newer code; deleted when
    used (once); void after five wrong tries; expires (TTL) after five minutes."""

    code_hash = UnicodeAttribute()
    wrong_tries = NumberAttribute(default=0)
