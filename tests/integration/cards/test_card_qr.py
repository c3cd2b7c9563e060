"""The card's verification QR code shown on the member's phone (CARD-2, WEB-1): issued afresh
for the card as last rendered, it verifies like the printed card's, the same kind of code the
PDF draws, and only the member shows their own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import World, call, drain
from tests.support.sessions import session_token
from zhtj.cards import due as card_due
from zhtj.cards import pdf as card_pdf
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork


@pytest.fixture(autouse=True)
def no_quiet_period(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(card_due, "QUIET_SECONDS", 0)


def change(member_id: str) -> None:
    uow = UnitOfWork(SYSTEM_ACTOR)
    card_due.changed(uow, member_id)
    uow.commit()


def own(world: World, member_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(world.member_accounts[member_id])}"}


def verdict(client: Any, url: str) -> str:
    status, answer = call(client, "GET", "/cards/verify?token=" + url.split("token=", 1)[1])
    assert status == 200
    return str(answer["state"])


def test_card_2_the_phone_shows_a_qr_that_verifies_like_the_printed_card(client: Any, world: World) -> None:
    # Given a member whose card is due but not yet rendered
    member_id = world.members["huajing"][0]
    change(member_id)
    # When they ask for the QR code before the first card is rendered
    status, answer = call(client, "GET", f"/members/{member_id}/card/qr", own(world, member_id))
    # Then they are told the card is on its way
    assert (status, answer["code"]) == (409, "CARD_NOT_RENDERED")
    # When the card is rendered and they ask again
    drain(client, "cards")
    status, shown = call(client, "GET", f"/members/{member_id}/card/qr", own(world, member_id))
    # Then the code holds the public verification address, which answers that the card is current
    assert status == 200 and shown["content_version"] == 1
    assert shown["verify_url"].endswith("/cards/verify?token=" + shown["verify_url"].split("token=", 1)[1])
    assert verdict(client, shown["verify_url"]) == "CURRENT"
    # And its modules are the QR code the PDF draws for that address (a square of 0/1 rows)
    rows = shown["modules"]
    assert len(rows) == len(rows[0]) and (len(rows) - 21) % 4 == 0 and set("".join(rows)) == {"0", "1"}
    assert rows == ["".join("1" if dark else "0" for dark in row) for row in card_pdf.qr_matrix(shown["verify_url"])]
    # When a newer card is rendered
    change(member_id)
    drain(client, "cards")
    # Then the code shown before verifies as superseded, and a fresh one as current
    assert verdict(client, shown["verify_url"]) == "SUPERSEDED"
    status, fresh = call(client, "GET", f"/members/{member_id}/card/qr", own(world, member_id))
    assert (status, fresh["content_version"], verdict(client, fresh["verify_url"])) == (200, 2, "CURRENT")


def test_card_2_only_the_member_shows_their_card_qr(client: Any, world: World) -> None:
    # Given a member with a rendered card
    member_id, mate = world.members["huajing"][0], world.members["huajing"][1]
    change(member_id)
    drain(client, "cards")
    # When a branch mate or the branch asks for the member's QR code
    as_mate, _ = call(client, "GET", f"/members/{member_id}/card/qr", own(world, mate))
    as_branch, _ = call(client, "GET", f"/members/{member_id}/card/qr", world.headers("huajing"))
    # Then both are refused: the code is the member's to show
    assert as_mate in (403, 404) and as_branch in (403, 404)
