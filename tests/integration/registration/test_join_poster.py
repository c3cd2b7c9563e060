"""A branch's registration QR poster (WEB-2): the members' app link /m/join/<branch_id> as a QR
code with the branch's name, as a PNG and an A4 PDF, for the branch's operators and those above."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlparse

import pypdf
import pytest
from PIL import Image

from tests.support import World, call
from zhtj.cards import pdf as card_pdf
from zhtj.core.settings import APP_ORIGIN_ENV
from zhtj.registration import poster
from zhtj.table import storage

HUAJING = "广州市天河区华景社区团支部"


def fetch(client: Any, world: World, who: str, branch: str, fmt: str) -> tuple[int, Any]:
    return call(client, "GET", f"/orgs/{world.orgs[branch]}/join-poster?format={fmt}", world.headers(who))


def stored(done: dict[str, Any]) -> bytes:
    key = unquote(urlparse(done["url"]).path.lstrip("/")).removeprefix(storage.bucket("documents") + "/")
    return storage.get_bytes("documents", key)


def qr_modules(image: Image.Image, modules: int) -> list[list[bool]]:
    """The dark modules of the QR code on the poster: the bounding box of the black pixels in
    the band between the names above and the hint below, cut into modules x modules cells, read
    at their centres."""
    grey = image.convert("L").crop((0, 520, image.width, 1340))
    box = grey.point(lambda v: 255 if v < 20 else 0).getbbox()
    assert box is not None
    left, top, right, _ = box
    cell = (right - left) / modules
    return [
        [grey.getpixel((int(left + (c + 0.5) * cell), int(top + (r + 0.5) * cell))) < 128 for c in range(modules)]
        for r in range(modules)
    ]


def test_web_2_the_join_poster_png_holds_the_members_app_link_of_the_branch(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the apps served at the CloudFront domain
    monkeypatch.setenv(APP_ORIGIN_ENV, "https://d111111abcdef8.cloudfront.net/")
    link = f"https://d111111abcdef8.cloudfront.net/m/join/{world.orgs['huajing']}"
    # When 天河 (above 华景) asks for 华景's poster as a PNG
    status, done = fetch(client, world, "tianhe", "huajing", "png")
    # Then the link answers the branch's registration page, and the image's QR code holds it
    assert status == 200, done
    assert done["join_url"] == link and done["file_name"] == f"{HUAJING}报到二维码.png"
    image = Image.open(io.BytesIO(stored(done)))
    assert image.format == "PNG" and image.size == poster.PNG_SIZE
    expected = [list(row) for row in card_pdf.qr_matrix(link)]
    assert qr_modules(image, len(expected)) == expected


def test_web_2_the_join_poster_pdf_is_an_a4_page_with_the_branch_name_and_is_kept(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When 华景 asks for its PDF poster twice
    status, done = fetch(client, world, "huajing", "huajing", "pdf")
    monkeypatch.setattr(poster, "render_pdf", lambda *_: pytest.fail("rendered again"))
    again_status, again = fetch(client, world, "huajing", "huajing", "pdf")
    # Then one A4 page with the title, the branch's names and the link, rendered once
    assert status == 200, done
    document = pypdf.PdfReader(io.BytesIO(stored(done)))
    page = document.pages[0]
    assert len(document.pages) == 1
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = page.extract_text()
    assert poster.TITLE in text and HUAJING in text and done["join_url"] in text
    assert done["join_url"].endswith(f"/m/join/{world.orgs['huajing']}")
    assert again_status == 200 and urlparse(again["url"]).path == urlparse(done["url"]).path


def test_web_2_only_a_branch_has_a_join_poster_and_only_its_operators_and_those_above(
    client: Any, world: World
) -> None:
    status, not_branch = fetch(client, world, "tianhe", "tianhe", "png")
    sibling_status, sibling = fetch(client, world, "yuexiu", "huajing", "png")
    bad_status, bad = fetch(client, world, "huajing", "huajing", "gif")
    assert (status, not_branch["code"], not_branch["field"]) == (422, "ORG-4", "org_id")
    assert (sibling_status, sibling["code"]) == (403, "OUT_OF_SCOPE")
    assert (bad_status, bad["field"]) == (400, "format")
