"""Security proofs that are not the authorization matrix (test_auth_matrix.py):
bearer tokens (expiry, issuer, audience, key, algorithm, claims), the public card verification
(nothing beyond its masked fields), and the session-wide watch for plaintext ID numbers
(tests/support/plaintext_ids.py) shown to see what it must see."""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import timedelta
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.support import World, call, card_verify_urls, drain, plaintext_ids
from zhtj.cards import due as card_due
from zhtj.cards import token as card_token
from zhtj.core.clock import now
from zhtj.core.identity import check_character, mask_id_number
from zhtj.members.models import Member
from zhtj.table import keys, pii, signing
from zhtj.table.queues import queue_url
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

CJK = re.compile(r"[\u4e00-\u9fff]")


def _id(seq: int, birth: str = "20050301") -> str:
    body = f"440106{birth}{seq:03d}"
    return body + check_character(body)


# --- Tokens --------------------------------------------------------------------------------------


def _claims(world: World, **changes: Any) -> dict[str, Any]:
    """The claims of a live session of the root's administrator (acting for the root), changed."""
    live = jwt.decode(world.token("root"), options={"verify_signature": False})
    issued = now()
    claims: dict[str, Any] = {
        **live,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=10)).timestamp()),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(claims: dict[str, Any], key: str | None = None, algorithm: str = "ES256") -> str:
    """Signed by the token-signing KMS key (as the service signs), or by `key`."""
    if key is not None:
        return jwt.encode(claims, key, algorithm=algorithm)

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'ES256', 'typ': 'JWT'})}.{part(claims)}"
    r, s = decode_dss_signature(signing.TOKEN.sign(signing_input.encode()))
    signature = base64.urlsafe_b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).rstrip(b"=").decode()
    return f"{signing_input}.{signature}"


