"""The event runner: the part of the cloud moto does not emulate (REFERENCE.md). It polls each
SQS-triggered function's queue and calls the handler with a real Lambda SQS event, honours
partial batch responses, reads the table's stream for stream-triggered functions (with the
mapping's filter, checkpoint and failure destination), fires scheduled functions, and expires
TTL'd table items.

Handlers are called as Lambda calls them, `getattr(app_module, name)(event, context)`, so
the local system runs the same entry points the cloud does.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from zhtj.core.manifest import Function, Manifest, SqsTrigger, StreamTrigger

# Pollers per queue at most, locally (the manifest's maximum_concurrency caps them in the cloud).
LOCAL_MAX_POLLERS = 4
log = logging.getLogger("local.runner")

ACCOUNT = "123456789012"  # moto's default account
STAGE = "local"
# Long-poll length of the background pollers: long enough not to spin, short enough that
# stop() returns promptly.
POLL_WAIT_SECONDS = 2
# A full scan in moto: often enough for locks and upload records, rare enough not to slow a burst.
TTL_EVERY_SECONDS = 300
# DynamoDB's TTL ignores non-numbers; the type test also keeps moto from comparing a string
# with a number (it raises TypeError).
EXPIRED = "attribute_type(#ttl, :number) AND #ttl < :now"


@dataclass
class Counts:
    """What one pass (or a run) did."""

    received: int = 0  # SQS messages handed to handlers
    deleted: int = 0  # ... of which succeeded and were deleted
    failed: int = 0  # ... of which failed and were left for redelivery
    invocations: int = 0  # handler calls (batches and schedule firings)
    errors: int = 0  # handler calls that raised
    scheduled: int = 0  # schedule firings
    expired: int = 0  # table items deleted by TTL
    streamed: int = 0  # stream records handed to handlers (after filtering)

    def add(self, other: Counts) -> Counts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


class LambdaContext:
    """The context object the Lambda Python runtime passes to a handler."""

    def __init__(self, function_name: str, function: Function, partition: str, region: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:{partition}:lambda:{region}:{ACCOUNT}:function:{function_name}"
        # The runtime hands this over as a string (from AWS_LAMBDA_FUNCTION_MEMORY_SIZE), so do we.
        self.memory_limit_in_mb = str(function.memory_mb)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + function.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class _Queue:
    url: str
    arn: str
    max_receive_count: int


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """An SQS API message attribute as it appears in a Lambda event (camelCase, base64 binary)."""
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return out


class EventRunner:
    """Delivers queue messages and schedules of `manifest` to the handlers on `app_module`.

    `run_once()` does one pass synchronously (tests); `start()`/`stop()` run it in background
    threads: one long-polling thread per SQS function and one clock thread for schedules and TTL.
    Failed messages become visible again after `retry_backoff_seconds` x their receive count
    (the cloud waits for the whole visibility timeout; locally that is minutes of waiting).
    """

    def __init__(
        self,
        app_module: Any,
        manifest: Manifest,
        session: boto3.Session,
        *,
        poll_wait_seconds: int = POLL_WAIT_SECONDS,
        retry_backoff_seconds: int = 2,
        ttl_every_seconds: float = TTL_EVERY_SECONDS,
        table_name: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_module = app_module
        self.manifest = manifest
        self.poll_wait_seconds = poll_wait_seconds
        self.retry_backoff_seconds = retry_backoff_seconds
        self.ttl_every_seconds = ttl_every_seconds
        self.table_name = table_name or manifest.table
        self._clock = clock
        self.region = session.region_name or "cn-north-1"
        self.partition = session.get_partition_for_region(self.region)
        # Clients are thread-safe; sessions are not, so make every client here. Every poller
        # holds an SQS connection through its long poll: a pool smaller than the pollers would
        # open and drop a connection per receive (the local moto server keeps them alive).
        pollers = sum(min(t.maximum_concurrency or 1, LOCAL_MAX_POLLERS) for _, t in manifest.sqs_functions().values())
        self._sqs = session.client(
            "sqs", config=Config(max_pool_connections=pollers + len(manifest.stream_functions()) + 2)
        )
        self._dynamodb = session.client("dynamodb")
        # The regional endpoint: botocore would pick an account-based one from the stream's ARN,
        # which in-process moto does not answer (the moto server answers any name).
        self._dynamodbstreams = session.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
        self._queues: dict[str, _Queue] = {}
        for name, queue in manifest.queues.items():
            url = self._sqs.get_queue_url(QueueName=manifest.queue_name(name))["QueueUrl"]
            arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self._queues[name] = _Queue(url, arn, queue.max_receive_count)
        self._streams = {name: _StreamReader(self, name, f, t) for name, (f, t) in manifest.stream_functions().items()}
        # Schedules first fire on the first pass, so a broken one shows at startup.
        started = clock()
        self._next_fire = dict.fromkeys(manifest.scheduled_functions(), started)
        self._next_ttl = started
        self._waiting: set[str] = set()  # schedules due but waiting for the stream (logged once)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.totals = Counts()
        self._totals_lock = threading.Lock()

    # -- one pass -------------------------------------------------------------------------

    def run_once(self, wait_seconds: int = 0) -> Counts:
        """One receive on every queue (delivering what came), due schedules, and a TTL pass."""
        counts = Counts()
        for name in self.manifest.sqs_functions():
            counts.add(self.poll(name, wait_seconds))
        for reader in self._streams.values():
            counts.add(self._record(reader.pass_once()))
        counts.add(self.fire_due_schedules())
        counts.add(self.expire())
        return counts

    def poll(self, name: str, wait_seconds: int = 0) -> Counts:
        """Receive one batch for SQS function `name` and deliver it."""
        function, trigger = self.manifest.sqs_functions()[name]
        queue = self._queues[trigger.queue]
        messages = self._sqs.receive_message(
            QueueUrl=queue.url,
            MaxNumberOfMessages=trigger.batch_size,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return Counts()
        return self._record(self._deliver(name, function, trigger, queue, messages))

    def _event(self, queue: _Queue, messages: list[dict[str, Any]]) -> dict[str, Any]:
        records = []
        for m in messages:
            record: dict[str, Any] = {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {k: _message_attribute(v) for k, v in m.get("MessageAttributes", {}).items()},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue.arn,
                "awsRegion": self.region,
            }
            if "MD5OfMessageAttributes" in m:
                record["md5OfMessageAttributes"] = m["MD5OfMessageAttributes"]
            records.append(record)
        return {"Records": records}

    def _deliver(
        self, name: str, function: Function, trigger: SqsTrigger, queue: _Queue, messages: list[dict[str, Any]]
    ) -> Counts:
        ids = [m["MessageId"] for m in messages]
        counts = Counts(received=len(messages), invocations=1)
        started = time.monotonic()
        try:
            result = self._handler(name)(self._event(queue, messages), self._context(name, function))
        except Exception:
            log.exception("%s raised: all %d records return to the queue", name, len(messages))
            failed, counts.errors = set(ids), 1
        else:
            failed = self._failed_ids(name, result, ids)
        elapsed = self._elapsed_ms(name, started, function)
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        if done:
            deleted = self._sqs.delete_message_batch(
                QueueUrl=queue.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
            for failure in deleted.get("Failed", []):
                log.warning("%s: could not delete a handled message: %s", name, failure.get("Message"))
        if retry:
            self._sqs.change_message_visibility_batch(
                QueueUrl=queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self._backoff(m)}
                    for i, m in enumerate(retry)
                ],
            )
        counts.deleted, counts.failed = len(done), len(retry)
        log.info("%-22s %2d records  %2d failed  %6d ms", name, len(messages), len(retry), elapsed)
        for m in retry:
            receives = int(m["Attributes"]["ApproximateReceiveCount"])
            if receives >= queue.max_receive_count:
                dlq = self.manifest.dlq_name(trigger.queue)
                log.warning(
                    "%s: message %s failed receive %d of %d: it goes to %s",
                    name,
                    m["MessageId"],
                    receives,
                    queue.max_receive_count,
                    dlq,
                )
        return counts

    @staticmethod
    def _failed_ids(name: str, result: Any, ids: list[str]) -> set[str]:
        """The failed message ids of a partial batch response. As Lambda does, a malformed
        response (an identifier that is empty or not in the batch) fails the whole batch."""
        if not isinstance(result, dict) or not result.get("batchItemFailures"):
            return set()
        items = result["batchItemFailures"]
        failed = {item.get("itemIdentifier") if isinstance(item, dict) else None for item in items}
        if not failed <= set(ids):
            log.error("%s: malformed batchItemFailures %r: the whole batch fails", name, items)
            return set(ids)
        return {str(i) for i in failed}

    def _backoff(self, message: dict[str, Any]) -> int:
        receives = int(message["Attributes"]["ApproximateReceiveCount"])
        return min(self.retry_backoff_seconds * receives, 60)

    @property
    def stream_caught_up(self) -> bool:
        """Every stream reader has delivered every record up to the end of the table's stream,
        as of its last read."""
        return all(reader.caught_up for reader in self._streams.values())

    def fire_due_schedules(self) -> Counts:
        """Call every scheduled function whose local interval has come round; one that runs
        after the stream (`local_after_stream`) stays due until the stream readers catch up."""
        counts = Counts()
        for name, (function, trigger) in self.manifest.scheduled_functions().items():
            now = self._clock()
            if now < self._next_fire[name]:
                continue
            if trigger.local_after_stream:
                if not self.stream_caught_up:
                    if name not in self._waiting:
                        self._waiting.add(name)
                        log.info(
                            "%s waits until the table's stream is read to its end (%s)",
                            name,
                            ", ".join(self._streams) or "-",
                        )
                    continue
                if name in self._waiting:
                    self._waiting.discard(name)
                    log.info("%s: the stream is read to its end; firing", name)
            self._next_fire[name] = now + trigger.local_every_seconds
            counts.add(self._record(self._fire(name, function)))
        return counts

    def _fire(self, name: str, function: Function) -> Counts:
        rule = f"arn:{self.partition}:events:{self.region}:{ACCOUNT}:rule/{self._function_name(name)}"
        event: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [rule],
            "detail": {},
        }
        counts = Counts(invocations=1, scheduled=1)
        started = time.monotonic()
        try:
            result = self._handler(name)(event, self._context(name, function))
        except Exception:
            log.exception("%s (schedule) raised", name)
            counts.errors = 1
            return counts
        summary = json.dumps(result, ensure_ascii=False, default=str)
        log.info("%-22s scheduled        %6d ms  %s", name, self._elapsed_ms(name, started, function), summary[:200])
        return counts

    def expire(self) -> Counts:
        """Delete the table's items whose TTL attribute (epoch seconds) has passed, as
        DynamoDB's TTL does some time after expiry (moto never does)."""
        self._next_ttl = self._clock() + self.ttl_every_seconds
        try:
            ttl = self._dynamodb.describe_time_to_live(TableName=self.table_name)["TimeToLiveDescription"]
            key_schema = self._dynamodb.describe_table(TableName=self.table_name)["Table"]["KeySchema"]
        except self._dynamodb.exceptions.ResourceNotFoundException:
            return Counts()
        if ttl.get("TimeToLiveStatus") != "ENABLED":
            return Counts()
        names = {"#ttl": ttl["AttributeName"]} | {f"#k{i}": k["AttributeName"] for i, k in enumerate(key_schema)}
        values = {":now": {"N": str(int(self._clock()))}, ":number": {"S": "N"}}
        expired = 0
        for page in self._dynamodb.get_paginator("scan").paginate(
            TableName=self.table_name,
            FilterExpression=EXPIRED,
            ProjectionExpression=", ".join(n for n in names if n.startswith("#k")),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        ):
            for key in page["Items"]:
                try:
                    # Only if still expired: the item may have been renewed since the scan.
                    self._dynamodb.delete_item(
                        TableName=self.table_name,
                        Key=key,
                        ConditionExpression=EXPIRED,
                        ExpressionAttributeNames={"#ttl": ttl["AttributeName"]},
                        ExpressionAttributeValues=values,
                    )
                    expired += 1
                except ClientError as error:
                    if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                        raise
        if expired:
            log.info("%-22s expired %d items", "ttl", expired)
        return self._record(Counts(expired=expired))

    # -- background -----------------------------------------------------------------------

    def start(self) -> None:
        """Run in background threads until stop()."""
        self._stop.clear()
        for name, (_, trigger) in self.manifest.sqs_functions().items():
            # Like Lambda's concurrent pollers, capped: one machine, two cores.
            for poller in range(min(trigger.maximum_concurrency or 1, LOCAL_MAX_POLLERS)):
                thread = threading.Thread(target=self._poll_loop, args=(name,), name=f"runner-{name}-{poller}")
                self._threads.append(thread)
        for name in self._streams:
            self._threads.append(threading.Thread(target=self._stream_loop, args=(name,), name=f"runner-{name}"))
        self._threads.append(threading.Thread(target=self._clock_loop, name="runner-clock"))
        for thread in self._threads:
            thread.daemon = True  # a handler stuck forever must not keep the process alive
            thread.start()
        queues = [self.manifest.queue_name(t.queue) for _, t in self.manifest.sqs_functions().values()]
        schedules = [f"{n} every {t.local_every_seconds}s" for n, (_, t) in self.manifest.scheduled_functions().items()]
        log.info("runner: polling %s; firing %s", ", ".join(queues) or "-", ", ".join(schedules) or "-")

    def stop(self, timeout: float = 30) -> None:
        """Stop the threads (each finishes its current long poll or handler call) and close
        the clients; the runner cannot be restarted afterwards."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("runner: %s still busy after %ss; leaving it", thread.name, timeout)
        self._threads = [t for t in self._threads if t.is_alive()]
        # Closing the pooled connections also ends the server's keep-alive threads serving them.
        self._sqs.close()
        self._dynamodb.close()
        self._dynamodbstreams.close()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _poll_loop(self, name: str) -> None:
        while not self._stop.is_set():
            try:
                self.poll(name, self.poll_wait_seconds)
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("runner: polling for %s failed; retrying", name)
                self._stop.wait(1)

    def _stream_loop(self, name: str) -> None:
        reader = self._streams[name]
        while not self._stop.is_set():
            try:
                counts = self._record(reader.pass_once())
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("runner: reading the stream for %s failed; retrying", name)
                counts = Counts()
            if not counts.received:
                self._stop.wait(reader.trigger.batching_window_seconds or 0.5)

    def _clock_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.fire_due_schedules()
                if self._clock() >= self._next_ttl:
                    self.expire()
            except Exception:
                log.exception("runner: schedule/TTL pass failed")
            self._stop.wait(0.5)

    # -- helpers --------------------------------------------------------------------------

    def _handler(self, name: str) -> Callable[[dict[str, Any], Any], Any]:
        handler: Callable[[dict[str, Any], Any], Any] = getattr(self.app_module, name)
        return handler

    def _function_name(self, name: str) -> str:
        # What Chalice deploys it as: <app>-<stage>-<function>.
        return f"{self.manifest.app}-{STAGE}-{name}"

    def _context(self, name: str, function: Function) -> LambdaContext:
        return LambdaContext(self._function_name(name), function, self.partition, self.region)

    @staticmethod
    def _elapsed_ms(name: str, started: float, function: Function) -> int:
        elapsed = int((time.monotonic() - started) * 1000)
        if elapsed > function.timeout_seconds * 1000:
            # Not failed here (a breakpoint would do it), but the cloud would have stopped it.
            log.warning("%s took %d ms, over its %d s timeout", name, elapsed, function.timeout_seconds)
        return elapsed

    def _record(self, counts: Counts) -> Counts:
        with self._totals_lock:
            self.totals.add(counts)
        return counts


class _StreamReader:
    """One stream-triggered function's event source mapping: reads the table's stream in order
    from its beginning (TRIM_HORIZON), drops records the filter excludes, and delivers batches.
    As Lambda does with ReportBatchItemFailures, a batch resumes from the first failed record;
    after `maximum_retry_attempts` retries it is described to the failure queue and skipped."""

    def __init__(self, runner: EventRunner, name: str, function: Function, trigger: StreamTrigger) -> None:
        self.runner, self.name, self.function, self.trigger = runner, name, function, trigger
        self._client = runner._dynamodbstreams
        self._failures_url = runner._sqs.get_queue_url(QueueName=runner.manifest.stream_failures_name(name))["QueueUrl"]
        self._iterator: str | None = None
        self._pending: list[dict[str, Any]] = []
        # The last read found no record after the reader's position and none waits to be
        # delivered (set by a read only: records delivered since may have made more).
        self.caught_up = False
        self._attempts = 0
        self._not_before = 0.0
        self.stream_arn = ""

    def _next_iterator(self) -> str | None:
        if self._iterator is None:
            table = self.runner._dynamodb.describe_table(TableName=self.runner.table_name)["Table"]
            self.stream_arn = table["LatestStreamArn"]
            shard = self._client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"][0]
            self._iterator = self._client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        return self._iterator

    def _wanted(self, record: dict[str, Any]) -> bool:
        images = record.get("dynamodb", {})
        kinds = {images.get(side, {}).get("kind", {}).get("S") for side in ("NewImage", "OldImage")}
        return bool(kinds & set(self.trigger.kinds))

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        out = dict(record)
        body = dict(out["dynamodb"])
        created = body.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            body["ApproximateCreationDateTime"] = int(created.timestamp())
        out["dynamodb"] = body
        out["eventSourceARN"] = self.stream_arn
        return out

    def _fill(self) -> None:
        iterator = self._next_iterator()
        while not self._pending and iterator:
            page = self._client.get_records(ShardIterator=iterator, Limit=self.trigger.batch_size)
            iterator = page.get("NextShardIterator")
            records = page.get("Records", [])
            self._pending = [self._lambda_record(r) for r in records if self._wanted(r)]
            if not records:
                break
        self._iterator = iterator
        self.caught_up = not self._pending

    def pass_once(self) -> Counts:
        """Deliver one batch (or nothing, if none is waiting or a retry's back-off runs)."""
        if time.monotonic() < self._not_before:
            return Counts()
        self._fill()
        if not self._pending:
            return Counts()
        batch = self._pending[: self.trigger.batch_size]
        counts = Counts(received=len(batch), streamed=len(batch), invocations=1)
        started = time.monotonic()
        context = self.runner._context(self.name, self.function)
        try:
            result = self.runner._handler(self.name)({"Records": batch}, context)
        except Exception:
            log.exception("%s raised: the batch of %d stream records is retried", self.name, len(batch))
            counts.errors, first_failed = 1, 0
        else:
            sequence = [r["dynamodb"]["SequenceNumber"] for r in batch]
            failed = EventRunner._failed_ids(self.name, result, sequence)
            first_failed = min((sequence.index(f) for f in failed), default=len(batch))
        elapsed = self.runner._elapsed_ms(self.name, started, self.function)
        log.info("%-22s %2d records  %2d failed  %6d ms", self.name, len(batch), len(batch) - first_failed, elapsed)
        done = first_failed
        if first_failed < len(batch):
            self._attempts += 1
            if self._attempts > self.trigger.maximum_retry_attempts:
                self._describe_failure(batch[first_failed:])
                done, self._attempts = len(batch), 0
            else:
                self._not_before = time.monotonic() + min(self.runner.retry_backoff_seconds * self._attempts, 60)
        else:
            self._attempts = 0
        self._pending = self._pending[done:]
        counts.deleted, counts.failed = done, len(batch) - done
        return counts

    def _describe_failure(self, records: list[dict[str, Any]]) -> None:
        """What Lambda's on-failure destination receives: the batch's place in the stream."""
        first, last = records[0]["dynamodb"]["SequenceNumber"], records[-1]["dynamodb"]["SequenceNumber"]
        log.error(
            "%s: stream records %s..%s failed %d times: described to its failure queue",
            self.name,
            first,
            last,
            self._attempts,
        )
        self.runner._sqs.send_message(
            QueueUrl=self._failures_url,
            MessageBody=json.dumps(
                {
                    "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": self.name},
                    "DDBStreamBatchInfo": {
                        "streamArn": self.stream_arn,
                        "startSequenceNumber": first,
                        "endSequenceNumber": last,
                        "batchSize": len(records),
                    },
                }
            ),
        )
