"""Accounts and sign-in through the HTTP API (ACCT-1..6): signing up with an SMS code, signing
in by phone or ID number, sessions and refresh tokens, resets, invitations, administrators'
initial passwords, and the attacks the issue names (brute force, SMS flooding, code reuse,
refresh-token reuse, enumeration)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support import World, call, drain, sms
from tests.support.accounts import JSON, PASSWORD, bearer, e164, invitation_token, invite, signed_up
from tests.support.registration import follow, form, make_id, registered
from tests.support.sessions import session_token
from zhtj.accounts.models import Account
from zhtj.core.clock import now
from zhtj.members.models import Member
from zhtj.signin import codes, passwords
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord

PHONE = "13912345678"


def _code(client: Any, phone: str, purpose: str, caller: str | None = None) -> tuple[int, Any]:
    return call(client, "POST", "/auth/sms-codes", JSON, {"phone": phone, "purpose": purpose})


def _sign_in(client: Any, **body: str) -> tuple[int, Any]:
    return call(client, "POST", "/auth/sign-in", JSON, body)


def _trail(account_id: str) -> list[AuditRecord]:
    return [r for r in AuditRecord.query(keys.audit_pk("ACCOUNT", account_id)) if isinstance(r, AuditRecord)]


# --- ACCT-1: signing up ----------------------------------------------------------------------------


def test_acct_1_sign_up_with_an_sms_code_then_sign_in_with_the_password(client: Any, aws: None) -> None:
    # Given a person who asks for a code and signs up with it
    session = signed_up(client, PHONE)
    # Then they are signed in: a short-lived access token, a refresh token, their account
    assert session["expires_in"] == 900 and session["refresh_token"]
    assert (session["account"]["phone"], session["account"]["member_id"]) == (e164(PHONE), None)
    status, me = call(client, "GET", "/me", bearer(session))
    assert (status, me["account"]["account_id"]) == (200, session["account"]["account_id"])
    # And they sign in again with the phone and the password
    status, again = _sign_in(client, login=PHONE, password=PASSWORD)
    assert (status, again["account"]["account_id"]) == (200, session["account"]["account_id"])
    # And the account stores an Argon2id hash, never the password
    account = Account.get(keys.account_pk(session["account"]["account_id"]), keys.META)
    assert account.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and PASSWORD not in str(
        account.attribute_values
    )


@pytest.mark.parametrize("password", ["abc12", "abcdefgh", "12345678", "abc 12345", "a" * 16 + "1", "密码abc123"])
def test_acct_1_a_password_is_6_to_16_letters_and_digits(client: Any, aws: None, password: str) -> None:
    # Given a code for the phone
    assert _code(client, PHONE, "sign_up")[0] == 202
    body = {"phone": PHONE, "code": sms.last_code(e164(PHONE)), "password": password}
    # When the password breaks the rule, Then the refusal names the field, in Chinese
    status, answer = call(client, "POST", "/auth/sign-up", JSON, body)
    assert (status, answer["code"], answer["field"]) == (400, "PASSWORD_WEAK", "password")
    assert "6至16位" in answer["message"]


def test_acct_1_a_code_works_once_and_a_phone_holds_one_account(client: Any, aws: None) -> None:
    # Given a code used to sign up
    assert _code(client, PHONE, "sign_up")[0] == 202
    code = sms.last_code(e164(PHONE))
    body = {"phone": PHONE, "code": code, "password": PASSWORD}
    assert call(client, "POST", "/auth/sign-up", JSON, body)[0] == 201
    # When it is used again, Then it is refused like any wrong code
    status, answer = call(client, "POST", "/auth/sign-up", JSON, body)
    assert (status, answer["code"], answer["field"]) == (400, "SMS_CODE_WRONG", "code")


def test_acct_3_a_code_expires_after_five_minutes(client: Any, aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a code sent now
    assert _code(client, PHONE, "sign_up")[0] == 202
    code = sms.last_code(e164(PHONE))
    # When it is used six minutes later
    later = now() + timedelta(minutes=6)
    monkeypatch.setattr("zhtj.signin.codes.now", lambda: later)
    status, answer = call(client, "POST", "/auth/sign-up", JSON, {"phone": PHONE, "code": code, "password": PASSWORD})
    # Then it is refused
    assert (status, answer["code"]) == (400, "SMS_CODE_WRONG")


def test_acct_3_a_code_is_void_after_five_wrong_tries(client: Any, aws: None) -> None:
    # Given a code, and five wrong guesses
    assert _code(client, PHONE, "sign_up")[0] == 202
    code = sms.last_code(e164(PHONE))
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        body = {"phone": PHONE, "code": wrong, "password": PASSWORD}
        assert call(client, "POST", "/auth/sign-up", JSON, body)[1]["code"] == "SMS_CODE_WRONG"
    # When the right code comes sixth, Then it no longer works (guessing a million codes is out)
    status, answer = call(client, "POST", "/auth/sign-up", JSON, {"phone": PHONE, "code": code, "password": PASSWORD})
    assert (status, answer["code"]) == (400, "SMS_CODE_WRONG")


# --- ACCT-3: flooding, brute force, enumeration -----------------------------------------------------


def test_acct_3_sms_codes_are_limited_per_phone(client: Any, aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a code sent to a phone, early in an hour (the hour's window holds the next five minutes)
    start = now().replace(minute=5, second=0, microsecond=0)
    monkeypatch.setattr("zhtj.table.limits.now", lambda: start)
    monkeypatch.setattr("zhtj.signin.codes.now", lambda: start)
    assert _code(client, PHONE, "sign_in")[0] == 202
    # When another is asked within the minute, Then it is refused, and nothing more is sent
    status, answer = _code(client, PHONE, "sign_in")
    assert (status, answer["code"], answer["field"]) == (429, "SMS_TOO_FREQUENT", "phone")
    assert len(sms.outbox(e164(PHONE))) == 1
    # And the code sent is audited under the phone (masked), never with the code
    sent = list(AuditRecord.query(keys.audit_pk("PHONE", codes.phone_subject(e164(PHONE)))))
    assert [(r.action, r.after["phone"], r.after["purpose"]) for r in sent] == [
        ("sms_code.sent", "139****5678", "sign_in")
    ]
    assert sms.last_code(e164(PHONE)) not in str(sent[0].after)
    # And at most 5 an hour: one a minute for five minutes, then the sixth is refused
    for minute in range(1, 6):
        moment = start + timedelta(minutes=minute)
        monkeypatch.setattr("zhtj.table.limits.now", lambda moment=moment: moment)
        monkeypatch.setattr("zhtj.signin.codes.now", lambda moment=moment: moment)
        status, answer = _code(client, PHONE, "sign_in")
        if minute < 5:
            assert status == 202, answer
    assert (status, answer["code"]) == (429, "SMS_TOO_FREQUENT") and "1小时" in answer["message"]


def test_acct_3_sms_codes_are_limited_per_caller(client: Any, aws: None) -> None:
    # Given one caller asking codes for many phones (SMS bombing of third parties)
    answers = [_code(client, f"139000000{i:02d}", "sign_up") for i in range(7)]
    # Then past five a minute the caller is refused
    assert [status for status, _ in answers[:5]] == [202] * 5
    assert answers[5][0] == 429 and answers[5][1]["code"] == "SMS_TOO_FREQUENT"
    assert len(sms.outbox()) == 5


def test_acct_3_five_wrong_passwords_lock_password_sign_in_for_15_minutes(client: Any, aws: None) -> None:
    # Given an account
    session = signed_up(client, PHONE)
    # When the password is wrong five times
    for _ in range(5):
        status, answer = _sign_in(client, login=PHONE, password="wrong1234")
        assert (status, answer["code"]) == (401, "SIGNIN_FAILED")
    # Then even the right password is refused for now, with a clear message
    status, answer = _sign_in(client, login=PHONE, password=PASSWORD)
    assert (status, answer["code"]) == (429, "SIGNIN_LOCKED") and "15分钟" in answer["message"]
    # And the failures and the lock are audited, without the passwords
    actions = [r.action for r in _trail(session["account"]["account_id"])]
    assert actions.count("account.sign_in_failed") == 5 and "account.locked" in actions
    assert "wrong1234" not in str([r.after for r in _trail(session["account"]["account_id"])])


def test_acct_3_unknown_and_known_phones_get_the_same_answer_and_work(
    client: Any, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one phone with an account and one without (the rate windows held early in an hour)
    start = now().replace(minute=1, second=0, microsecond=0)
    monkeypatch.setattr("zhtj.table.limits.now", lambda: start)
    signed_up(client, PHONE)
    hashes: list[str] = []
    real = passwords._HASHER

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            hashes.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "_HASHER", Counting())
    # When both sign in with a wrong password
    known = _sign_in(client, login=PHONE, password="wrong1234")
    unknown = _sign_in(client, login="13912340099", password="wrong1234")
    # Then the answers are the same, and each spent one Argon2 verification (the same time)
    assert known == unknown == (401, {"code": "SIGNIN_FAILED", "message": "账号或密码错误", "field": "password"})
    assert len(hashes) == 2
    # And asking for a code answers the same whether or not the phone has an account (a few
    # minutes after the sign-up's code, past the one-a-minute limit)
    later = start + timedelta(minutes=2)
    monkeypatch.setattr("zhtj.table.limits.now", lambda: later)
    assert _code(client, PHONE, "reset") == _code(client, "13912340098", "reset")
    # And the lock counts for an unknown phone as for a known one
    for _ in range(4):
        _sign_in(client, login="13912340099", password="wrong1234")
    assert _sign_in(client, login="13912340099", password="wrong1234")[1]["code"] == "SIGNIN_LOCKED"


def test_acct_3_sign_in_with_an_sms_code(client: Any, aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an account, and a sign-in code sent a minute after sign-up
    session = signed_up(client, PHONE)
    later = now() + timedelta(minutes=2)
    monkeypatch.setattr("zhtj.table.limits.now", lambda: later)
    assert _code(client, PHONE, "sign_in")[0] == 202
    # When it signs in with the code
    status, answer = _sign_in(client, phone=PHONE, code=sms.last_code(e164(PHONE)))
    # Then it is the same account, and the sign-in is audited with its method
    assert (status, answer["account"]["account_id"]) == (200, session["account"]["account_id"])
    signs = [r.after for r in _trail(answer["account"]["account_id"]) if r.action == "account.sign_in"]
    assert signs and signs[-1]["method"] == "sms"


# --- ACCT-3: sessions ---------------------------------------------------------------------------------


def test_acct_3_refresh_rotates_and_a_reused_refresh_token_ends_the_session(client: Any, aws: None) -> None:
    # Given a session
    session = signed_up(client, PHONE)
    # When it refreshes
    status, renewed = call(client, "POST", "/auth/refresh", JSON, {"refresh_token": session["refresh_token"]})
    assert status == 200 and renewed["refresh_token"] != session["refresh_token"]
    assert call(client, "GET", "/me", bearer(renewed))[0] == 200
    # When the spent refresh token is presented again (stolen and replayed)
    status, answer = call(client, "POST", "/auth/refresh", JSON, {"refresh_token": session["refresh_token"]})
    # Then it is refused and the whole session ends: the new tokens stop working too
    assert (status, answer["code"]) == (401, "REFRESH_REUSED")
    assert call(client, "GET", "/me", bearer(renewed))[1]["code"] == "SESSION_ENDED"
    status, answer = call(client, "POST", "/auth/refresh", JSON, {"refresh_token": renewed["refresh_token"]})
    assert status == 401


def test_acct_3_signing_out_ends_the_session_everywhere(client: Any, aws: None) -> None:
    # Given two sessions of one account (a phone and a computer)
    phone_session = signed_up(client, PHONE)
    _, computer = _sign_in(client, login=PHONE, password=PASSWORD)
    # When the phone signs out
    assert call(client, "POST", "/auth/sign-out", bearer(phone_session))[0] == 204
    # Then its access and refresh tokens stop working at once; the other session goes on
    assert call(client, "GET", "/me", bearer(phone_session))[1]["code"] == "SESSION_ENDED"
    refused = call(client, "POST", "/auth/refresh", JSON, {"refresh_token": phone_session["refresh_token"]})
    assert refused[0] == 401
    assert call(client, "GET", "/me", bearer(computer))[0] == 200


def test_acct_3_a_password_change_ends_the_other_sessions(client: Any, aws: None) -> None:
    # Given two sessions
    first = signed_up(client, PHONE)
    _, second = _sign_in(client, login=PHONE, password=PASSWORD)
    # When the first changes the password
    body = {"old_password": PASSWORD, "new_password": "new12345"}
    status, changed = call(client, "PUT", "/me/password", bearer(first), body)
    # Then the first goes on with a fresh token, the second has ended, the new password works
    assert (
        status == 200 and call(client, "GET", "/me", {"Authorization": f"Bearer {changed['access_token']}"})[0] == 200
    )
    assert call(client, "GET", "/me", bearer(second))[1]["code"] == "SESSION_ENDED"
    assert _sign_in(client, login=PHONE, password="new12345")[0] == 200
    assert _sign_in(client, login=PHONE, password=PASSWORD)[0] == 401
    # And a wrong old password is refused beside its field
    status, answer = call(
        client, "PUT", "/me/password", bearer(first), {"old_password": "x", "new_password": "abc98765"}
    )
    assert (status, answer["field"]) == (401, "old_password")


# --- ACCT-4: resets ------------------------------------------------------------------------------------


def test_acct_4_a_forgotten_password_is_reset_with_an_sms_code(
    client: Any, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an account signed in somewhere
    session = signed_up(client, PHONE)
    later = now() + timedelta(minutes=2)
    monkeypatch.setattr("zhtj.table.limits.now", lambda: later)
    # When the owner resets the password with a reset code sent to the phone
    assert _code(client, PHONE, "reset")[0] == 202
    body = {"phone": PHONE, "code": sms.last_code(e164(PHONE)), "new_password": "reset123"}
    assert call(client, "POST", "/auth/password-reset", JSON, body)[0] == 204
    # Then the new password works, the old session has ended, and the reset is audited
    assert _sign_in(client, login=PHONE, password="reset123")[0] == 200
    assert call(client, "GET", "/me", bearer(session))[1]["code"] == "SESSION_ENDED"
    assert "account.password_reset" in [r.action for r in _trail(session["account"]["account_id"])]


def _member_with_account(client: Any, world: World, phone: str, seq: int) -> tuple[dict[str, Any], str, str]:
    """A person who signed up, registered to 华景 and was approved: (session, member id, ID number)."""
    session = signed_up(client, phone)
    id_number = make_id(seq=seq)
    body = form(world, id_number=id_number, phone=phone, development_number=f"2021440100{seq % 100:02d}")
    status, answer = call(client, "POST", "/registrations", bearer(session), body)
    assert status == 202, answer
    drain(client)
    status, approved = call(
        client, "POST", f"/registrations/{answer['registration_id']}/approve", world.headers("huajing")
    )
    assert status == 200, approved
    return session, approved["member_id"], id_number


def test_acct_4_a_branch_reset_code_works_once_for_its_member_only(client: Any, world: World) -> None:
    # Given two members of 华景 with accounts, one of whom lost the phone
    _, lost, lost_id = _member_with_account(client, world, PHONE, 161)
    _, other, other_id = _member_with_account(client, world, "13912345679", 162)
    # When 华景 issues the member a reset code (valid two days), audited under the member
    status, issued = call(client, "POST", f"/members/{lost}/reset-codes", world.headers("huajing"))
    assert (status, issued["valid_days"]) == (201, 2)
    trail = [r.action for r in AuditRecord.query(keys.audit_pk("MEMBER", lost))]
    assert "account.reset_code_issued" in trail
    # Then another member cannot use it with their own ID number
    body = {"id_number": other_id, "reset_code": issued["reset_code"], "new_password": "reset123"}
    status, answer = call(client, "POST", "/auth/password-reset", JSON, body)
    assert (status, answer["code"], answer["field"]) == (400, "RESET_CODE_WRONG", "reset_code")
    # And the member uses it once, then signs in by ID number with the new password
    body = {"id_number": lost_id, "reset_code": issued["reset_code"], "new_password": "reset123"}
    assert call(client, "POST", "/auth/password-reset", JSON, body)[0] == 204
    assert call(client, "POST", "/auth/password-reset", JSON, body)[1]["code"] == "RESET_CODE_WRONG"
    status, answer = _sign_in(client, login=lost_id, password="reset123")
    assert (status, answer["account"]["member_id"]) == (200, lost)
    # And another branch cannot issue one
    status, answer = call(client, "POST", f"/members/{other}/reset-codes", world.headers("lianhua"))
    assert status == 403


# --- ACCT-2: the registration belongs to the account ---------------------------------------------------


def test_acct_2_a_registration_belongs_to_the_signed_in_account(client: Any, world: World) -> None:
    # Given a person who signed up and registered
    session = signed_up(client, PHONE)
    status, answer = call(client, "POST", "/registrations", bearer(session), form(world, phone=PHONE))
    assert status == 202
    drain(client)
    registration_id = answer["registration_id"]
    # Then they follow it from their session
    status, mine = call(client, "GET", "/me/registration", bearer(session))
    assert (status, mine["registration_id"], mine["status"]) == (200, registration_id, "PENDING_REVIEW")
    # And nobody else sees or withdraws it: another account, or an organisation above the branch
    stranger = signed_up(client, "13912340001")
    for headers in (bearer(stranger), world.headers("tianhe")):
        status, answer = call(client, "POST", f"/me/registrations/{registration_id}/withdraw", headers, {"reason": "x"})
        assert (status, answer["code"]) == (404, "REGISTRATION_NOT_FOUND")
    # And a second registration of the account is refused while the first is live
    second = form(world, phone=PHONE, id_number=make_id(seq=171), development_number="202144010071")
    status, answer = call(client, "POST", "/registrations", bearer(session), second)
    drain(client)
    status, refused = call(client, "GET", f"/me/registrations/{answer['registration_id']}", bearer(session))
    assert (refused["status"], refused["registration"]["refusal_code"]) == ("REFUSED", "ACCT-2")
    # And until approval the account can do nothing else
    member_id = world.members["huajing"][0]
    assert call(client, "GET", f"/members/{member_id}", bearer(session))[0] == 403
    # And the real-name check covered the account's phone: a different phone in the form is refused
    status, answer = call(client, "POST", "/registrations", bearer(stranger), form(world, phone=PHONE))
    assert (status, answer["code"], answer["field"]) == (400, "PHONE_NOT_ACCOUNT", "phone")
    # When the applicant withdraws it, Then they may register again
    status, answer = call(
        client, "POST", f"/me/registrations/{registration_id}/withdraw", bearer(session), {"reason": "选错"}
    )
    assert (status, answer["status"]) == (200, "WITHDRAWN")
    status, answer = call(client, "POST", "/registrations", bearer(session), form(world, phone=PHONE))
    drain(client)
    assert call(client, "GET", "/me/registration", bearer(session))[1]["status"] == "PENDING_REVIEW"


def test_acct_2_approval_binds_the_member_and_the_id_number_to_the_account(client: Any, world: World) -> None:
    # Given an approved registration
    _, member_id, id_number = _member_with_account(client, world, PHONE, 181)
    # Then the account is the member's: sign-in by ID number reaches it, and the token says so
    status, signed_in = _sign_in(client, login=id_number, password=PASSWORD)
    assert (status, signed_in["account"]["member_id"]) == (200, member_id)
    assert call(client, "GET", f"/members/{member_id}", bearer(signed_in))[0] == 200
    # And the member cannot register again
    status, answer = call(client, "POST", "/registrations", bearer(signed_in), form(world, phone=PHONE))
    assert (status, answer["code"]) == (422, "ACCT-2")


# --- ACCT-5: cadres invited by SMS ----------------------------------------------------------------------


def test_acct_5_a_cadre_accepts_an_invitation_once(client: Any, world: World) -> None:
    # Given 华景 inviting a new person as 组织委员... (委员)
    status, invitation = invite(client, world, "huajing", "王芳", PHONE, "副书记")
    assert (status, invitation["phone"]) == (201, "139****5678")
    token = invitation_token(e164(PHONE))
    # When they accept, setting a password
    status, accepted = call(client, "POST", f"/auth/invitations/{token}/accept", JSON, {"password": PASSWORD})
    # Then they hold the position, signed in, and can act for 华景
    assert (status, accepted["position"], accepted["org_id"]) == (200, "副书记", world.orgs["huajing"])
    session = accepted["session"]
    status, switched = call(client, "POST", "/me/acting-org", bearer(session), {"org_id": world.orgs["huajing"]})
    assert status == 200
    status, _ = call(
        client, "GET", f"/orgs/{world.orgs['huajing']}/members", {"Authorization": f"Bearer {switched['access_token']}"}
    )
    assert status == 200
    # And accepting twice is refused
    status, answer = call(client, "POST", f"/auth/invitations/{token}/accept", JSON, {"password": PASSWORD})
    assert (status, answer["code"]) == (409, "INVITATION_USED")


def test_acct_5_an_invitation_expires_and_an_existing_account_accepts_signed_in(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person with an account, invited by 天河
    session = signed_up(client, PHONE)
    assert invite(client, world, "tianhe", "王芳", PHONE)[0] == 201
    token = invitation_token(e164(PHONE))
    # When someone accepts without signing in as them, Then it is refused
    status, answer = call(client, "POST", f"/auth/invitations/{token}/accept", JSON, {"password": "other123"})
    assert (status, answer["code"]) == (401, "SIGN_IN_FIRST")
    # When eight days pass, Then the invitation is gone
    later = now() + timedelta(days=8)
    monkeypatch.setattr("zhtj.accounts.invitations.now", lambda: later)
    status, answer = call(client, "POST", f"/auth/invitations/{token}/accept", bearer(session), {})
    assert (status, answer["code"]) == (404, "INVITATION_NOT_FOUND")
    monkeypatch.undo()
    # And within the week the person accepts from their own session: the same account
    status, accepted = call(client, "POST", f"/auth/invitations/{token}/accept", bearer(session), {})
    assert (status, accepted["account"]["account_id"], accepted["session"]) == (
        200,
        session["account"]["account_id"],
        None,
    )


# --- ACCT-6: administrators' initial passwords ------------------------------------------------------------


def test_acct_6_an_initial_password_must_be_changed_at_first_sign_in(client: Any, world: World) -> None:
    # Given 天河 creating its new child's administrator (a person without an account)
    status, made = call(
        client,
        "POST",
        f"/orgs/{world.orgs['huajing']}/admin-accounts",
        world.headers("tianhe"),
        {"name": "新管理员", "phone": PHONE},
    )
    assert status == 201 and made["initial_password"], made
    # When the administrator signs in with it
    status, session = _sign_in(client, login=PHONE, password=made["initial_password"])
    assert (status, session["account"]["must_change_password"]) == (200, True)
    # Then nothing but reading themself and changing the password is allowed
    status, answer = call(client, "POST", "/me/acting-org", bearer(session), {"org_id": world.orgs["huajing"]})
    assert (status, answer["code"]) == (403, "PASSWORD_CHANGE_REQUIRED")
    assert call(client, "GET", "/me", bearer(session))[0] == 200
    body = {"old_password": made["initial_password"], "new_password": "mine1234"}
    status, changed = call(client, "PUT", "/me/password", bearer(session), body)
    assert status == 200
    fresh = {"Authorization": f"Bearer {changed['access_token']}", **JSON}
    status, switched = call(client, "POST", "/me/acting-org", fresh, {"org_id": world.orgs["huajing"]})
    assert status == 200, switched
    # And every step is on the account's trail (sign-in, change, switch), without passwords
    trail = _trail(session["account"]["account_id"])
    assert {"account.sign_in", "account.password_change", "account.act_for"} <= {r.action for r in trail}
    assert made["initial_password"] not in str([(r.before, r.after) for r in trail])


def test_acct_4_an_imported_member_binds_the_account_they_sign_up_with(client: Any, world: World) -> None:
    # Given a member entered by a spreadsheet import and approved (a member record, no account)
    from tests.support.imports import person, run_import, workbook

    done = run_import(client, world, "huajing", workbook([person(191, None)]))
    assert (done["state"], done["rows_good"]) == ("DONE", 1), done
    status, page = call(client, "GET", f"/orgs/{world.orgs['huajing']}/registrations", world.headers("huajing"))
    names = [r["name"] for r in page["items"]]
    assert person(191, None)["姓名"] in names, (names, done)
    imported = page["items"][names.index(person(191, None)["姓名"])]
    status, approved = call(
        client, "POST", f"/registrations/{imported['registration_id']}/approve", world.headers("huajing")
    )
    assert status == 200, approved
    member = Member.get(keys.member_pk(approved["member_id"]), keys.META)
    assert member.account_id is None
    id_number = make_id(seq=191)
    # When their branch issues a one-time code, and the person signs up with their own phone
    status, issued = call(client, "POST", f"/members/{member.member_id}/reset-codes", world.headers("huajing"))
    assert status == 201, issued
    session = signed_up(client, PHONE)
    # Then a wrong code is refused beside its field, and the right one binds the account to the member
    wrong = {"id_number": id_number, "reset_code": "00000000" if issued["reset_code"] != "00000000" else "1"}
    status, answer = call(client, "POST", "/me/member-binding", bearer(session), wrong)
    assert (status, answer["code"], answer["field"]) == (400, "RESET_CODE_WRONG", "reset_code")
    body = {"id_number": id_number, "reset_code": issued["reset_code"]}
    status, bound = call(client, "POST", "/me/member-binding", bearer(session), body)
    assert (status, bound["member_id"], bound["account_id"]) == (
        200,
        member.member_id,
        session["account"]["account_id"],
    )
    # And the member signs in by ID number from now on; the code worked once, and is audited
    status, signed_in = _sign_in(client, login=id_number, password=PASSWORD)
    assert (status, signed_in["account"]["member_id"]) == (200, member.member_id)
    assert call(client, "POST", "/me/member-binding", bearer(session), body)[1]["code"] == "RESET_CODE_WRONG"
    trail = [r.action for r in AuditRecord.query(keys.audit_pk("MEMBER", member.member_id))]
    assert {"account.binding_code_issued", "member.account_bound"} <= set(trail)


def test_acct_3_an_ended_session_is_refused_where_the_use_case_reads_it_with_its_own_items(
    client: Any, world: World
) -> None:
    # Given an applicant and a reviewer of 华景, each of whom signed out of the session at hand
    # (registering and approving read the session in the same BatchGetItem as their own items),
    # and a registration waiting for 华景's review
    pending = registered(client, world)
    applicant = signed_up(client, PHONE)
    reviewer = {"Authorization": f"Bearer {session_token(world.admins['huajing'], world.orgs['huajing'])}"}
    for ended in (bearer(applicant), reviewer):
        assert call(client, "POST", "/auth/sign-out", ended)[0] == 204
    # When the applicant registers, and the reviewer approves
    registering = call(client, "POST", "/registrations", bearer(applicant), form(world, phone=PHONE))
    approving = call(client, "POST", f"/registrations/{pending['registration_id']}/approve", reviewer)
    # Then both are refused as signed out, nothing is queued, and the registration still waits
    for status, answer in (registering, approving):
        assert (status, answer["code"], answer["field"]) == (401, "SESSION_ENDED", "Authorization")
    assert drain(client) == 0
    assert follow(client, pending["registration_id"], pending["headers"])["status"] == "PENDING_REVIEW"
