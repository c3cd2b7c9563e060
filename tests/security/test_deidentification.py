"""De-identification (GB/T 35273): what one reader can gather about one person across
every route that shows identity fields never narrows the ID number.

For each reader who may not see the number in full (the county, the city and the province
above the member's branch; a third party holding the printed card), everything they can read
about one person is collected: the registration, its lists, the member and the branch's
lists, the age-out and former-member lists, name search hits, the audit trails of the member
and of every organisation they read, the roster spreadsheet of their subtree, the card (the
PDF's text) and its public verification, and
for a person arriving from outside the province the incoming-transfer list. The number of
18-character numbers that agree with all of it and pass REG-2's checks (a valid province and
region code, a real birth date, the check character) is then counted: what a brute force with
the checksum would have left to try. The branch that reviews the registration is entitled to
the number (GET /registrations/{id}/id-number), and the member's branch to the member's
(GET /members/{id}/id-number); neither is one of these readers.

An exact oracle remains for whoever tries candidates one by one (POST /search with a number);
search/service.py limits it to ID_SEARCHES_PER_DAY a reader and China day, so the count divided
by that is the days a reader would need.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pypdf
import pytest

from tests.support import World, call, card_verify_urls, drain
from tests.support.registration import make_id, submit
from zhtj.cards import due
from zhtj.cards import service as cards
from zhtj.core import clock
from zhtj.core.identity import _PERMIT_REGIONS, _PROVINCES, EARLIEST_BIRTH, check_character
from zhtj.search.service import ID_SEARCHES_PER_DAY
from zhtj.table import storage

# The least a reader's view may leave to try: a million candidates, and at the search limit
# about a hundred years of look-ups.
ENOUGH = 10**6
READERS = ("tianhe", "gz", "root")
PERSON = make_id(birth="19950505", seq=222, region="440106")  # 31 years old: an age-out candidate
ARRIVING = make_id(birth="20040101", seq=123, region="430104")


# --- What a reader sees -----------------------------------------------------------------------


def _get(client: Any, world: World, who: str, path: str) -> str:
    status, answer = call(client, "GET", path, world.headers(who))
    assert status == 200, (path, answer)
    return json.dumps(answer, ensure_ascii=False)


def _card_text(client: Any, headers: dict[str, str], member_id: str) -> str:
    """The card PDF the reader downloads, as text (the link names one version of one object)."""
    status, card = call(client, "GET", f"/members/{member_id}/card", headers)
    assert status == 200 and card["download_url"], card
    url = urlparse(card["download_url"])
    key = unquote(url.path.lstrip("/")).removeprefix(storage.bucket(cards.ROLE) + "/")
    version = parse_qs(url.query)["versionId"][0]
    pdf = storage.get_version(cards.ROLE, key, version)
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _roster_text(client: Any, headers: dict[str, str], org_id: str) -> str:
    """The roster spreadsheet of the reader's whole subtree (WEB-2), every cell as text."""
    import openpyxl  # type: ignore[import-untyped]

    status, done = call(client, "POST", f"/orgs/{org_id}/members/xlsx?subtree=true", headers)
    assert status == 200 and done["rows"] >= 1, done
    url = urlparse(done["url"])
    key = unquote(url.path.lstrip("/")).removeprefix(storage.bucket("documents") + "/")
    book = openpyxl.load_workbook(io.BytesIO(storage.get_bytes("documents", key)), read_only=True)
    return "\n".join(" ".join(str(c) for c in row if c is not None) for row in book.active.iter_rows(values_only=True))


def _operator_view(
    client: Any, world: World, who: str, registration_id: str, member_id: str, incoming: bool = False
) -> str:
    """Everything `who` (an operator above the branch) can read about the person."""
    branch = world.orgs["huajing"]
    seen = [
        _get(client, world, who, f"/registrations/{registration_id}"),
        _get(client, world, who, f"/orgs/{branch}/registrations?state=APPROVED"),
        _get(client, world, who, f"/members/{member_id}"),
        _get(client, world, who, f"/orgs/{branch}/members"),
        _get(client, world, who, f"/members/{member_id}/audit"),
        _get(client, world, who, f"/orgs/{world.orgs[who]}/age-out-candidates"),
        _get(client, world, who, f"/orgs/{world.orgs[who]}/former-members"),
        _card_text(client, world.headers(who), member_id),
        _roster_text(client, world.headers(who), world.orgs[who]),
    ]
    own_and_below = {"root": ("root", "gz", "tianhe", "huajing"), "gz": ("gz", "tianhe", "huajing")}
    for org in own_and_below.get(who, ("tianhe", "huajing")):
        seen.append(_get(client, world, who, f"/orgs/{world.orgs[org]}/audit?limit=100"))
    status, hits = call(client, "POST", "/search", world.headers(who), {"q": "王晓燕"})
    assert status == 200 and hits["items"], hits
    seen.append(json.dumps(hits, ensure_ascii=False))
    if incoming:
        seen.append(_get(client, world, who, f"/orgs/{branch}/incoming-transfers"))
    return "\n".join(seen)


