"""Sending to the manifest's queues. Nothing above the data layer touches boto3."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import boto3

from zhtj.core.manifest import load_manifest
from zhtj.core.settings import get_settings


@lru_cache(maxsize=1)
def _sqs() -> Any:
    return boto3.client("sqs", region_name=get_settings().region)


@lru_cache(maxsize=32)
def queue_url(queue: str) -> str:
    """The URL of a manifest queue (by its manifest name)."""
    name = load_manifest().queue_name(queue)
    return str(_sqs().get_queue_url(QueueName=name)["QueueUrl"])


def send(queue: str, body: dict[str, Any], delay_seconds: int = 0) -> None:
    _sqs().send_message(
        QueueUrl=queue_url(queue), MessageBody=json.dumps(body, ensure_ascii=False), DelaySeconds=delay_seconds
    )


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    _sqs.cache_clear()
    queue_url.cache_clear()
