"""The HTTP adapter reads a request body that Chalice hands over as text as its UTF-8 bytes:
the size limit counts bytes, and the text is parsed (chalicelib/http.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from chalicelib.http import MAX_BODY_BYTES, _parse_body
from zhtj.core.errors import PayloadTooLarge, ValidationError


class _Named(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def _request(raw_body: str | bytes) -> Any:
    return SimpleNamespace(headers={"content-type": "application/json"}, raw_body=raw_body)


def test_a_text_body_is_parsed_as_its_utf8_bytes() -> None:
    # Given a body handed over as text, not bytes
    request = _request(json.dumps({"name": "团员"}, ensure_ascii=False))
    # When it is parsed
    parsed = _parse_body(request, _Named)
    # Then it reads as the same body in bytes would
    assert parsed == _Named(name="团员")


def test_a_text_body_under_the_limit_in_characters_but_over_it_in_bytes_is_too_large() -> None:
    # Given a text body of fewer characters than the limit, whose UTF-8 bytes (3 a character) exceed it
    text = json.dumps({"name": "团" * (MAX_BODY_BYTES // 2)}, ensure_ascii=False)
    assert len(text) < MAX_BODY_BYTES < len(text.encode("utf-8"))
    # When it is parsed, Then it is refused as too large (the limit is in bytes)
    with pytest.raises(PayloadTooLarge):
        _parse_body(_request(text), _Named)


def test_a_text_body_no_encoding_holds_is_refused_as_malformed_json() -> None:
    # Given a text body holding a lone surrogate (no UTF-8 encodes it)
    request = _request('{"name": "\ud800"}')
    # When it is parsed, Then it is refused as a body that is not JSON in UTF-8, not a server error
    with pytest.raises(ValidationError) as refused:
        _parse_body(request, _Named)
    assert refused.value.code == "MALFORMED_JSON"


def test_a_bytes_body_is_read_as_before() -> None:
    # Given the usual bytes body, When it is parsed, Then it reads as its JSON
    assert _parse_body(_request(b'{"name": "x"}'), _Named) == _Named(name="x")