def _other_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem() -> bytes:
    return signing.TOKEN.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _hs256_with_public_key(claims: dict[str, Any]) -> str:
    """The algorithm-confusion forgery: HS256 keyed with our public key (which anyone may hold).
    PyJWT refuses to build it with a PEM key, so it is built by hand."""
    import hashlib
    import hmac

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}"
    mac = hmac.new(_public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


TOKEN_CASES: dict[str, tuple[Any, str]] = {
    # name: (token maker from world, expected code); header None = no header at all
    "no header": (lambda w: None, "UNAUTHENTICATED"),
    "not bearer": (lambda w: "Basic dTpw", "UNAUTHENTICATED"),
    "lower-case scheme": (lambda w: "bearer " + w.token("root"), "UNAUTHENTICATED"),
    "empty bearer": (lambda w: "Bearer  ", "TOKEN_INVALID"),
    "garbage": (lambda w: "Bearer not.a.jwt", "TOKEN_INVALID"),
    "expired": (lambda w: "Bearer " + _signed(_claims(w, exp=int(now().timestamp()) - 60)), "TOKEN_EXPIRED"),
    "wrong issuer": (lambda w: "Bearer " + _signed(_claims(w, iss="https://evil.example")), "TOKEN_INVALID"),
    "wrong audience": (lambda w: "Bearer " + _signed(_claims(w, aud="another-app")), "TOKEN_INVALID"),
    "audience list without ours": (lambda w: "Bearer " + _signed(_claims(w, aud=["a", "b"])), "TOKEN_INVALID"),
    "wrong key": (lambda w: "Bearer " + _signed(_claims(w), key=_other_key()), "TOKEN_INVALID"),
    "alg none": (lambda w: "Bearer " + _unsigned(_claims(w)), "TOKEN_INVALID"),
    "HS256 keyed with our public key": (lambda w: "Bearer " + _hs256_with_public_key(_claims(w)), "TOKEN_INVALID"),
    "RS256 by another key": (
        lambda w: (
            "Bearer "
            + _signed(
                _claims(w),
                key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
                .private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
                .decode(),
                algorithm="RS256",
            )
        ),
        "TOKEN_INVALID",
    ),
    "missing sub": (lambda w: "Bearer " + _signed(_claims(w, sub=None)), "TOKEN_INVALID"),
    "missing exp": (lambda w: "Bearer " + _signed(_claims(w, exp=None)), "TOKEN_INVALID"),
    "missing iss": (lambda w: "Bearer " + _signed(_claims(w, iss=None)), "TOKEN_INVALID"),
    "missing aud": (lambda w: "Bearer " + _signed(_claims(w, aud=None)), "TOKEN_INVALID"),
    "missing session": (lambda w: "Bearer " + _signed(_claims(w, sid=None)), "TOKEN_INVALID"),
    "a session never opened": (lambda w: "Bearer " + _signed(_claims(w, sid="s-forged")), "SESSION_ENDED"),
    "signature cut": (lambda w: "Bearer " + w.token("root").rsplit(".", 1)[0] + ".", "TOKEN_INVALID"),
    "payload swapped": (
        lambda w: "Bearer " + ".".join(_swap_payload(w.token("root"), w.token("sz"))),
        "TOKEN_INVALID",
    ),
}


def _swap_payload(ours: str, theirs: str) -> list[str]:
    """A genuine token's signature on another genuine token's claims."""
    header, _, signature = ours.split(".")
    return [header, theirs.split(".")[1], signature]


@pytest.mark.parametrize("case", sorted(TOKEN_CASES))
def test_tokens_are_checked_for_expiry_issuer_audience_key_algorithm_and_claims(
    client: Any, world: World, case: str
) -> None:
    # Given a token that is wrong in one way (and a valid one works on the same route)
    make, code = TOKEN_CASES[case]
    path = f"/orgs/{world.orgs['root']}"
    assert call(client, "GET", path, world.headers("root"))[0] == 200
    authorization = make(world)
    headers = {} if authorization is None else {"Authorization": authorization}
    # When it is presented
    status, answer = call(client, "GET", path, headers)
    # Then 401 with a clear zh-CN error naming the header
    assert (status, answer["code"], answer["field"]) == (401, code, "Authorization"), answer
    assert CJK.search(answer["message"])


# --- CARD-2: the public verification shows its masked fields, nothing more ------------------------


def test_card_2_verification_shows_only_masked_fields(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a member with a sealed ID number, a birth date and a phone, whose card was rendered
    member_id = world.members["huajing"][0]
    id_number = _id(321)
    urls = card_verify_urls(monkeypatch)
    monkeypatch.setattr(card_due, "QUIET_SECONDS", 0)
    member = Member.get(keys.member_pk(member_id), keys.META)
    member.id_sealed = pii.seal(id_number, {"purpose": "id_number", "member": member_id})
    member.id_masked = mask_id_number(id_number)
    member.birth_date, member.phone, member.development_number = "2005-03-01", "13912345678", "202144010099"
    member.save()
    uow = UnitOfWork(SYSTEM_ACTOR)
    card_due.changed(uow, member_id)
    uow.commit()
    drain(client, "cards")
    token = urls[-1].split("token=", 1)[1]
    # When anyone verifies it (no login)
    status, answer = call(client, "GET", f"/cards/verify?token={token}")
    # Then exactly the documented fields, the name masked, nothing that identifies the member
    assert status == 200
    assert set(answer) == {
        "state",
        "genuine",
        "message",
        "name_masked",
        "branch_name",
        "card_number",
        "content_version",
        "issued_at",
    }
    assert answer["state"] == "CURRENT" and answer["genuine"] is True
    name = member.name
    assert answer["name_masked"] == name[0] + "*" * (len(name) - 2) + name[-1]
    text = json.dumps(answer, ensure_ascii=False)
    secrets = (name, member_id, world.member_accounts[member_id], id_number, member.id_masked, id_number[6:14])
    for secret in (*secrets, "2005-03-01", "13912345678", "202144010099"):
        assert secret not in text, secret
    # The token itself carries no personal data: the member and card ids, a version, a time
    payload = card_token._b64decode(token.split(".")[0]).decode("ascii")
    assert payload.split("|")[1:3] == [member_id, answer["card_number"]]
    assert id_number not in payload and "2005" not in payload.split("|")[3]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("token=" + "A" * 401, 400, "INVALID_FIELD"),
        ("token=abc&member_id=x", 400, "INVALID_FIELD"),
        ("", 400, "INVALID_FIELD"),
    ],
    ids=["too long", "extra parameter", "no token"],
)
def test_card_2_verification_refuses_malformed_queries(
    client: Any, world: World, query: str, status: int, code: str
) -> None:
    answer_status, answer = call(client, "GET", f"/cards/verify?{query}")
    assert (answer_status, answer["code"]) == (status, code)
    assert CJK.search(answer["message"])


@pytest.mark.parametrize("token", ["garbage", "a.b", "x" * 400, "eyJ9.eyJ9", "%00"])
def test_card_2_a_forged_token_learns_nothing(client: Any, world: World, token: str) -> None:
    status, answer = call(client, "GET", f"/cards/verify?token={token}")
    assert status == 200
    assert answer["state"] == "INVALID" and answer["genuine"] is False
    assert {k for k, v in answer.items() if v is not None} == {"state", "genuine", "message"}


# --- The session-wide watch for plaintext ID numbers sees what it must ---------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (_id(123), 1),
        (f"身份证号：{_id(123)}。", 1),
        ("".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in _id(123)), 1),  # full-width
        (f"{_id(123)[:6]} {_id(123)[6:14]} {_id(123)[14:]}", 1),  # grouped
        ("440106050301123", 1),  # 15-digit legacy form
        (_id(123)[:17] + ("0" if _id(123)[17] != "0" else "1"), 0),  # wrong check character
        ("9" + _id(123), 0),  # part of a longer digit run (an order number)
        (f"e3{_id(123)[:17]}0bf", 0),  # digits lined up inside a hex id
        (f"/registrations/{_id(123)}?x", 1),  # in a path
        ("4401**********123X", 0),  # masked
        ("1795369612059", 0),  # a timestamp
        ("v1.QUJD.REVG.R0hJ", 0),  # sealed
    ],
)
def test_the_watch_recognises_id_numbers(text: str, found: int) -> None:
    assert len(plaintext_ids.plaintext_ids(text)) == found


