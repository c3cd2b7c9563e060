"""Page cursors: opaque, tamper-evident and bound to the query that issued them.

A cursor carries where a listing resumes (a query's LastEvaluatedKey, or a composite listing's
position), encrypted and authenticated with AES-SIV (RFC 5297). The table key never shows: it
would name organisation paths and record ids. The associated data is a digest of the cursor's
scope: the caller and route the HTTP adapter binds for the request (`issued_to`), and what the
listing names (index, partition value, key condition, filters, order). A cursor opens only for
the same query by the same caller on the same route; anything else — malformed, forged,
tampered with, from another query, route or caller, or sealed under another key — is
BAD_CURSOR (400), never a query.

AES-SIV is deterministic (the same position of the same query gives the same cursor, which
reveals nothing more), so no nonce can repeat however many cursors one key seals.

The key is derived (HKDF-SHA256) from a Secrets Manager secret, named by ZHTJ_CURSOR_SECRET
(default `zhtj/cursor-key`): the cloud template generates it, infra/provision.py makes one
locally. It is read once per process. A new secret value makes earlier cursors BAD_CURSOR once
the containers are recycled: the client starts again from the first page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from zhtj.core.errors import ValidationError
from zhtj.core.settings import get_settings
from zhtj.table.clients import aws

BAD_CURSOR = ValidationError("BAD_CURSOR", "翻页标记无效，请从第一页重新查询", "cursor")

VERSION = "c1"
_KEY_INFO = b"zhtj:page-cursor:v1"
_SIV_TAG_BYTES = 16

# Who a cursor is issued to: set by the HTTP adapter for one request (route, account, acting
# organisation); empty outside a request (a worker paging through its own queue messages).
_issued_to: ContextVar[tuple[str | None, ...]] = ContextVar("cursor_issued_to", default=())
_key_lock = threading.Lock()


@contextmanager
def issued_to(route: str, account_id: str | None, acting_org_id: str | None) -> Iterator[None]:
    """Bind the cursors sealed and opened inside the block to this route and caller."""
    token = _issued_to.set((route, account_id, acting_org_id))
    try:
        yield
    finally:
        _issued_to.reset(token)


@lru_cache(maxsize=1)
def _cipher() -> AESSIV:
    secret = aws("secretsmanager").get_secret_value(SecretId=get_settings().cursor_secret)["SecretString"]
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_KEY_INFO).derive(secret.encode("utf-8"))
    return AESSIV(key)


def _key() -> AESSIV:
    # Under a lock: the threads of the local server would each read the secret otherwise.
    with _key_lock:
        return _cipher()


def _scope_digest(scope: tuple[Any, ...]) -> bytes:
    text = json.dumps([list(_issued_to.get()), *scope], default=str, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).digest()


def seal(state: Any, *scope: Any) -> str | None:
    """Take a listing's resume state (JSON data; None or empty: no next page) and what names
    the listing; return the cursor (None for no next page)."""
    if not state:
        return None
    plain = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    sealed = _key().encrypt(plain, [_scope_digest(scope)])
    return f"{VERSION}.{base64.urlsafe_b64encode(sealed).rstrip(b'=').decode('ascii')}"


def open_cursor(cursor: str | None, *scope: Any) -> Any:
    """Take a cursor and what names the listing; return the state it was sealed with (None for
    no cursor). Raises BAD_CURSOR for anything this system did not issue for this scope."""
    if not cursor:
        return None
    version, _, body = cursor.partition(".")
    if version != VERSION:
        raise BAD_CURSOR
    try:
        sealed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as error:
        raise BAD_CURSOR from error
    if len(sealed) <= _SIV_TAG_BYTES:
        raise BAD_CURSOR
    try:
        plain = _key().decrypt(sealed, [_scope_digest(scope)])
    except InvalidTag as error:
        raise BAD_CURSOR from error
    return json.loads(plain)


def _query_scope(query: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """What names a PynamoDB query: its index (or the table), hash key, conditions and options.
    Conditions are named by their expression text (`begins_with (gsi2sk, {'S': '/o1/'})`)."""
    owner = query.__self__
    index = getattr(getattr(owner, "Meta", None), "index_name", None) if not isinstance(owner, type) else None
    return ("query", index or "table", [str(a) for a in args], {k: str(v) for k, v in sorted(kwargs.items())})


def read_page(
    query: Any, *args: Any, limit: int, start_key: dict[str, Any] | None, **kwargs: Any
) -> tuple[list[Any], dict[str, Any] | None]:
    """Run a PynamoDB query (`Model.query` or `Index.query`) for one page from `start_key`.
    Returns the items and the key the next page starts from (None on the last page)."""
    from pynamodb.exceptions import QueryError

    try:
        results = query(*args, limit=limit, last_evaluated_key=start_key, **kwargs)
        items = list(results)
    except QueryError as error:
        # A key sealed before the table's keys changed shape.
        if getattr(error, "cause_response_code", None) == "ValidationException":
            raise BAD_CURSOR from error
        raise
    return items, results.last_evaluated_key if len(items) == limit else None


def query_page(query: Any, *args: Any, limit: int, cursor: str | None, **kwargs: Any) -> tuple[list[Any], str | None]:
    """One page of a PynamoDB query and the cursor of the next (None on the last). Raises
    BAD_CURSOR for a cursor that was not issued for this query, route and caller."""
    scope = _query_scope(query, args, kwargs)
    items, last_key = read_page(query, *args, limit=limit, start_key=open_cursor(cursor, *scope), **kwargs)
    return items, seal(last_key, *scope)
