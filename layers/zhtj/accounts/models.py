"""Table items of accounts: Account, PhoneLogin, IdLogin, ResetCode, Invitation."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute

from zhtj.table.base import Item


class Account(Item, discriminator="Account"):
    """A person's one account for every role (一号通, ACCT-1): pk ACCOUNT#<id>, sk META. Signs in
    with its phone (or, once a member, the ID number) and its password (Argon2id hash);
    `registration_id` is its registration while one is live or approved (ACCT-2: one at a time),
    `member_id` its member record once approved. An initial password (ACCT-6) must be changed
    before anything else. `wechat_openid`: the person under the league's WeChat official account
    (zhtj.accounts.wechat): a JSAPI payment's payer and where WeChat notifications go."""

    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    must_change_password = BooleanAttribute(default=False)
    member_id = UnicodeAttribute(null=True)
    registration_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    password_changed_at = UTCDateTimeAttribute(null=True)
    # WEB-1, MSG-1: the person's openid under the official account (PUT /me/wechat-openid, from
    # an snsapi_base code): JSAPI pays for it, subscribe notifications go to it.
    wechat_openid = UnicodeAttribute(null=True)


class PhoneLogin(Item, discriminator="PhoneLogin"):
    """The one account a mobile number signs in to: pk PHONE#<E.164 number>, sk META."""

    account_id = UnicodeAttribute()


class IdLogin(Item, discriminator="IdLogin"):
    """The one account an ID number binds to (ACCT-2): pk IDLOGIN#<blind index>, sk META;
    written when the account's registration is approved."""

    account_id = UnicodeAttribute()


class ResetCode(Item, discriminator="ResetCode"):
    """A one-time code the member's branch issued (ACCT-4), stored hashed, valid two days (TTL),
    used once: pk ACCOUNT#<account>, sk RESETCODE resets the password of a member's account; pk
    IDLOGIN#<blind index>, sk RESETCODE binds a member who has no account yet (an imported
    member) to the account that presents it with the ID number (`member_id`)."""

    code_hash = UnicodeAttribute()
    issued_by = UnicodeAttribute()
    org_id = UnicodeAttribute()
    member_id = UnicodeAttribute(null=True)


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
