"""Page cursors (zhtj.dal.paging): sealed, bound to their scope, the key read once."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from zhtj.core.errors import ValidationError
from zhtj.table import paging

KEY = {"pk": {"S": "ORG#o-secret"}, "sk": {"S": "META"}, "gsi2sk": {"S": "/o-root/o-city/o-secret/"}}


class _Secrets:
    def __init__(self) -> None:
        self.reads = 0

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        self.reads += 1
        return {"SecretString": "unit-test-cursor-secret-" + "x" * 40}


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Secrets]:
    fake = _Secrets()
    monkeypatch.setattr(paging, "aws", lambda *args, **kwargs: fake)
    paging._cipher.cache_clear()
    yield fake
    paging._cipher.cache_clear()  # the next user reads the real secret again


def _refused(cursor: str | None, *scope: Any) -> bool:
    try:
        paging.open_cursor(cursor, *scope)
    except ValidationError as error:
        assert (error.code, error.field) == ("BAD_CURSOR", "cursor")
        return True
    return False


def test_the_key_is_read_once_per_process_whatever_the_requests(secrets: _Secrets) -> None:
    """Given a fresh process, when eight threads seal and open 200 cursors, then the secret
    was read once."""

    def round_trip(i: int) -> None:
        cursor = paging.seal({**KEY, "n": {"N": str(i)}}, "listing", i)
        assert paging.open_cursor(cursor, "listing", i) == {**KEY, "n": {"N": str(i)}}

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(round_trip, range(200)))
    assert secrets.reads == 1


def test_a_cursor_hides_the_key_and_opens_only_for_its_scope_and_caller(secrets: _Secrets) -> None:
    """Given a cursor sealed for one listing and caller, then it names no part of the key;
    it opens for the same scope and caller, and is BAD_CURSOR for another scope, another
    caller, another route, no caller, a changed character, or the raw key as the old cursors
    carried it."""
    # Given
    with paging.issued_to("GET /orgs/{org_id}/children", "u-1", "o-1"):
        # When
        cursor = paging.seal(KEY, "children", "o-1")
        # Then
        assert cursor is not None
        assert not any(part in cursor for part in ("ORG#", "o-secret", "o-root", "META"))
        assert paging.open_cursor(cursor, "children", "o-1") == KEY
        assert _refused(cursor, "children", "o-2")
        assert _refused(cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), "children", "o-1")
        assert _refused("eyJwayI6eyJTIjoiT1JHI28tc2VjcmV0In19", "children", "o-1")
        assert _refused("c1.", "children", "o-1") and _refused("c1.%%%", "children", "o-1")
    with paging.issued_to("GET /orgs/{org_id}/children", "u-2", "o-1"):
        assert _refused(cursor, "children", "o-1")
    with paging.issued_to("GET /orgs/{org_id}/subtree", "u-1", "o-1"):
        assert _refused(cursor, "children", "o-1")
    assert _refused(cursor, "children", "o-1")
    assert paging.seal(None, "children") is None and paging.open_cursor(None, "children") is None
