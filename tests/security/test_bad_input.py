"""Bad input, one table per surface: every request below is refused before any work
with a clear 4xx {code, message (zh-CN), field}, except the providers' webhooks, which answer
in their own contract (../shared/WEBHOOKS.md: WeChat a 4xx/5xx {"code": "FAIL"}, Alipay the
text `fail`) and credit nothing.

Decisions these tests hold (docs/architecture.md):
- full-width digits (and X) in an ID number are folded to ASCII and accepted;
- a name (any body field `name` or `*_name`) with an invisible character (zero-width, bidi
  control, BOM, word joiner) is refused, never stripped: the name is shown, compared and sent
  to the identity check as typed, and a silently changed name would differ from both;
- control characters (but tab and line breaks) and lone surrogates are refused in any field;
- a wrong JSON type is refused, not coerced ("20" is no integer, "F" no boolean);
- a body over 64 KB gets 413 before it is parsed; another media type than JSON 415.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from tests.support import World, call, drain
from tests.support.sessions import applicant_headers
from zhtj.core.identity import check_character

CJK = re.compile(r"[\u4e00-\u9fff]")
JSON = {"Content-Type": "application/json"}


def _id(seq: int = 123, birth: str = "20050301") -> str:
    body = f"440106{birth}{seq:03d}"
    return body + check_character(body)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c == "X" else c for c in text)


@dataclass(frozen=True)
class Bad:
    """One request: where, as whom (a world admin name, "member" or None), the raw body."""

    path: str  # format fields: {huajing} {tianhe} {member} {root}
    body: bytes
    status: int
    code: str
    field: str | None
    method: str = "POST"
    caller: str | None = "huajing"
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))


def _j(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


ACCOUNTS = "/orgs/{huajing}/cadre-invitations"  # body {"name": ...} (+ CADRE's fields), 201 when valid
CADRE = {"phone": "13800138000", "position": "委员"}
VOLUNTEER = "/members/{member}/volunteer-hours"
VALID_VOLUNTEER = {"activity": "社区服务", "served_on": "2026-01-01", "tenths_of_hours": 20}
DEEP = 20_000  # nesting levels: ~40 KB, under the size limit, over Python's recursion limit

CASES: dict[str, Bad] = {
    # Malformed bodies
    "malformed JSON": Bad(ACCOUNTS, b'{"name": "\xe5\xbc\xa0\xe4\xb8\x89"', 400, "MALFORMED_JSON", None),
    "truncated UTF-8": Bad(ACCOUNTS, '{"name": "张三"}'.encode()[:-3], 400, "MALFORMED_JSON", None),
    "not UTF-8": Bad(ACCOUNTS, b'\xff\xfe{"name": 1}', 400, "MALFORMED_JSON", None),
    "nested too deep": Bad(ACCOUNTS, b"[" * DEEP + b"]" * DEEP, 400, "MALFORMED_JSON", None),
    "an array": Bad(ACCOUNTS, b'["\xe5\xbc\xa0\xe4\xb8\x89"]', 400, "BODY_NOT_OBJECT", None),
    "null": Bad(ACCOUNTS, b"null", 400, "BODY_NOT_OBJECT", None),
    "empty": Bad(ACCOUNTS, b"", 400, "BODY_NOT_OBJECT", None),
    "NaN": Bad(ACCOUNTS, b'{"name": NaN}', 400, "INVALID_FIELD", "name"),
    # Size and media type
    "huge body": Bad(ACCOUNTS, _j({"name": "张" * 30_000}), 413, "PAYLOAD_TOO_LARGE", None),
    "text/plain": Bad(
        ACCOUNTS,
        _j({"name": "张三"}),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Content-Type",
        headers={"Content-Type": "text/plain"},
    ),
    "form encoded": Bad(
        ACCOUNTS,
        b"name=%E5%BC%A0",
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Content-Type",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    # Wrong types, missing and unknown fields
    "number for text": Bad(ACCOUNTS, _j({"name": 123}), 400, "INVALID_FIELD", "name"),
    "list for text": Bad(ACCOUNTS, _j({"name": ["张三"]}), 400, "INVALID_FIELD", "name"),
    "missing field": Bad(ACCOUNTS, _j({}), 400, "INVALID_FIELD", "name"),
    "unknown field": Bad(ACCOUNTS, _j({"name": "张三", "is_admin": True}), 400, "INVALID_FIELD", "is_admin"),
    "text for integer": Bad(
        VOLUNTEER, _j({**VALID_VOLUNTEER, "tenths_of_hours": "20"}), 400, "INVALID_FIELD", "tenths_of_hours"
    ),
    "fraction for integer": Bad(
        VOLUNTEER, _j({**VALID_VOLUNTEER, "tenths_of_hours": 2.5}), 400, "INVALID_FIELD", "tenths_of_hours"
    ),
    "boolean for integer": Bad(
        VOLUNTEER, _j({**VALID_VOLUNTEER, "tenths_of_hours": True}), 400, "INVALID_FIELD", "tenths_of_hours"
    ),
    "number for date": Bad(
        VOLUNTEER, _j({**VALID_VOLUNTEER, "served_on": 20260101}), 400, "INVALID_FIELD", "served_on"
    ),
    "slashed date": Bad(VOLUNTEER, _j({**VALID_VOLUNTEER, "served_on": "2026/1/1"}), 400, "INVALID_FIELD", "served_on"),
    "text for boolean": Bad(
        "/members/{member}/card/preferences",
        _j({"dues_by_month": "F"}),
        400,
        "INVALID_FIELD",
        "dues_by_month",
        method="PUT",
        caller="member",
    ),
    "number for boolean": Bad(
        "/registrations", _j({"is_cadre": 1}), 400, "INVALID_FIELD", "is_cadre", caller="applicant"
    ),
    # Unicode edge cases
    "zero-width space in a name": Bad(ACCOUNTS, _j({"name": "张\u200b三"}), 400, "NAME_INVISIBLE_CHARACTER", "name"),
    "zero-width joiner in a name": Bad(ACCOUNTS, _j({"name": "张\u200d三"}), 400, "NAME_INVISIBLE_CHARACTER", "name"),
    "byte-order mark in a name": Bad(ACCOUNTS, _j({"name": "\ufeff张三"}), 400, "NAME_INVISIBLE_CHARACTER", "name"),
    "word joiner in a name": Bad(ACCOUNTS, _j({"name": "张\u2060三"}), 400, "NAME_INVISIBLE_CHARACTER", "name"),
    "right-to-left override in a name": Bad(
        ACCOUNTS, _j({"name": "张\u202e三"}), 400, "NAME_INVISIBLE_CHARACTER", "name"
    ),
    "zero-width space in an org name": Bad(
        "/orgs/{tianhe}/children",
        _j(
            {
                "org_type": "BRANCH",
                "sector": "COMMUNITY",
                "short_name": "广州市天河区\u200b棠下团支部",
                "full_name": "中国共产主义青年团广州市天河区棠下支部委员会",
                "alias": "棠下团支部",
            }
        ),
        400,
        "NAME_INVISIBLE_CHARACTER",
        "short_name",
        caller="tianhe",
    ),
    "NUL in a name": Bad(ACCOUNTS, _j({"name": "张\u0000三"}), 400, "CONTROL_CHARACTER", "name"),
    "terminal escape in free text": Bad(
        VOLUNTEER, _j({**VALID_VOLUNTEER, "activity": "社区\x1b[2J服务"}), 400, "CONTROL_CHARACTER", "activity"
    ),
    "lone surrogate": Bad(ACCOUNTS, b'{"name": "\\ud800\xe4\xb8\x89"}', 400, "CONTROL_CHARACTER", "name"),
    "control character in a key": Bad(ACCOUNTS, _j({"name": "张三", "x\u0007": 1}), 400, "CONTROL_CHARACTER", None),
    "Arabic-Indic digits in an ID number": Bad(
        "/registrations",
        _j({"id_number": "".join(chr(ord(c) - 48 + 0x0660) if c.isdigit() else c for c in _id())}),
        400,
        "ID_CHARACTERS",
        "id_number",
        caller="applicant",
    ),
    "zero-width space in an ID number": Bad(
        "/registrations",
        _j({"id_number": _id()[:6] + "\u200b" + _id()[6:]}),
        400,
        "ID_CHARACTERS",
        "id_number",
        caller="applicant",
    ),
}


def _registration(world: World, **fields: Any) -> dict[str, Any]:
    return {
        "name": "李晓明",
        "id_number": _id(),
        "ethnicity": "汉族",
        "political_status": "03",
        "join_month": "2021-05",
        "branch_id": world.orgs["huajing"],
        "is_cadre": False,
        "development_number": "202144010001",
        **fields,
    }


def _headers(world: World, caller: str | None, extra: dict[str, str]) -> dict[str, str]:
    from tests.support.sessions import session_token

    headers = dict(extra)
    if caller == "applicant":  # ACCT-2: a signed-in account that is not yet a member
        headers.update(applicant_headers())
    elif caller == "member":
        member = world.members["huajing"][0]
        headers["Authorization"] = f"Bearer {session_token(world.member_accounts[member])}"
    elif caller is not None:
        headers["Authorization"] = f"Bearer {world.token(caller)}"
    return headers


def _path(world: World, template: str) -> str:
    return template.format(
        huajing=world.orgs["huajing"],
        tianhe=world.orgs["tianhe"],
        root=world.orgs["root"],
        member=world.members["huajing"][0],
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_with_a_clear_error(client: Any, world: World, case: str) -> None:
    bad = CASES[case]
    body = bad.body
    if bad.path == "/registrations" and body.startswith(b"{"):
        # A registration form, valid but for the one field under test
        body = _j(_registration(world, **json.loads(body)))
    elif bad.path == ACCOUNTS and body.startswith(b"{"):
        # A cadre's invitation, valid but for the one field under test
        with contextlib.suppress(ValueError, UnicodeError):
            body = _j({**CADRE, **json.loads(body)})
    # When the request is sent
    response = client.http.request(
        bad.method, _path(world, bad.path), headers=_headers(world, bad.caller, bad.headers), body=body
    )
    # Then it is refused with the code, the field and a Chinese message
    answer = json.loads(response.body)
    assert (response.status_code, answer["code"], answer["field"]) == (bad.status, bad.code, bad.field), answer
    assert CJK.search(answer["message"]), answer


def test_the_same_requests_pass_when_valid(client: Any, world: World) -> None:
    """The table's refusals are about the one bad part: the same routes accept a valid body."""
    huajing = _headers(world, "huajing", JSON)
    assert call(client, "POST", _path(world, ACCOUNTS), huajing, {**CADRE, "name": "张三"})[0] == 201
    status, answer = call(client, "POST", _path(world, VOLUNTEER), huajing, VALID_VOLUNTEER)
    assert status in (200, 201), answer
    member = _headers(world, "member", JSON)
    preferences = _path(world, "/members/{member}/card/preferences")
    assert call(client, "PUT", preferences, member, {"dues_by_month": False})[0] == 200
    # A charset parameter is fine, and so are tabs and line breaks in free text
    with_charset = {**huajing, "Content-Type": "application/json; charset=utf-8"}
    assert call(client, "POST", _path(world, ACCOUNTS), with_charset, {**CADRE, "name": "李四"})[0] == 201
    status, answer = call(
        client, "POST", _path(world, VOLUNTEER), huajing, {**VALID_VOLUNTEER, "activity": "社区\t服务\n"}
    )
    assert status in (200, 201), answer


