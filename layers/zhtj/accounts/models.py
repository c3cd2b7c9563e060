"""Table items of accounts: Account, PhoneLogin, IdLogin, ResetCode, Invitation."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute

from zhtj.table.base import Item


class Account(Item, discriminator="Account"):
    """A person's one account for every role (一号通, ACCT-1): pk ACCOUNT#<id>, sk META. Signs in
    with its phone (or, once a member, the ID number) and its password (Argon2id hash);
    `registration_id` is its registration while one is live or approved (ACCT-2: one at a time),
    `member_id` its member record once approved. An initial password (ACCT-6) must be changed
    before anything else."""

    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    must_change_password = BooleanAttribute(default=False)
    member_id = UnicodeAttribute(null=True)
    registration_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    password_changed_at = UTCDateTimeAttribute(null=True)


class PhoneLogin(Item, discriminator="PhoneLogin"):
    """The one account a mobile number signs in to: pk PHONE#<E.164 number>, sk META."""

    account_id = UnicodeAttribute()


class IdLogin(Item, discriminator="IdLogin"):
    """The one account an ID number binds to (ACCT-2): pk IDLOGIN#<blind index>, sk META;
    written when the account's registration is approved."""

    account_id = UnicodeAttribute()


class ResetCode(Item, discriminator="ResetCode"):
    """A one-time reset code the member's branch issued (ACCT-4), stored hashed: pk
    ACCOUNT#<account>, sk RESETCODE; valid two days (TTL), used once."""

    code_hash = UnicodeAttribute()
    issued_by = UnicodeAttribute()
    org_id = UnicodeAttribute()


class Invitation(Item, discriminator="Invitation"):
    """A cadre invited by SMS (ACCT-5): pk INVITE#<sha256 of the token>, sk META. Accepting it
    binds the position to the person's account; used once; expires (TTL) after seven days."""

    org_id = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute()
    position = UnicodeAttribute()
    invited_by = UnicodeAttribute()
    invited_at = UTCDateTimeAttribute()
    accepted_by = UnicodeAttribute(null=True)
    accepted_at = UTCDateTimeAttribute(null=True)
