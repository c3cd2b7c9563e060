"""The member card (团员证): generated through the cards queue (CARD-1), a print-ready PDF with
an embedded CJK font subset and a QR code, coalesced, ordered by content version, and
verifiable by anyone through a signed token (CARD-2)."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pypdf
import pypdfium2
import pytest

from tests.support import World, call, card_verify_urls, drain
from tests.support.registration import registered
from tests.support.sessions import session_token
from zhtj.cards import due as card_due
from zhtj.cards import service as cards
from zhtj.cards import token as card_token
from zhtj.cards.messages import CARDS
from zhtj.cards.models import CardState
from zhtj.cards.rules import VERDICTS, RenderOutcome
from zhtj.core import clock
from zhtj.members.models import Member
from zhtj.table import keys, signing, storage
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

MONTHS = [f"{year}-{month:02d}" for year in range(2016, 2026) for month in range(1, 13)]  # ten years


@pytest.fixture(autouse=True)
def no_quiet_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most tests render as soon as the message arrives; the coalescing tests set it back."""
    monkeypatch.setattr(card_due, "QUIET_SECONDS", 0)


def put_raw(item: dict[str, Any]) -> None:
    """History items as their writers (TRANSFERS, DUES, AWARD) store them: the card reads
    them by sort-key prefix, through the fields of its contract (docs/data-model.md)."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    boto3.client("dynamodb").put_item(TableName="zhtj", Item={k: serializer.serialize(v) for k, v in item.items()})


def paid(member_id: str, month: str, amount_fen: int = 20) -> None:
    put_raw(
        {
            "pk": keys.member_pk(member_id),
            "sk": f"PAID#{month}",
            "kind": "PaidMonth",
            "month": month,
            "amount_fen": amount_fen,
            "order_id": f"o{month}",
            "paid_at": f"{month}-15T02:00:00.000000+0000",
            "provider": "wechatpay",
        }
    )


def history(member_id: str, sk: str, kind: str, **fields: Any) -> None:
    put_raw({"pk": keys.member_pk(member_id), "sk": sk, "kind": kind, **fields})


def long_history(member_id: str, world: World) -> None:
    pk = keys.member_pk(member_id)
    for month in MONTHS:
        paid(member_id, month)
    for n, (source, target) in enumerate([("深圳市福田区莲花团支部", "广州市天河区华景社区团支部")] * 3):
        put_raw(
            {
                "pk": pk,
                "sk": f"XFER#t{n}",
                "kind": "Transfer",
                "transfer_id": f"t{n}",
                "state": "COMPLETED" if n < 2 else "PENDING",
                "from_branch_id": world.orgs["lianhua"],
                "from_branch_name": f"{source}{n}",
                "to_branch_id": world.orgs["huajing"],
                "to_branch_name": target,
                "cause": "WORK",
                "requested_at": f"202{n}-03-01T02:00:00.000000+0000",
                "completed_at": f"202{n}-03-04T02:00:00.000000+0000" if n < 2 else None,
                "out_of_province": False,
            }
        )
    reward = {"award_id": "a1", "award_kind": "REWARD", "title": "优秀共青团员", "granted_on": "2022-05-04"}
    history(member_id, "AWARD#a1", "Award", **reward, granted_by_name="共青团广州市委员会")
    punishment = {"award_id": "a2", "award_kind": "PUNISHMENT", "title": "团内警告", "granted_on": "2023-01-04"}
    history(member_id, "AWARD#a2", "Award", **punishment, granted_by_name="华景社区团支部", in_force=True)
    history(member_id, "EVAL#2023", "Evaluation", year=2023, grade="优秀", org_name="华景社区团支部")
    history(member_id, "ANNUAL#2024", "AnnualRegistration", year=2024, result="已注册", registered_on="2024-03-01")
    volunteer = {"activity": "社区义诊志愿服务", "served_on": "2024-06-01", "tenths_of_hours": 35}
    history(member_id, "VOLUNTEER#v1", "VolunteerService", **volunteer)


def change(member_id: str) -> None:
    uow = UnitOfWork(SYSTEM_ACTOR)
    card_due.changed(uow, member_id)
    uow.commit()


def state(member_id: str) -> CardState:
    return CardState.get(keys.member_pk(member_id), keys.CARD_SK, consistent_read=True)


def current_pdf(member_id: str) -> bytes:
    card = state(member_id)
    assert card.object_key and card.object_version
    return storage.get_version(cards.ROLE, card.object_key, card.object_version)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def member_headers(world: World, member_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(world.member_accounts[member_id])}"}


@pytest.fixture
def issued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The verification URLs the renderer was given, in order (what each QR code holds)."""
    return card_verify_urls(monkeypatch)