def test_the_watch_sees_responses_logs_items_and_messages(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plaintext ID number planted in each place is found (then forgotten, so that the session
    does not fail); the system's own log line of the same number is masked and not found."""
    from chalicelib import openapi

    plain = _id(456)
    before = len(plaintext_ids.findings)
    try:
        # The system's logger masks it: nothing found
        from zhtj.core.observability import logger

        logger.warning("check", extra={"id_number": plain})
        assert len(plaintext_ids.findings) == before
        # Another library's log line is read raw
        logging.getLogger("some.library").warning("leaked %s", plain)
        assert len(plaintext_ids.findings) == before + 1
        # A table item and a queue message, read when the mock ends (here: on demand)
        boto3.client("dynamodb").put_item(
            TableName="zhtj", Item={"pk": {"S": "LEAK"}, "sk": {"S": "LEAK"}, "note": {"S": plain}}
        )
        boto3.client("sqs").send_message(QueueUrl=queue_url("registration"), MessageBody=json.dumps({"x": plain}))
        plaintext_ids.scan_moto()
        kinds = [f.split(" ")[0] for f in plaintext_ids.findings[before + 1 :]]
        assert kinds == ["item", "queue"], kinds
        before_response = len(plaintext_ids.findings)
        # A response (a route made to answer with the number)
        health = openapi.Health
        monkeypatch.setattr(openapi, "Health", lambda status: health(status=plain))
        status, answer = call(client, "GET", "/health")
        assert (status, answer) == (200, {"status": plain})
        assert [f.rsplit(" (", 1)[0] for f in plaintext_ids.findings[before_response:]] == [
            f"response GET /health 200: {mask_id_number(plain)}"
        ]
        assert plaintext_ids.counts["responses"] > 0 and plaintext_ids.counts["log_lines"] > 0
    finally:
        boto3.client("dynamodb").delete_item(TableName="zhtj", Key={"pk": {"S": "LEAK"}, "sk": {"S": "LEAK"}})
        boto3.client("sqs").purge_queue(QueueUrl=queue_url("registration"))
        plaintext_ids.scan_moto()  # the removal's stream record, read now rather than when the mock ends
        del plaintext_ids.findings[before:]


def test_the_watch_sees_every_version_of_every_s3_object(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given an import whose spreadsheet stays in the uploads bucket once DONE (the old
    behaviour), when moto is read, then the spreadsheet's ID number is found; so is one in an
    earlier version, behind a delete marker, and in a plain object of another bucket; an object
    removed for good, every version, leaves nothing to find. (Findings are then forgotten, so
    that the session does not fail.)"""
    from tests.support.imports import person, run_import, workbook
    from zhtj.table import storage

    plain = _id(457)
    before = len(plaintext_ids.findings)
    s3, uploads = boto3.client("s3"), storage.bucket("uploads")
    try:
        monkeypatch.setattr(storage, "delete_all_versions", lambda role, key: 0)
        done = run_import(client, world, "huajing", workbook([person(93, None, 身份证号码=plain)]))
        assert done["state"] == "DONE"
        plaintext_ids.scan_moto()
        found = plaintext_ids.findings[before:]
        assert len(found) == 1 and found[0].startswith(f"object {uploads}/imports/"), found
        assert plain not in found[0] and mask_id_number(plain) in found[0]
        s3.put_object(Bucket=uploads, Key="imports/x/old.xlsx", Body=workbook([person(94, None, 身份证号码=plain)]))
        s3.put_object(Bucket=uploads, Key="imports/x/old.xlsx", Body=b"clean")
        s3.delete_object(Bucket=uploads, Key="imports/x/old.xlsx")
        s3.put_object(Bucket=storage.bucket("documents"), Key="notes/a.txt", Body=f"id {plain}".encode())
        plaintext_ids.scan_moto()
        assert [f.split(" ", 2)[1] for f in plaintext_ids.findings[before + 1 :]] == [
            f"{uploads}/imports/x/old.xlsx",
            f"{storage.bucket('documents')}/notes/a.txt",
        ]
        monkeypatch.undo()
        s3.put_object(Bucket=uploads, Key="imports/x/new.xlsx", Body=workbook([person(95, None, 身份证号码=plain)]))
        assert storage.delete_all_versions("uploads", "imports/x/new.xlsx") == 1
        plaintext_ids.scan_moto()
        assert len(plaintext_ids.findings) == before + 3
        assert plaintext_ids.counts["objects"] > 0
    finally:
        del plaintext_ids.findings[before:]
