"""Delivering in-process: a manifest queue to its handler, the table's stream to its functions,
each record required to succeed, as the local runner delivers them."""

from __future__ import annotations

from typing import Any


def sqs_records(messages: list[dict[str, Any]], queue: str) -> list[dict[str, Any]]:
    """Messages received from a queue as the records of the SQS event Lambda hands its function
    (each received once, unless its ApproximateReceiveCount was asked for)."""
    return [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes") or {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws-cn:sqs:cn-north-1:123456789012:zhtj-{queue}",
        }
        for m in messages
    ]


def drain(client: Any, queue: str = "registration") -> int:
    """Deliver a manifest queue to its handler until it is empty, as the local runner does, and
    require every record to succeed; returns the messages handled."""
    import boto3

    from zhtj.core.manifest import SqsTrigger, load_manifest
    from zhtj.table.queues import queue_url

    function = next(
        n for n, (_, t) in load_manifest().sqs_functions().items() if isinstance(t, SqsTrigger) and t.queue == queue
    )
    sqs = boto3.client("sqs")
    url = queue_url(queue)
    handled = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        records = sqs_records(messages, queue)
        payload = client.lambda_.invoke(function, {"Records": records}).payload
        assert payload == {"batchItemFailures": []}, payload
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        handled += len(messages)
    return handled


def stream_shard() -> Any:
    """moto's shard of the table's stream: its records (`items`), in order."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from zhtj.core.settings import get_settings

    settings = get_settings()
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][settings.region].tables[settings.table_name].stream_shard


def drain_stream(client: Any | None = None, only: str | None = None) -> dict[str, int]:
    """Deliver the table's stream to every stream function (stats_stream, worklist_stream) until
    nothing is left (the OwnStat changes stats_stream makes are stream records too), each in
    order, from its own position and with its mapping's filter, as the local runner does; the
    next drain starts after the records this one delivered. `only`: that one function alone.
    Requires every record to succeed; returns records delivered by kind (to any function)."""
    from datetime import datetime

    from zhtj.core.manifest import load_manifest

    functions = {n: f for n, f in load_manifest().stream_functions().items() if only in (None, n)}
    shard = stream_shard()
    delivered: dict[str, int] = {}
    # Where each function's last drain stopped: kept on moto's shard, so that a restored state
    # (tests/support/moto_state.py) carries its own positions. Records stay on the shard (the
    # plaintext-ID watch reads them).
    positions: dict[str, int] = getattr(shard, "zhtj_positions", None) or {}
    shard.zhtj_positions = positions
    while any(len(shard.items) > positions.get(name, 0) for name in functions):
        for name, (function, trigger) in functions.items():
            start = positions.get(name, 0)
            taken = [r.to_json() for r in shard.items[start:]]
            positions[name] = start + len(taken)
            records = []
            for raw in taken:
                images = raw["dynamodb"]
                kind = (images.get("NewImage") or images.get("OldImage") or {}).get("kind", {}).get("S")
                if kind not in trigger.kinds:
                    continue
                delivered[kind] = delivered.get(kind, 0) + 1
                body = dict(images)
                if isinstance(body.get("ApproximateCreationDateTime"), datetime):
                    body["ApproximateCreationDateTime"] = int(body["ApproximateCreationDateTime"].timestamp())
                arn = "arn:aws-cn:dynamodb:cn-north-1:1:table/zhtj"
                records.append({**raw, "dynamodb": body, "eventSourceARN": arn})
            for first in range(0, len(records), trigger.batch_size):
                event = {"Records": records[first : first + trigger.batch_size]}
                if client is not None:
                    payload = client.lambda_.invoke(name, event).payload
                else:
                    from chalicelib.wiring import resolve

                    payload = resolve(function.handler)(event, None)
                assert payload == {"batchItemFailures": []}, (name, payload)
    return delivered