def queue_counts() -> tuple[int, int]:
    """The cards queue's messages deliverable now, and those still delayed."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"]
    found = boto3.client("sqs").get_queue_attributes(QueueUrl=CARDS.url(), AttributeNames=names)
    return int(found["Attributes"][names[0]]), int(found["Attributes"][names[1]])


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def token_of(url: str) -> str:
    return url.split("token=", 1)[1]


# --- CARD-1: content, PDF, pipeline -----------------------------------------------------------


def test_card_1_long_history_renders_chinese_text_every_month_and_an_embedded_font_subset(
    client: Any, world: World
) -> None:
    # Given
    member_id = world.members["huajing"][0]
    long_history(member_id, world)
    # When
    change(member_id)
    # Then
    assert drain(client, "cards") == 1
    pdf = current_pdf(member_id)
    assert pdf.startswith(b"%PDF-") and len(pdf) < 120_000  # tens of KB, ten years of dues included
    text = text_of(pdf)
    member = Member.get(keys.member_pk(member_id), keys.META)
    for expected in (member.name, "中国共产主义青年团广州市天河区华景社区支部委员会", "团 员 证", "组织关系转接"):
        assert expected in text
    for month in MONTHS:
        assert month in text, month
    assert "深圳市福田区莲花团支部0" in text and "深圳市福田区莲花团支部2" not in text  # only completed transfers
    for expected in ("优秀共青团员", "团内警告", "社区义诊志愿服务", "累计志愿服务 3.5 小时", "2023", "已注册"):
        assert expected in text
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = {
        font.get_object()["/BaseFont"]: font.get_object()
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts, "no font"
    for name, font in fonts.items():
        # A subset is tagged "ABCDEF+Name" (PDF 32000 §9.6.4) and its glyphs are embedded.
        tag, _, family = name.lstrip("/").partition("+")
        assert tag.isalpha() and tag.isupper() and len(tag) == 6 and family == "NotoSansSC", name
        descendant = font["/DescendantFonts"][0].get_object()
        assert descendant["/Subtype"] == "/CIDFontType2"
        embedded = descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object()
        assert 1_000 < len(embedded.get_data()) < 400_000  # the glyphs used, not the 6.8 MB font
        assert "/ToUnicode" in font  # text extractable in any viewer


def test_card_1_pages_render_to_png_a4_then_a_wallet_card_each_with_its_footer(client: Any, world: World) -> None:
    # Given
    member_id = world.members["huajing"][0]
    long_history(member_id, world)
    # When
    change(member_id)
    drain(client, "cards")
    # Then
    document = pypdfium2.PdfDocument(current_pdf(member_id))
    sizes = [tuple(round(v / 72 * 25.4, 1) for v in document[i].get_size()) for i in range(len(document))]
    assert sizes[0] == (210.0, 297.0) and sizes[-1] == (85.6, 54.0)
    assert all(size == (210.0, 297.0) for size in sizes[:-1]) and len(sizes) >= 2
    image = document[0].render(scale=100 / 72).to_pil().convert("L")  # 100 dpi
    assert abs(image.size[0] - 827) <= 1 and abs(image.size[1] - 1169) <= 1  # A4 at 100 dpi
    pixels = image.load()
    assert pixels is not None
    # The QR code (top right, under the title) is mostly dark modules; the margins are white.
    qr = [pixels[x, y] for x in range(620, 760, 4) for y in range(190, 320, 4)]
    assert sum(1 for p in qr if p < 100) > len(qr) * 0.3
    assert all(pixels[x, 5] > 250 for x in range(0, 827, 10))
    wallet = document[len(document) - 1].render(scale=300 / 72).to_pil().convert("RGB")
    assert abs(wallet.size[0] - 1011) <= 1 and abs(wallet.size[1] - 638) <= 1  # 85.6 x 54 mm at 300 dpi
    red, green, blue = wallet.getpixel((20, 20))  # type: ignore[misc]
    assert red > 150 and green < 80 and blue < 80  # the red band of the card
    # Every page, the last A4 page and the wallet card included, names the card and its page of all.
    number, total = state(member_id).card_number, len(document)
    for page in range(total):
        text = document[page].get_textpage().get_text_range()
        assert number in text and f"第 {page + 1} 页 / 共 {total} 页" in text, (page, text[-160:])


def test_card_1_approved_registration_gets_its_card_through_the_queue(client: Any, world: World) -> None:
    # Given
    reg_id = registered(client, world)["registration_id"]
    # When
    status, approved = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("huajing"))
    # Then
    assert status == 200
    member_id = approved["member_id"]
    card = state(member_id)
    assert (card.content_version, card.rendered_version, card.gsi2pk is not None) == (1, 0, True)
    assert drain(client, "cards") == 1
    card = state(member_id)
    assert (card.rendered_version, card.renders, card.gsi2pk) == (1, 1, None)
    assert "李晓明" in text_of(current_pdf(member_id))


def test_card_1_ten_changes_in_a_minute_render_once_with_the_last_state(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.setattr(card_due, "QUIET_SECONDS", 60)
    member_id = world.members["huajing"][0]
    # When
    change(member_id)
    # Then
    assert drain(client, "cards") == 1  # the member's first card: rendered at once
    for n in range(10):
        paid(member_id, f"2024-{n + 1:02d}", 300)
        change(member_id)
    assert queue_counts() == (0, 10)  # each later change waits out the quiet period
    bodies = [card_due.message(member_id, clock.now()) for _ in range(10)]
    # Delivered early (a clock apart): nothing renders, and only the latest change's message asks again.
    outcomes = [cards.handle(body) for body in bodies]
    assert set(outcomes) == {RenderOutcome.DEFERRED} and state(member_id).renders == 1
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(cards.clock, "now", lambda: later)
    outcomes = [cards.handle(body) for body in bodies]
    assert outcomes == [RenderOutcome.RENDERED] + [RenderOutcome.CURRENT] * 9
    card = state(member_id)
    assert (card.content_version, card.rendered_version, card.renders) == (11, 11, 2)
    assert "2024-10" in text_of(current_pdf(member_id))  # the last state


def test_card_1_a_first_card_renders_at_once_and_the_route_says_it_is_on_its_way(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the quiet period in force and a registration just approved (the member's first card)
    monkeypatch.setattr(card_due, "QUIET_SECONDS", 60)
    reg_id = registered(client, world)["registration_id"]
    status, approved = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("huajing"))
    assert status == 200
    member_id = approved["member_id"]
    # Then its announcement is deliverable at once, not after the quiet period
    assert queue_counts() == (1, 0)
    # And the card route tells the truth meanwhile: on its way, nothing to download yet
    status, answer = call(client, "GET", f"/members/{member_id}/card", world.headers("huajing"))
    assert (status, answer["state"], answer["download_url"]) == (200, "RENDERING", None)
    assert answer["message"] == "团员证正在生成，片刻后即可下载"
    assert moment(answer["ready_by"]) == state(member_id).changed_at  # due at once: the change's own moment
    # When the worker takes the message, with no time passing
    assert drain(client, "cards") == 1
    # Then the card is rendered and the route offers it
    status, answer = call(client, "GET", f"/members/{member_id}/card", world.headers("huajing"))
    assert (status, answer["state"], answer["rendered_version"], answer["ready_by"]) == (200, "READY", 1, None)
    assert answer["download_url"] and answer["message"] == "团员证已是最新内容，可以下载"


def test_card_1_quick_changes_before_the_first_render_make_one_render_and_a_stale_one_loses(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhtj.table import partitions

    # Given the quiet period in force and a member without a card
    monkeypatch.setattr(card_due, "QUIET_SECONDS", 60)
    member_id = world.members["huajing"][0]
    change(member_id)
    slow = partitions.items(keys.member_pk(member_id))  # what a slow worker read at content version 1
    first = card_due.message(member_id, state(member_id).changed_at)
    # When a second change comes before the first card is rendered
    paid(member_id, "2025-01")
    change(member_id)
    second = card_due.message(member_id, state(member_id).changed_at)
    # Then both announcements come at once, and only the latest renders: one render, the newest content
    assert queue_counts() == (2, 0)
    assert (cards.handle(first), cards.handle(second), cards.handle(first)) == (
        RenderOutcome.DEFERRED,
        RenderOutcome.RENDERED,
        RenderOutcome.CURRENT,
    )
    card = state(member_id)
    assert (card.content_version, card.rendered_version, card.renders, card.gsi2pk) == (2, 2, 1, None)
    # And the slow worker's render of version 1, arriving last, does not replace it
    assert cards.render(member_id, slow, 1) == RenderOutcome.LOST
    assert (state(member_id).rendered_version, state(member_id).object_version) == (2, card.object_version)
    assert "2025-01" in text_of(current_pdf(member_id))


def test_card_1_a_later_change_waits_out_the_quiet_period_and_the_route_says_when(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a member whose first card is rendered, and the quiet period in force
    monkeypatch.setattr(card_due, "QUIET_SECONDS", 60)
    member_id = world.members["huajing"][0]
    own = member_headers(world, member_id)
    change(member_id)
    drain(client, "cards")
    first = state(member_id)
    # When their card's content changes again
    paid(member_id, "2025-02")
    change(member_id)
    changed_at = state(member_id).changed_at
    # Then its announcement waits out the quiet period, and nothing renders before then
    assert queue_counts() == (0, 1)
    assert cards.handle(card_due.message(member_id, changed_at)) == RenderOutcome.DEFERRED
    # And the route says a newer card is coming, when, and that the download is the previous card
    status, answer = call(client, "GET", f"/members/{member_id}/card", own)
    assert (status, answer["state"], answer["rendered_version"], answer["content_version"]) == (200, "RENDERING", 1, 2)
    assert f"versionId={first.object_version}" in answer["download_url"]
    assert moment(answer["ready_by"]) == changed_at + timedelta(seconds=60)
    assert re.fullmatch(r"团员证内容有变更，新版约 \d+ 秒后生成；现在下载的是上一版", answer["message"])
    # When the quiet period has passed
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(cards.clock, "now", lambda: later)
    assert cards.handle(card_due.message(member_id, changed_at)) == RenderOutcome.RENDERED
    # Then the route offers the new card
    status, answer = call(client, "GET", f"/members/{member_id}/card", own)
    assert (answer["state"], answer["rendered_version"], answer["ready_by"]) == ("READY", 2, None)


def test_card_1_an_older_render_never_replaces_a_newer_one_and_redelivery_renders_nothing(
    client: Any, world: World
) -> None:
    # Given
    from zhtj.table import partitions

    member_id = world.members["huajing"][0]
    change(member_id)
    old_items = partitions.items(keys.member_pk(member_id))  # content version 1, as a slow worker read it
    paid(member_id, "2025-01")
    # When
    change(member_id)
    # Then
    assert drain(client, "cards") == 2  # the first message finds version 2 and renders it; the second: current
    newer = state(member_id)
    assert (newer.rendered_version, newer.renders) == (2, 1)
    assert cards.render(member_id, old_items, 1) == RenderOutcome.LOST  # arrives last, loses: ordered by version
    after = state(member_id)
    assert (after.rendered_version, after.object_version, after.renders) == (2, newer.object_version, 1)
    versions = boto3.client("s3").list_object_versions(Bucket=storage.bucket(cards.ROLE), Prefix=newer.object_key)
    latest = [v for v in versions["Versions"] if v["IsLatest"]]
    assert [v["VersionId"] for v in latest] == [newer.object_version]  # the loser's object was removed
    assert cards.handle(card_due.message(member_id, clock.now())) == RenderOutcome.CURRENT  # redelivered: nothing to do
    assert "2025-01" in text_of(current_pdf(member_id))


def test_card_1_a_lost_message_is_recovered_by_the_sweep(client: Any, world: World) -> None:
    # Given
    member_id = world.members["huajing"][0]
    change(member_id)
    sqs = boto3.client("sqs")
    # When
    sqs.purge_queue(QueueUrl=CARDS.url())  # the message is lost
    # Then
    assert cards.sweep() == 0  # within the grace period: its message may still be on its way
    assert cards.sweep(clock.now() + timedelta(seconds=cards.SWEEP_GRACE_SECONDS + 1)) == 1
    assert drain(client, "cards") == 1
    assert state(member_id).rendered_version == 1
    assert cards.sweep(clock.now() + timedelta(days=1)) == 0  # rendered: off the due index


def test_card_1_member_preferences_regenerate_the_card(client: Any, world: World, issued: list[str]) -> None:
    # Given
    member_id = world.members["huajing"][0]
    long_history(member_id, world)
    change(member_id)
    drain(client, "cards")
    own = member_headers(world, member_id)
    body = {"hidden_fields": ["ethnicity"], "dues_by_month": False, "shown_awards": []}
    path = f"/members/{member_id}/card/preferences"
    # When
    status, answer = call(client, "PUT", path, world.headers("huajing"), body)
    # Then
    assert (status, answer["code"]) == (403, "NOT_SELF")  # the member's own choice
    status, answer = call(client, "PUT", path, own, {**body, "hidden_fields": ["name"]})
    assert (status, answer["code"]) == (400, "CARD_FIELD_NOT_OPTIONAL")
    status, answer = call(client, "PUT", path, own, body)
    assert (status, answer["state"], answer["preferences"]["dues_by_month"]) == (200, "RENDERING", False)
    drain(client, "cards")
    text = text_of(current_pdf(member_id))
    assert "已交团费 120 个月（2016-01 至 2025-12），合计 24.00 元" in text
    assert "2016-02" not in text  # the summary only
    assert "优秀共青团员" not in text  # no reward chosen
    assert "团内警告" in text  # a punishment in force shows whatever the member chose


# --- CARD-2: download and verification -----------------------------------------------------------


def test_card_2_member_and_organisations_above_download_the_current_card(client: Any, world: World) -> None:
    # Given
    member_id = world.members["huajing"][0]
    change(member_id)
    drain(client, "cards")
    card = state(member_id)
    own = member_headers(world, member_id)
    # When
    for headers in (own, world.headers("huajing"), world.headers("gz")):
        status, answer = call(client, "GET", f"/members/{member_id}/card", headers)
        # Then
        assert (status, answer["state"], answer["rendered_version"]) == (200, "READY", 1)
        assert f"versionId={card.object_version}" in answer["download_url"]
        assert "X-Amz-Expires=300" in answer["download_url"] or "Expires=" in answer["download_url"]
    status, answer = call(client, "GET", f"/members/{member_id}/card", world.headers("sz"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    other = world.members["huajing"][1]
    status, answer = call(client, "GET", f"/members/{other}/card", own)
    assert (status, answer["code"]) == (403, "NOT_SELF")


def test_card_2_token_verifies_and_every_tampered_byte_fails(client: Any, world: World, issued: list[str]) -> None:
    # Given
    member_id = world.members["huajing"][0]
    change(member_id)
    drain(client, "cards")
    token = token_of(issued[-1])
    # When
    claims = card_token.decode(token, signing.public_key())
    # Then
    assert (claims.member_id, claims.content_version) == (member_id, 1)
    assert claims.card_number == state(member_id).card_number
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    for position, original in enumerate(token):
        # The next character (for the last base64 character: a change in its spare bits too) and a foreign one.
        for replacement in (alphabet[(alphabet.index(original) + 1) % len(alphabet)], "="):
            tampered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(card_token.InvalidToken):
                card_token.decode(tampered, signing.public_key())
    for cut in (token[:-1], token + "A", token.replace(".", "")):
        with pytest.raises(card_token.InvalidToken):
            card_token.decode(cut, signing.public_key())
    # Sign-flipped s (the other valid ECDSA signature of the same payload) is refused too.
    payload_text, signature_text = token.split(".")
    raw = card_token._b64decode(signature_text)
    s = int.from_bytes(raw[32:], "big")
    flipped = raw[:32] + (card_token.P256_ORDER - s).to_bytes(32, "big")
    with pytest.raises(card_token.InvalidToken):
        card_token.decode(f"{payload_text}.{card_token._b64encode(flipped)}", signing.public_key())


def test_card_2_public_verification_current_superseded_revoked_and_forged(
    client: Any, world: World, issued: list[str]
) -> None:
    # Given
    member_id = world.members["huajing"][0]
    change(member_id)
    drain(client, "cards")
    first = token_of(issued[-1])
    # When
    status, answer = call(client, "GET", f"/cards/verify?token={first}")  # no token: public
    # Then
    assert status == 200
    member = Member.get(keys.member_pk(member_id), keys.META)
    masked = member.name[0] + "*" * (len(member.name) - 2) + member.name[-1]
    assert answer == {
        "state": "CURRENT",
        "genuine": True,
        "message": VERDICTS["CURRENT"],
        "name_masked": masked,
        "branch_name": "中国共产主义青年团广州市天河区华景社区支部委员会",
        "card_number": state(member_id).card_number,
        "content_version": 1,
        "issued_at": answer["issued_at"],
    }
    assert member.name not in json.dumps(answer, ensure_ascii=False) and "member_id" not in answer
    change(member_id)
    drain(client, "cards")
    status, answer = call(client, "GET", f"/cards/verify?token={first}")
    assert (status, answer["state"], answer["genuine"]) == (200, "SUPERSEDED", True)
    status, answer = call(client, "GET", f"/cards/verify?token={token_of(issued[-1])}")
    assert answer["state"] == "CURRENT"
    flipped = first[:10] + ("A" if first[10] != "A" else "B") + first[11:]
    status, answer = call(client, "GET", f"/cards/verify?token={flipped}")
    assert (status, answer["state"], answer["genuine"], answer["name_masked"]) == (200, "INVALID", False, None)
    boto3.client("dynamodb").update_item(  # the exit's own transaction is EXIT's: only its outcome matters here
        TableName="zhtj",
        Key={"pk": {"S": keys.member_pk(member_id)}, "sk": {"S": keys.META}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":s": {"S": "EXPELLED"}},
    )
    status, answer = call(client, "GET", f"/cards/verify?token={token_of(issued[-1])}")
    assert (status, answer["state"]) == (200, "REVOKED")


def test_card_2_a_token_signed_by_another_key_is_not_genuine() -> None:
    # Given
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    ours, theirs = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    claims = card_token.CardClaims("m01abc", "01AB-C000", 3, datetime(2026, 1, 1, tzinfo=UTC))
    token = card_token.encode(claims, theirs.sign(claims.payload(), ec.ECDSA(hashes.SHA256())))
    # When / Then
    with pytest.raises(card_token.InvalidToken):
        card_token.decode(token, ours.public_key())
    good = card_token.encode(claims, ours.sign(claims.payload(), ec.ECDSA(hashes.SHA256())))
    assert card_token.decode(good, ours.public_key()) == claims


def test_card_2_web_1_the_card_route_gives_the_qr_of_exactly_the_current_pdf(
    client: Any, world: World, issued: list[str]
) -> None:
    # Given a member whose card was rendered twice
    member_id = world.members["huajing"][0]
    headers = {"Authorization": f"Bearer {session_token(world.member_accounts[member_id])}"}
    change(member_id)
    status, answer = call(client, "GET", f"/members/{member_id}/card", headers)
    assert (status, answer["verify_url"]) == (200, None)  # nothing rendered yet: no QR to show
    drain(client, "cards")
    change(member_id)
    drain(client, "cards")
    # When the member's app reads the card to show its QR code large
    status, answer = call(client, "GET", f"/members/{member_id}/card", headers)
    # Then it is the QR of the current PDF (the last issued), which verifies as current
    assert status == 200 and answer["verify_url"] == issued[-1] != issued[0]
    status, verdict = call(client, "GET", "/cards/verify?token=" + token_of(answer["verify_url"]))
    assert (status, verdict["state"], verdict["genuine"]) == (200, "CURRENT", True)