def _refused_fields(response: Any) -> tuple[int, list[tuple[str, str | None]], dict[str, Any]]:
    answer = json.loads(response.body)
    # The first refusal is the top level: clients reading {code, message, field} still work
    assert {k: answer[k] for k in ("code", "message", "field")} == answer["errors"][0], answer
    assert all(CJK.search(e["message"]) for e in answer["errors"]), answer
    return response.status_code, [(e["code"], e["field"]) for e in answer["errors"]], answer


def test_every_invalid_field_of_a_body_is_reported_at_once(client: Any, world: World) -> None:
    """Given a body with four invalid fields (a wrong type, a malformed date, an unknown field
    and a missing one), when it is sent, then all four are refused in one answer."""
    body = _j({"activity": 5, "served_on": "2026/1/1", "bonus": 1})
    response = client.http.request("POST", _path(world, VOLUNTEER), headers=_headers(world, "huajing", JSON), body=body)
    status, refused, _ = _refused_fields(response)
    assert status == 400
    assert sorted(str(field) for _, field in refused) == ["activity", "bonus", "served_on", "tenths_of_hours"]
    assert {code for code, _ in refused} == {"INVALID_FIELD"}


def test_every_coerced_or_unprintable_field_is_reported_at_once(client: Any, world: World) -> None:
    """Given a body with two fields of a wrong JSON type, or with control characters in two
    fields, when it is sent, then every such field is named, in the body's order."""
    headers = _headers(world, "huajing", JSON)
    # 1767225600: 2026-01-01T00:00:00Z in seconds, which lax validation would take as a date
    coerced = _j({**VALID_VOLUNTEER, "served_on": 1767225600, "tenths_of_hours": "20"})
    response = client.http.request("POST", _path(world, VOLUNTEER), headers=headers, body=coerced)
    assert _refused_fields(response)[:2] == (
        400,
        [("INVALID_FIELD", "served_on"), ("INVALID_FIELD", "tenths_of_hours")],
    )
    unprintable = _j({"activity": "社区\x1b服务", "served_on": "2026-01-01", "note": "\u0000", "tenths_of_hours": 2})
    response = client.http.request("POST", _path(world, VOLUNTEER), headers=headers, body=unprintable)
    assert _refused_fields(response)[:2] == (400, [("CONTROL_CHARACTER", "activity"), ("CONTROL_CHARACTER", "note")])


