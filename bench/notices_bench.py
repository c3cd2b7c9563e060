"""Notices (MSG-3), in-process: publishing a notice from the province's root to its whole
subtree on the demo province (`infra.local.demo.load`) at each scale asked, counted at
botocore's request level and timed, next to one plain PutItem of the same moto; and a member's
reading (their list, the notice read the first time, read again) and the root's read counts, by
requests. Publishing reads and writes nothing per member, so its requests and time must not grow with the province.

The demo province is loaded straight into moto's backend (`straight_into_moto`): the items
`demo.load` builds, stored as its BatchWriteItem would store them, without the botocore request
round trip per 25 items and per ID number's KMS HMAC (≈ 30 ms of a loaded machine's time per
member through requests, ≈ 50 minutes at 100,000). Nothing measured reads the members' items
(publishing reads the publisher, the reader their member item and their organisation's line);
the table holds them all the same. The measured calls go through botocore and are counted.

    .venv/bin/python -m bench.notices_bench [members]   (default: 10000; run 100000 too)
    ./dev bench (the `notices` part, --notices-members, default 100,000)
"""

from __future__ import annotations

import base64
import gc
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)
from bench.__main__ import counted_requests

# Publishes (and PutItems) timed; the median is reported.
TIMED = 7


def _timed(call: Callable[[], object]) -> tuple[float, float]:
    """(wall-clock ms, this process's CPU ms) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _dynamo(counts: Counter[str]) -> dict[str, int]:
    return {op: n for op, n in counts.items() if op.startswith("dynamodb:")}


@contextmanager
def straight_into_moto() -> Iterator[None]:
    """While loading: `Item.batch_write()` stores each item (serialized by PynamoDB, as
    BatchWriteItem carries it) in moto's table at once, and the blind index's HMAC is asked of
    moto's KMS backend directly (the same key, the same MAC). No stream record is written (a
    seeding tool's writes are not changes, demo.load's docstring says of audit records). moto's
    index files (infra/moto_patches.py, 3.) are dropped after each batch, so the next query of
    a global secondary index files the items written here too."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.dynamo_type import Item as StoredItem
    from moto.kms.models import kms_backends

    from infra import moto_patches
    from zhtj.core.settings import get_settings
    from zhtj.table import pii
    from zhtj.table.base import Item

    table = _table()
    kms = kms_backends[DEFAULT_ACCOUNT_ID][get_settings().region]

    class Direct:
        def __enter__(self) -> Direct:
            return self

        def __exit__(self, *exc: object) -> None:
            table.__dict__.pop(moto_patches._FILES, None)

        def save(self, item: Any) -> None:
            attrs = item.serialize()
            pk, sk = DynamoType(attrs["pk"]), DynamoType(attrs["sk"])
            table.items[pk][sk] = StoredItem(pk, sk, attrs)

    class DirectKms:
        """GenerateMac straight from moto's backend; any other call through the client."""

        def __getattr__(self, name: str) -> Any:
            return getattr(original_kms(), name)

        def generate_mac(self, KeyId: str, MacAlgorithm: str, Message: bytes) -> dict[str, Any]:
            mac, _, _ = kms.generate_mac(Message, KeyId, MacAlgorithm, [], False)
            return {"Mac": base64.b64decode(mac)}

    original_batch, original_kms = Item.batch_write, pii._kms
    Item.batch_write = classmethod(lambda cls, *a, **k: Direct())  # type: ignore[method-assign,assignment]
    pii._kms = lambda: DirectKms()  # type: ignore[assignment]
    try:
        yield
    finally:
        Item.batch_write = original_batch  # type: ignore[method-assign]
        pii._kms = original_kms
        table.__dict__.pop(moto_patches._FILES, None)


def one_scale(members: int) -> dict[str, Any]:
    from moto import mock_aws

    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)
    from infra import moto_patches

    moto_patches.apply()
    with mock_aws():
        from infra.local import demo
        from infra.provision import provision
        from zhtj.members.models import Member
        from zhtj.notices import publishing, read_counts, reading
        from zhtj.notices.models import NoticeCount
        from zhtj.notices.rules import Audience
        from zhtj.signin.tokens import Principal, verify
        from zhtj.table import keys, pii, queues, storage

        for module in (queues, pii, storage):
            module.reset_clients()
        provision()
        started = time.perf_counter()
        gc.disable()  # the load makes millions of objects and hardly a cycle
        with straight_into_moto():
            logins = demo.load(members)
        gc.enable()
        gc.freeze()  # moto's table lives in this heap, not in a Lambda's: the measured calls do not scan it
        loaded_seconds = round(time.perf_counter() - started, 1)
        items = sum(len(partition) for partition in _table().items.values())
        root = Principal(verify(f"Bearer {logins['province_admin']}").account_id, logins["root_org_id"])
        reader = Principal("bench-reader", None, member_id=logins["member_id"])
        assert Member.get(keys.member_pk(logins["member_id"]), keys.META).branch_id
        draft = publishing.Draft("关于开展主题团日活动的通知", "请各级团组织认真组织。", Audience.SUBTREE, [], [])
        publishing.publish(root, logins["root_org_id"], draft)  # warm: clients
        with counted_requests() as publish_requests:
            notice = publishing.publish(root, logins["root_org_id"], draft)
        # The times: the median of a few of each, interleaved (one sample on a shared machine is
        # mostly the neighbours' load), in wall-clock time and in this process's CPU time (moto
        # answers in-process: the client's and the service's work, without the waits for a core).
        publish_times: list[tuple[float, float]] = []
        put_times: list[tuple[float, float]] = []
        for i in range(TIMED):
            publish_times.append(_timed(lambda: publishing.publish(root, logins["root_org_id"], draft)))
            put = NoticeCount(keys.notice_pk(f"bench-put-{i}"), keys.notice_count_sk("x", 0), reads=1)
            put_times.append(_timed(put.save))
        publish_ms, put_ms = (statistics.median(t[0] for t in times) for times in (publish_times, put_times))
        publish_cpu_ms, put_cpu_ms = (statistics.median(t[1] for t in times) for times in (publish_times, put_times))
        with counted_requests() as listing:
            reading.listing(reader, None, 20)
        with counted_requests() as first_read:
            reading.read(reader, notice.notice_id)
        with counted_requests() as second_read:
            reading.read(reader, notice.notice_id)
        with counted_requests() as counts:
            read_counts.read_counts(root, notice.notice_id)
        queues.reset_clients()
    return {
        "members": members,
        "loaded_seconds": loaded_seconds,
        "table_items": items,
        "publish_ms": round(publish_ms, 1),  # median of TIMED
        "one_put_item_ms": round(put_ms, 1),  # median of TIMED
        "publish_cpu_ms": round(publish_cpu_ms, 2),
        "one_put_item_cpu_ms": round(put_cpu_ms, 2),
        "requests_publish": _dynamo(publish_requests),
        "requests_reader_list": _dynamo(listing),
        "requests_first_read": _dynamo(first_read),
        "requests_second_read": _dynamo(second_read),
        "requests_read_counts": _dynamo(counts),
    }


def _table() -> Any:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from zhtj.core.settings import get_settings

    settings = get_settings()
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][settings.region].tables[settings.table_name]


if __name__ == "__main__":
    # One scale a process: a second moto in the same process does not verify the first's tokens.
    print(json.dumps(one_scale(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), ensure_ascii=False, indent=2))
