"""The wiring manifest (chalicefile.json): functions, their triggers, queues, schedules and
state machines. The Chalice app, the cloud template and the local runtime are all built
from it, so that wiring is stated once.

Every Lambda function reads it at its cold start, so it is read into msgspec structs (no
pydantic: docs/architecture.md, "Cold starts"); an unknown key, a missing one or a value out of
its bounds is refused with `msgspec.ValidationError` (a ValueError) naming where.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

# The payment providers whose notifications arrive at /webhooks/<provider> (their adapters are
# in zhtj.integrations.payments): wiring beside the manifest's functions.
PAYMENT_PROVIDERS = ("wechatpay", "alipay")


class Entry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A part of the manifest: made with keywords, immutable; a key it does not know is refused.
    A subclass says `frozen=True, kw_only=True` again (msgspec does not carry `kw_only` over, and
    mypy reads both from each class)."""


class Queue(Entry, frozen=True, kw_only=True):
    description: str
    # AWS: at least 6x the consuming function's timeout (checked below).
    visibility_timeout_seconds: Annotated[int, Meta(ge=30, le=43200)]
    max_receive_count: Annotated[int, Meta(ge=5, le=1000)]
    retention_days: Annotated[int, Meta(ge=1, le=14)] = 14


# A function's trigger is told apart by its `type` (the tag, written first).
class SqsTrigger(Entry, frozen=True, kw_only=True, tag_field="type", tag="sqs"):
    queue: str
    batch_size: Annotated[int, Meta(ge=1, le=10)] = 10
    maximum_concurrency: Annotated[int, Meta(ge=2, le=1000)] | None = None


class ScheduleTrigger(Entry, frozen=True, kw_only=True, tag_field="type", tag="schedule"):
    # EventBridge expression as the cloud fires it: "rate(1 day)", "cron(0 17 * * ? *)".
    expression: Annotated[str, Meta(pattern=r"^(rate|cron)\(.+\)$")]
    # How often the local runner fires it (a day is too long to wait for on one machine).
    local_every_seconds: Annotated[int, Meta(ge=1)]
    # Locally, each firing waits until the runner has read the table's stream to its end: the
    # recount compares the counters the stream keeps, and the local stack starts with the whole
    # demo still on the stream (in the cloud the stream is seconds behind, and the job is nightly).
    local_after_stream: bool = False


class InvokeTrigger(Entry, frozen=True, kw_only=True, tag_field="type", tag="invoke"):
    """Called by a state machine or another function, not by an event source."""


class StreamTrigger(Entry, frozen=True, kw_only=True, tag_field="type", tag="dynamodb_stream"):
    """The table's change stream (NEW_AND_OLD_IMAGES) through an event source mapping. Only
    records whose new or old image is of one of `kinds` reach the function (Lambda's event
    filtering in the cloud, the runner locally); a batch that keeps failing goes, as a
    description, to the function's failure queue (`<app>-<function>-failures`)."""

    kinds: Annotated[list[str], Meta(min_length=1)]
    batch_size: Annotated[int, Meta(ge=1, le=10000)] = 100
    batching_window_seconds: Annotated[int, Meta(ge=0, le=300)] = 1
    maximum_retry_attempts: Annotated[int, Meta(ge=0, le=10000)] = 10
    parallelization_factor: Annotated[int, Meta(ge=1, le=10)] = 1


Trigger = SqsTrigger | ScheduleTrigger | InvokeTrigger | StreamTrigger


class Function(Entry, frozen=True, kw_only=True):
    handler: str
    trigger: Trigger
    timeout_seconds: Annotated[int, Meta(ge=1, le=900)]
    memory_mb: Annotated[int, Meta(ge=128, le=10240)] = 512


class StateMachine(Entry, frozen=True, kw_only=True):
    definition: str
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"
    # Placeholder in the ASL file -> "queue:<name>" | "table" | "function:<name>".
    substitutions: dict[str, str] = msgspec.field(default_factory=dict)


class Manifest(Entry, frozen=True, kw_only=True):
    app: str
    table: str
    queues: dict[str, Queue]
    functions: dict[str, Function]
    state_machines: dict[str, StateMachine] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        self._queues_are_consumed_safely()

    @classmethod
    def from_data(cls, data: Any) -> Manifest:
        """The manifest of JSON data (as chalicefile.json holds it)."""
        return msgspec.convert(data, cls)

    def to_data(self) -> dict[str, Any]:
        """The JSON data of the manifest (what `from_data` reads)."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    def _queues_are_consumed_safely(self) -> None:
        for name, function in self.functions.items():
            trigger = function.trigger
            if isinstance(trigger, SqsTrigger):
                queue = self.queues.get(trigger.queue)
                if queue is None:
                    raise ValueError(f"function {name} reads unknown queue {trigger.queue}")
                if queue.visibility_timeout_seconds < 6 * function.timeout_seconds:
                    raise ValueError(f"queue {trigger.queue}: visibility timeout < 6x {name}'s timeout")
        consumed = {f.trigger.queue for f in self.functions.values() if isinstance(f.trigger, SqsTrigger)}
        if unused := set(self.queues) - consumed:
            raise ValueError(f"queues without a consumer: {sorted(unused)}")

    def queue_name(self, queue: str) -> str:
        """The deployed name of a manifest queue."""
        return f"{self.app}-{queue}"

    def dlq_name(self, queue: str) -> str:
        return f"{self.app}-{queue}-dlq"

    def sqs_functions(self) -> dict[str, tuple[Function, SqsTrigger]]:
        return {n: (f, f.trigger) for n, f in self.functions.items() if isinstance(f.trigger, SqsTrigger)}

    def stream_functions(self) -> dict[str, tuple[Function, StreamTrigger]]:
        return {n: (f, f.trigger) for n, f in self.functions.items() if isinstance(f.trigger, StreamTrigger)}

    def stream_failures_name(self, function: str) -> str:
        """The queue a stream function's failed batches are described to (its DLQ)."""
        return f"{self.app}-{function}-failures"

    def scheduled_functions(self) -> dict[str, tuple[Function, ScheduleTrigger]]:
        return {n: (f, f.trigger) for n, f in self.functions.items() if isinstance(f.trigger, ScheduleTrigger)}


# A link to the repository's chalicefile.json; the layer build copies the file itself.
DEFAULT_PATH = Path(__file__).with_name("chalicefile.json")


@lru_cache(maxsize=4)
def load_manifest(path: Path = DEFAULT_PATH) -> Manifest:
    """Read and validate chalicefile.json; raises ValueError (msgspec.ValidationError for a key or
    value) when it is malformed."""
    return msgspec.json.decode(Path(path).read_bytes(), type=Manifest)