def test_reg_1_every_independent_registration_field_is_reported_at_once(client: Any, world: World) -> None:
    """REG-1 (a field-by-field error): given a registration whose name, ethnicity and phone
    are all wrong, when it is submitted, then the three are named in form order."""
    body = _j(_registration(world, name="李1", ethnicity="火星族", phone="12345"))
    response = client.http.request("POST", "/registrations", headers={**JSON, **applicant_headers()}, body=body)
    status, refused, answer = _refused_fields(response)
    assert status == 400, answer
    assert [field for _, field in refused] == ["name", "ethnicity", "phone"]
    assert refused[0] == ("NAME_CHARACTER", "name")


def test_reg_2_full_width_digits_in_an_id_number_are_folded_and_accepted(client: Any, world: World) -> None:
    # Given an ID number typed in full-width digits (and a full-width X)
    plain = _id(seq=777)
    typed = _full_width(plain)
    assert typed != plain
    # When it is registered
    status, answer = call(client, "POST", "/registrations", applicant_headers(), _registration(world, id_number=typed))
    assert status == 202, answer
    drain(client)
    # Then the reviewing branch sees it folded to ASCII, and everyone else masked
    registration_id = answer["registration_id"]
    status, revealed = call(client, "GET", f"/registrations/{registration_id}/id-number", world.headers("huajing"))
    assert (status, revealed["id_number"]) == (200, plain)
    status, shown = call(client, "GET", f"/registrations/{registration_id}", world.headers("tianhe"))
    assert status == 200 and plain not in json.dumps(shown) and typed not in json.dumps(shown, ensure_ascii=False)


