"""XFER-2: a member starting their own transfer confirms it with a fresh SMS code sent to their
account's phone for "transfer" (REFERENCE: the real system asks the member to confirm by SMS);
an organisation starting it for them needs none. The refusal stands beside sms_code."""

from __future__ import annotations

from typing import Any

from tests.support import World, call
from tests.support.dues import pay_dues
from tests.support.http import member_headers
from tests.support.sms import last_code
from tests.support.transfers import transfer_code
from zhtj.accounts.models import Account
from zhtj.table import keys


def _phone(world: World, member_id: str) -> str:
    phone = Account.get(keys.account_pk(world.member_accounts[member_id]), keys.META).phone
    assert phone
    return str(phone)


def _body(world: World, **extra: Any) -> dict[str, Any]:
    return {"cause": "EMPLOYMENT", "to_branch_id": world.orgs["lianhua"], **extra}


def test_xfer_2_a_member_asks_a_transfer_code_and_starts_with_it_once(client: Any, world: World) -> None:
    moving = world.members["huajing"][0]
    pay_dues(moving)
    phone = _phone(world, moving)
    path, headers = f"/members/{moving}/transfers", member_headers(world, moving)
    # Given the member asked for a code for "transfer" to their phone (the accounts SMS path)
    status, _ = call(client, "POST", "/auth/sms-codes", {}, {"phone": phone, "purpose": "transfer"})
    assert status == 202
    code = last_code(phone)
    # When they start without it, then with a wrong one
    status, answer = call(client, "POST", path, headers, _body(world))
    assert (status, answer["code"], answer["field"]) == (400, "SMS_CODE_REQUIRED", "sms_code")
    wrong = "000000" if code != "000000" else "111111"
    status, answer = call(client, "POST", path, headers, _body(world, sms_code=wrong))
    # Then both are refused beside sms_code, in Chinese, and nothing started
    assert (status, answer["code"], answer["field"]) == (400, "SMS_CODE_WRONG", "sms_code")
    assert "验证码" in answer["message"]
    status, page = call(client, "GET", path, headers)
    assert page["items"] == []
    # When they start with the code
    status, started = call(client, "POST", path, headers, _body(world, sms_code=code))
    # Then the transfer starts, and the code is spent (it works once)
    assert status == 201, started
    status, answer = call(client, "POST", f"{path}/{started['transfer_id']}/withdraw", headers, {"reason": "改主意"})
    assert status == 200, answer
    status, answer = call(client, "POST", path, headers, _body(world, sms_code=code))
    assert (status, answer["code"], answer["field"]) == (400, "SMS_CODE_WRONG", "sms_code")


def test_xfer_2_a_code_for_another_purpose_or_phone_does_not_confirm(client: Any, world: World) -> None:
    moving, other = world.members["huajing"][0], world.members["huajing"][1]
    pay_dues(moving)
    path, headers = f"/members/{moving}/transfers", member_headers(world, moving)
    # A sign-in code of the member's own phone
    status, _ = call(client, "POST", "/auth/sms-codes", {}, {"phone": _phone(world, moving), "purpose": "sign_in"})
    assert status == 202
    sign_in = last_code(_phone(world, moving))
    status, answer = call(client, "POST", path, headers, _body(world, sms_code=sign_in))
    assert (status, answer["code"]) == (400, "SMS_CODE_WRONG")
    # A transfer code sent to a branch mate's phone
    mates = transfer_code(world, other)
    status, answer = call(client, "POST", path, headers, _body(world, sms_code=mates))
    assert (status, answer["code"]) == (400, "SMS_CODE_WRONG")


def test_xfer_2_the_request_is_checked_before_the_code_is_asked_for(client: Any, world: World) -> None:
    moving = world.members["huajing"][0]
    pay_dues(moving)
    path, headers = f"/members/{moving}/transfers", member_headers(world, moving)
    status, answer = call(client, "POST", path, headers, {"cause": "EMPLOYMENT", "to_branch_id": world.orgs["huajing"]})
    assert (status, answer["code"]) == (400, "TARGET_IS_SOURCE")


def test_xfer_2_an_organisation_starting_a_transfer_needs_no_code(client: Any, world: World) -> None:
    moving = world.members["huajing"][0]
    pay_dues(moving)
    status, started = call(client, "POST", f"/members/{moving}/transfers", world.headers("huajing"), _body(world))
    assert status == 201, started
