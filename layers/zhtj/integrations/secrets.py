"""Provider secrets (SMS, real-name): one Secrets Manager secret per provider, its SecretString a
JSON object, read once per process (a Lambda container reads a secret on its first use only;
an operator's rotation reaches containers as they are recycled). The payment providers keep
their own reader (payments/config.py)."""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from typing import Any

from zhtj.table.clients import aws

_LOCK = threading.Lock()
_documents: dict[str, dict[str, Any]] = {}


@lru_cache(maxsize=1)
def _client() -> Any:
    return aws("secretsmanager")


def read_json(secret_name: str) -> dict[str, Any]:
    """The secret's JSON document, read from Secrets Manager once per process (under a lock, so
    that concurrent first uses read it once)."""
    with _LOCK:
        document = _documents.get(secret_name)
        if document is None:
            answer = _client().get_secret_value(SecretId=secret_name)
            document = json.loads(answer["SecretString"])
            if not isinstance(document, dict):
                raise ValueError(f"secret {secret_name!r} is not a JSON object")
            _documents[secret_name] = document
        return document


def forget() -> None:
    """Forget read secrets and the client (tests switch moto between runs)."""
    with _LOCK:
        _documents.clear()
        _client.cache_clear()