def _lambda_event(path: str, headers: dict[str, str], body: str, base64_flag: bool) -> dict[str, Any]:
    event = json.loads(Path("events/api.list_children.json").read_text(encoding="utf-8"))
    event.update(
        {
            "resource": path,
            "path": path,
            "httpMethod": "POST",
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "pathParameters": None,
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "body": body,
            "isBase64Encoded": base64_flag,
        }
    )
    event["requestContext"].update({"resourcePath": path, "httpMethod": "POST"})
    return event


_CONTEXT = SimpleNamespace(
    function_name="zhtj-api",
    memory_limit_in_mb=512,
    aws_request_id="r-bad-input",
    invoked_function_arn="arn:aws-cn:lambda:cn-north-1:123456789012:function:zhtj-api",
)


@pytest.mark.parametrize(
    ("body", "flag"),
    [
        ('{"name": "张三"}', True),  # flagged base64, sent as text
        ("eyJuYW1lIjoi", True),  # flagged base64, cut short
        (base64.b64encode('{"name": "张三"}'.encode()).decode(), False),  # base64, not flagged
    ],
    ids=["text flagged base64", "truncated base64", "base64 not flagged"],
)
def test_an_api_gateway_event_whose_base64_flag_lies_is_refused(world: World, body: str, flag: bool) -> None:
    from app import app

    path = f"/orgs/{world.orgs['huajing']}/cadre-invitations"
    event = _lambda_event(
        "/orgs/{org_id}/cadre-invitations", {**JSON, "Authorization": f"Bearer {world.token('huajing')}"}, body, flag
    )
    event["path"] = path
    event["pathParameters"] = {"org_id": world.orgs["huajing"]}
    answer = app(event, _CONTEXT)
    refusal = json.loads(answer["body"])
    assert answer["statusCode"] == 400 and refusal["code"] in {"MALFORMED_BODY", "MALFORMED_JSON"}, answer
    assert CJK.search(refusal["message"])