# --- Counting what is left to try ---------------------------------------------------------------


def _known_positions(seen: str, truth: str) -> dict[int, str]:
    """Characters of the number that the text shows: from every 18-character string of digits,
    X and * agreeing with the number where it shows a character (any form of mask)."""
    known: dict[int, str] = {}
    for match in re.finditer(r"(?<![0-9A-Za-z*])[0-9*]{17}[0-9X*](?![0-9A-Za-z*])", seen):
        shown = match.group(0)
        if all(c == "*" or c == t for c, t in zip(shown, truth, strict=True)):
            known.update({i: c for i, c in enumerate(shown) if c != "*"})
    return known


def _birth_window(seen: str, born: date) -> tuple[date, date]:
    """The birth dates the text leaves possible: the day itself if it shows in any usual form,
    else its month, else its year, else any date REG-2 accepts."""
    y, m, d = born.year, born.month, born.day
    day_forms = (
        born.isoformat(),
        f"{y}{m:02d}{d:02d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m:02d}月{d:02d}日",
    )
    if any(form in seen for form in day_forms):
        return born, born
    first = born.replace(day=1)
    if any(form in seen for form in (f"{y}-{m:02d}", f"{y}年{m}月", f"{y}年{m:02d}月", f"{y}/{m:02d}")):
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if re.search(rf"(?<![0-9]){y}(?![0-9])", seen):
        return date(y, 1, 1), date(y, 12, 31)
    return EARLIEST_BIRTH, clock.today_in_china()


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECKS = "10X98765432"


def _sums(positions: Iterable[int], choices: dict[int, str]) -> list[int]:
    """How many ways the digits at `positions` (each limited to `choices`) give each weighted
    sum modulo 11: the checksum part of a brute force, counted instead of listed."""
    ways = [1] + [0] * 10
    for position in positions:
        nxt = [0] * 11
        for residue, count in enumerate(ways):
            if count:
                for digit in choices[position]:
                    nxt[(residue + int(digit) * _WEIGHTS[position]) % 11] += count
        ways = nxt
    return ways


def candidates(seen: str, truth: str) -> int:
    """How many valid ID numbers agree with everything in `seen` about the person whose number
    is `truth`: each birth date of the window, every region code of a valid province, every
    sequence, with the check character where it shows."""
    known = _known_positions(seen, truth)
    if len(known) == 18:
        return 1
    choices = {i: known.get(i, "0123456789") for i in range(17)}
    if "性别" in seen or '"sex"' in seen:  # the sequence's last digit: odd for men, even for women
        parity = int(truth[16]) % 2
        choices[16] = "".join(c for c in choices[16] if int(c) % 2 == parity)
    region = [0] * 11
    for code in sorted(_PROVINCES):
        if not (code[0] in choices[0] and code[1] in choices[1]):
            continue
        if code in ("81", "82", "83"):
            permits = [p for p in _PERMIT_REGIONS if p.startswith(code) and all(p[i] in choices[i] for i in range(6))]
            for permit in permits:
                region[sum(int(c) * w for c, w in zip(permit, _WEIGHTS, strict=False)) % 11] += 1
            continue
        base = int(code[0]) * _WEIGHTS[0] + int(code[1]) * _WEIGHTS[1]
        for residue, ways in enumerate(_sums(range(2, 6), choices)):
            region[(base + residue) % 11] += ways
    sequence = _sums(range(14, 17), choices)
    low, high = _birth_window(seen, date(int(truth[6:10]), int(truth[10:12]), int(truth[12:14])))
    total, day = 0, low
    while day <= high:
        digits = day.strftime("%Y%m%d")
        if all(digits[i - 6] in choices[i] for i in range(6, 14)):
            born = sum(int(c) * _WEIGHTS[6 + i] for i, c in enumerate(digits))
            for a, ra in enumerate(region):
                for b, sb in enumerate(sequence):
                    check = _CHECKS[(a + b + born) % 11]
                    if ra and sb and (17 not in known or known[17] == check):
                        total += ra * sb
        day += timedelta(days=1)
    return total


