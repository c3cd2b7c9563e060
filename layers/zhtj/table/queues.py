"""The manifest's queues, each declared once with the type of its messages. Nothing above the
data layer touches boto3.

A capability declares its queue in its own `messages.py`: `CARDS = Queue("cards", RenderCard)`.
A message is a `Message`: a `msgspec.Struct` made with keywords and immutable (changed copies:
`msgspec.structs.replace`), declared `class ImportChunk(Message, frozen=True, kw_only=True)`
(msgspec does not carry `kw_only` over to a subclass, and mypy reads both from each class). A
queue of several kinds takes a union of them, each tagged (`..., tag_field="kind", tag="start"`);
a lone message may be tagged too, and then a body carrying another `kind` is refused. The name must be a queue of
chalicefile.json. Producers `send` a message; workers `parse` a record's body into one and
dispatch with `match` on its type. (They were pydantic models, then records of our own making:
every function's cold start paid for the machinery; docs/architecture.md, "Cold starts".)

The JSON sent is the message's fields in declaration order (the tag first), every field written
(a null too) unless the class says `omit_defaults=True`: then a field holding its default is left
out. A message keeps the keys its producers have always sent, so that messages in flight during
a deploy still parse (tests/unit/test_queues_declared.py). Unknown keys are ignored on parse.
"""

from __future__ import annotations

import json
from functools import cached_property, lru_cache
from typing import Any, Generic, TypeVar

import msgspec

from zhtj.core import faults
from zhtj.core.manifest import load_manifest
from zhtj.table.clients import aws

__all__ = ["DECLARED", "MalformedMessage", "Message", "Queue", "queue_url", "reset_clients"]


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every queue message: made with keywords, immutable, equal by type and values; on
    parse, keys it does not know are ignored. A subclass says `frozen=True, kw_only=True` again."""


class MalformedMessage(ValueError):
    """A queue body that is not one of its queue's messages (poison: the record fails, is
    retried, then dead-lettered)."""


@lru_cache(maxsize=1)
def _sqs() -> Any:
    return aws("sqs")


@lru_cache(maxsize=32)
def queue_url(queue: str) -> str:
    """The URL of a manifest queue (by its manifest name)."""
    name = load_manifest().queue_name(queue)
    return str(_sqs().get_queue_url(QueueName=name)["QueueUrl"])


M = TypeVar("M")


class Queue(Generic[M]):
    """A manifest queue and the type of its messages."""

    def __init__(self, name: str, message_type: Any) -> None:
        if name not in load_manifest().queues:
            raise ValueError(f"queue {name!r} is not a queue of the manifest (chalicefile.json)")
        if name in DECLARED:
            raise ValueError(f"queue {name!r} is declared twice")
        self.name = name
        self.message_type = message_type
        DECLARED[name] = self

    def __repr__(self) -> str:
        return f"Queue({self.name!r})"

    def body(self, message: M) -> str:
        """The JSON text of a message, as sent (as json.dumps writes it, as it always was)."""
        return json.dumps(msgspec.to_builtins(message), ensure_ascii=False)

    def send(self, message: M, delay_seconds: int = 0) -> None:
        """Send one message, delivered after `delay_seconds` (at most 900, SQS's limit)."""
        faults.maybe_fail_send(self.name)
        _sqs().send_message(QueueUrl=self.url(), MessageBody=self.body(message), DelaySeconds=delay_seconds)

    def parse(self, body: str | bytes | dict[str, Any]) -> M:
        """A record's body as a message; MalformedMessage if it is not JSON or not one of this
        queue's messages."""
        try:
            if isinstance(body, dict):
                parsed: M = msgspec.convert(body, self.message_type)
            else:
                parsed = self._decoder.decode(body)
            return parsed
        except ValueError as error:  # msgspec's DecodeError and ValidationError are ValueErrors
            raise MalformedMessage(f"malformed {self.name} message: {error}") from error

    @cached_property
    def _decoder(self) -> msgspec.json.Decoder[Any]:
        """Made at the first parse, not at import (cold starts)."""
        return msgspec.json.Decoder(self.message_type)

    def url(self) -> str:
        return queue_url(self.name)

    def max_receive_count(self) -> int:
        """How many receives before the queue dead-letters a message (the manifest's)."""
        return load_manifest().queues[self.name].max_receive_count


DECLARED: dict[str, Queue[Any]] = {}
"""Every queue declared so far, by manifest name (zhtj.registry imports every declaration)."""


def send_unchecked(queue: Queue[Any], body: dict[str, Any]) -> None:
    """Send a body that need not be one of the queue's messages: only for tests that feed a
    worker poison (a message no worker can handle)."""
    _sqs().send_message(QueueUrl=queue.url(), MessageBody=json.dumps(body, ensure_ascii=False), DelaySeconds=0)


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    _sqs.cache_clear()
    queue_url.cache_clear()