# --- Webhooks: bodies that are not what they claim (the providers' contracts) ---------------------


@pytest.fixture
def dues(client: Any, world: World) -> Any:
    from infra.local.payments_simulator import Simulator
    from zhtj.dues import webhook as dues_webhook
    from zhtj.members.models import Member
    from zhtj.table import keys

    dues_webhook.forget()
    simulator = Simulator.local().install()
    for member_id in world.members["huajing"]:
        member = Member.get(keys.member_pk(member_id), keys.META)
        member.join_month = "2026-01"
        member.save()
    yield simulator
    dues_webhook.forget()


def _order(client: Any, world: World, member_id: str, provider: str) -> dict[str, Any]:
    from tests.support.sessions import session_token

    headers = {**JSON, "Authorization": f"Bearer {session_token(world.member_accounts[member_id])}"}
    status, answer = call(client, "POST", f"/members/{member_id}/dues/pay", headers, {"provider": provider})
    assert status == 201, answer
    return dict(answer["order"])


def _deliver(client: Any, provider: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    response = client.http.post(f"/webhooks/{provider}", headers=headers, body=body)
    return response.status_code, response.body.decode("utf-8") if response.body else ""


def _refused(provider: str, status: int, text: str) -> bool:
    """A failure in the provider's contract: WeChat any 4xx/5xx (a JSON FAIL where the receiver
    answers), Alipay anything but the text `success`."""
    if provider == "wechatpay":
        if status < 400:
            return False
        return status in (413, 415) or json.loads(text)["code"] == "FAIL"
    return text.strip() != "success"


def _form(body: bytes, **changes: str | None) -> bytes:
    """An Alipay form body with fields replaced (None: removed)."""
    fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    fields.update({k: v for k, v in changes.items() if v is not None})
    return urlencode({k: v for k, v in fields.items() if changes.get(k, "") is not None}).encode()


def _sign_of(body: bytes) -> str:
    return dict(parse_qsl(body.decode("utf-8")))["sign"]


def _unsigned(provider: str, genuine: Any, other: Any) -> tuple[dict[str, str], bytes]:
    if provider == "wechatpay":  # the signature travels in the Wechatpay-* headers
        return {"Content-Type": "application/json"}, genuine.body
    return dict(genuine.headers), _form(genuine.body, sign=None, sign_type=None)  # in the form


def _signed_for_another_order(provider: str, genuine: Any, other: Any) -> tuple[dict[str, str], bytes]:
    if provider == "wechatpay":
        return dict(genuine.headers), other.body
    return dict(other.headers), _form(other.body, sign=_sign_of(genuine.body))


WEBHOOK_CASES = {
    "unsigned": _unsigned,
    "signed for another order": _signed_for_another_order,
    "wrong content type": lambda p, genuine, other: (
        {**genuine.headers, "Content-Type": "application/xml"},
        genuine.body,
    ),
    "truncated body": lambda p, genuine, other: (genuine.headers, genuine.body[: len(genuine.body) // 2]),
    "empty body": lambda p, genuine, other: (genuine.headers, b""),
    "huge body": lambda p, genuine, other: (genuine.headers, genuine.body + b" " * 70_000),
}


@pytest.mark.parametrize("provider", ["wechatpay", "alipay"])
def test_dues_3_webhook_bodies_that_are_not_what_they_claim_are_refused_and_credit_nothing(
    client: Any, world: World, dues: Any, provider: str
) -> None:
    from zhtj.dues import orders as dues_orders

    # Given two members' orders and a genuine notification for each
    first, second = world.members["huajing"][:2]
    orders = [_order(client, world, m, provider) for m in (first, second)]
    genuine, other = (dues.notification(dues.pay(provider, o["order_id"], o["amount_fen"])) for o in orders)
    for case, make in WEBHOOK_CASES.items():
        headers, body = make(provider, genuine, other)
        # When a notification arrives that is not what it claims
        status, text = _deliver(client, provider, dict(headers), body)
        # Then it is refused in the provider's contract
        assert _refused(provider, status, text), (case, status, text)
    # And nothing was credited; the genuine notification still is
    for order in orders:
        found = dues_orders.get_order(order["order_id"])
        assert found is not None and found.state == "PENDING"
    status, text = _deliver(client, provider, dict(genuine.headers), genuine.body)
    assert not _refused(provider, status, text)
    paid = dues_orders.get_order(orders[0]["order_id"])
    assert paid is not None and paid.state == "PAID"


@pytest.mark.parametrize("provider", ["wechatpay", "alipay"])
def test_dues_3_a_webhook_event_whose_base64_flag_lies_is_not_acknowledged(
    client: Any, world: World, dues: Any, provider: str
) -> None:
    from app import app
    from zhtj.dues import orders as dues_orders

    # Given a genuine notification, sent as text in an event that says it is base64
    order = _order(client, world, world.members["huajing"][0], provider)
    genuine = dues.notification(dues.pay(provider, order["order_id"], order["amount_fen"]))
    path = f"/webhooks/{provider}"
    event = _lambda_event(path, dict(genuine.headers), genuine.body.decode("utf-8"), True)
    # When it arrives, then it is a failure in the provider's contract (the provider re-sends it)
    answer = app(event, _CONTEXT)
    if provider == "wechatpay":
        assert answer["statusCode"] >= 400, answer
    else:
        assert answer["body"] != "success", answer
    found = dues_orders.get_order(order["order_id"])
    assert found is not None and found.state == "PENDING"


# --- Page cursors: opaque, tamper-evident, bound to the query that issued them --------


def _page(client: Any, path: str, headers: dict[str, str], cursor: str | None = None) -> tuple[int, Any]:
    return call(client, "GET", path + (f"&cursor={cursor}" if cursor else ""), headers)


def _raw_cursor(value: Any) -> str:
    """A cursor as the system used to hand them out: the table key, base64url JSON."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_crafted_cursor_naming_another_key_is_refused_not_a_500(client: Any, world: World) -> None:
    """Given cursors crafted as base64 JSON naming table keys of other records (another
    organisation's item, another partition), when they are sent with a listing, then each is a
    400 BAD_CURSOR naming the field, never a 500 and never a page."""
    path = f"/orgs/{world.orgs['root']}/children?limit=1"
    crafted = [
        {"pk": {"S": f"ORG#{world.orgs['sz']}"}, "sk": {"S": "META"}},
        {"pk": {"S": f"ORG#{world.orgs['sz']}"}, "sk": {"S": "META"}, "gsi1pk": {"S": "x"}, "gsi1sk": {"S": "y"}},
        {"pk": {"N": "1"}},
        ["not", "an", "object"],
    ]
    for value in crafted:
        status, answer = _page(client, path, world.headers("root"), _raw_cursor(value))
        assert (status, answer["code"], answer["field"]) == (400, "BAD_CURSOR", "cursor"), (value, answer)
        assert CJK.search(answer["message"])


def test_a_cursor_shows_no_table_key_and_a_tampered_one_is_refused(client: Any, world: World) -> None:
    """Given the first page of the root's children, when its cursor is read, then neither it nor
    its base64 decoding names an organisation id, a key prefix or a path; and when one
    character of it is changed, the cursor is refused."""
    path = f"/orgs/{world.orgs['root']}/children?limit=1"
    status, page = _page(client, path, world.headers("root"))
    cursor = page["next_cursor"]
    assert status == 200 and cursor
    pieces = [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode("latin-1") for p in cursor.split(".")]
    for text in (cursor, *pieces):
        assert not any(org_id in text for org_id in world.orgs.values())
        # A key's name as JSON carries it ("pk"): two bare letters turn up by chance in ~7% of
        # random base64 text of this length.
        assert "ORG#" not in text and "CHILDREN" not in text and '"pk"' not in text
    middle = len(cursor) // 2
    tampered = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]
    status, answer = _page(client, path, world.headers("root"), tampered)
    assert (status, answer["code"]) == (400, "BAD_CURSOR")
    assert _page(client, path, world.headers("root"), cursor)[0] == 200  # the genuine one still works


def test_a_cursor_opens_only_for_the_listing_route_and_caller_that_got_it(client: Any, world: World) -> None:
    """Given a cursor of the huajing branch's members, issued to the huajing administrator,
    when it is sent for another branch's members, for another listing of the same
    organisation, or by another administrator entitled to the same list (tianhe, above it),
    then each is a 400 BAD_CURSOR (it used to be accepted: 200 with an empty page)."""
    members = "/orgs/{org}/members?limit=1"
    huajing = members.format(org=world.orgs["huajing"])
    status, page = _page(client, huajing, world.headers("huajing"))
    cursor = page["next_cursor"]
    assert status == 200 and cursor
    assert _page(client, huajing, world.headers("huajing"), cursor)[0] == 200
    refused = [
        (members.format(org=world.orgs["lianhua"]), world.headers("root")),
        (f"/orgs/{world.orgs['huajing']}/children?limit=1", world.headers("huajing")),
        (huajing, world.headers("tianhe")),
    ]
    for path, headers in refused:
        status, answer = _page(client, path, headers, cursor)
        assert (status, answer["code"], answer["field"]) == (400, "BAD_CURSOR", "cursor"), (path, answer)


def test_a_method_the_path_does_not_declare_answers_code_message_field(client: Any, world: World) -> None:
    """Given a declared path, when it is asked for with a method it does not have
    (as the local stack lets through; API Gateway answers that itself), then the answer is a
    405 {code, message, field} in Chinese with the methods allowed, not Chalice's
    {"Code": "MethodNotAllowedError"}."""
    response = client.http.request(
        "DELETE", f"/orgs/{world.orgs['huajing']}", headers=_headers(world, "huajing", JSON), body=b""
    )
    answer = json.loads(response.body)
    assert (response.status_code, answer) == (
        405,
        {"code": "METHOD_NOT_ALLOWED", "message": answer["message"], "field": None},
    )
    assert CJK.search(answer["message"])
    assert "GET" in response.headers["Allow"]