def test_the_count_is_the_brute_force_it_stands_for() -> None:
    """Given a view that hides only the region's last three digits and the sequence's first,
    when every such number is tried with the checksum, then as many pass as the count says."""
    truth = PERSON
    shown = truth[:3] + "***" + truth[6:14] + "*" + truth[15:]
    tried = 0
    for region in range(1000):
        for first in range(10):
            body = f"{truth[:3]}{region:03d}{truth[6:14]}{first}{truth[15:17]}"
            tried += check_character(body) == truth[17]
    assert candidates(f"{shown} {truth[6:10]}-{truth[10:12]}-{truth[12:14]}", truth) == tried > 0
    assert candidates(truth, truth) == 1


def test_the_old_view_narrowed_the_number_to_a_handful() -> None:
    """The issue's case: 4401**********2223 beside 2003-05-05 left 9 or so numbers."""
    body = "44010620030505222"
    truth = body + check_character(body)
    assert candidates(f'"id_masked":"{truth[:4]}{"*" * 10}{truth[-4:]}","birth_date":"2003-05-05"', truth) < 20


# --- The readers ---------------------------------------------------------------------------------


@pytest.fixture
def person(client: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A member admitted before 2017, registered, approved by the branch, with a rendered card;
    the verification URL printed on it; and a person from another province accepted by the branch."""
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")
    monkeypatch.setattr(due, "QUIET_SECONDS", 0)
    urls = card_verify_urls(monkeypatch)
    form = {
        "name": "王晓燕",
        "id_number": PERSON,
        "ethnicity": "汉族",
        "political_status": "03",
        "join_month": "2010-05",
        "branch_id": world.orgs["huajing"],
        "is_cadre": False,
        "identity_proof": "APPLICATION_FORM",
        "phone": "13800138000",
    }
    status, answer = submit(client, form)
    assert status == 202, answer
    drain(client)
    reg_id = answer["registration_id"]
    status, approved = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("huajing"))
    assert status == 200, approved
    drain(client, "cards")
    arrival = {
        "name": "王外来",
        "id_number": ARRIVING,
        "join_month": "2019-05-01",
        "development_number": "201943010001",
        "letter_number": "湘团转〔2026〕12号",
        "from_organisation": "湖南省长沙市某团支部",
    }
    status, item = call(
        client, "POST", f"/orgs/{world.orgs['huajing']}/incoming-transfers", world.headers("huajing"), arrival
    )
    assert status == 201, item
    return {"registration_id": reg_id, "member_id": approved["member_id"], "verify_url": urls[-1]}


@pytest.mark.parametrize("reader", READERS)
def test_reg_2_no_operator_above_the_branch_can_narrow_the_id_number(
    client: Any, world: World, person: dict[str, str], reader: str
) -> None:
    """Given a member (and an arrival from another province) the branch handled, when a county,
    city or province operator reads every route that shows them, then over a million numbers
    still fit all of it for each person, and the full number is refused to that operator."""
    seen = _operator_view(client, world, reader, person["registration_id"], person["member_id"], incoming=True)
    assert PERSON[6:14] not in seen and "王晓燕" in seen
    left = candidates(seen, PERSON)
    assert left >= ENOUGH, f"{reader}: {left} candidates"
    assert left // ID_SEARCHES_PER_DAY > 365 * 90  # at the search limit: a lifetime of look-ups
    assert candidates(seen, ARRIVING) >= ENOUGH
    status, refused = call(
        client, "GET", f"/registrations/{person['registration_id']}/id-number", world.headers(reader)
    )
    assert (status, refused["code"]) == (403, "NOT_ESCALATED")
    status, refused = call(client, "GET", f"/members/{person['member_id']}/id-number", world.headers(reader))
    assert (status, refused["code"]) == (403, "ID_NUMBER_BRANCH_ONLY")


def test_card_2_a_third_party_with_the_printed_card_cannot_narrow_the_id_number(
    client: Any, world: World, person: dict[str, str]
) -> None:
    """Given the member's card (their own document: it may show the full birth date the member
    chose to show), when a third party reads it and verifies it publicly, then over a million
    numbers still fit, and the verification shows nothing of the number or the birth date."""
    token = person["verify_url"].split("token=", 1)[1]
    status, verified = call(client, "GET", f"/cards/verify?token={token}")
    assert (status, verified["state"]) == (200, "CURRENT")
    verification = json.dumps(verified, ensure_ascii=False)
    assert candidates(verification, PERSON) >= 10**9
    member_headers = {"Authorization": f"Bearer {_member_token(world, person['member_id'])}"}
    seen = verification + "\n" + _card_text(client, member_headers, person["member_id"])
    assert "1995-05-05" in seen  # the card is the member's own document
    assert candidates(seen, PERSON) >= ENOUGH


def _member_token(world: World, member_id: str) -> str:
    from tests.support.sessions import session_token
    from zhtj.members.models import Member
    from zhtj.table import keys

    account = Member.get(keys.member_pk(member_id), keys.META).account_id
    assert account
    return session_token(account)
