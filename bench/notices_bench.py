"""Notices (MSG-3), in-process: publishing a notice from the province's root to its whole
subtree on the demo province (`infra.local.demo.load`) at each scale asked, counted at
botocore's request level and timed, next to one plain PutItem of the same moto; and a member's
reading (their list, the notice read the first time, read again) and the root's read counts, by
requests. Publishing reads and writes nothing per member, so its requests and time must not grow with the province.

    .venv/bin/python -m bench.notices_bench [members]   (default: 10000; run 100000 too)
    ./dev bench (the `notices` part, --notices-members, default 100,000: the load takes ≈ 10 minutes)
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)
from bench.__main__ import counted_requests


def _dynamo(counts: Counter[str]) -> dict[str, int]:
    return {op: n for op, n in counts.items() if op.startswith("dynamodb:")}


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
        # Loaded through moto's requests: bench.search_bench's `_straight_into_moto` no longer
        # loads the demo (its branch-life part reads members the direct writes did not index).
        logins = demo.load(members)
        loaded_seconds = round(time.perf_counter() - started, 1)
        root = Principal(verify(f"Bearer {logins['province_admin']}").account_id, logins["root_org_id"])
        member = next(iter(Member.scan()))
        reader = Principal("bench-reader", None, member_id=member.member_id)
        draft = publishing.Draft("关于开展主题团日活动的通知", "请各级团组织认真组织。", Audience.SUBTREE, [], [])
        publishing.publish(root, logins["root_org_id"], draft)  # warm: clients
        started = time.perf_counter()
        with counted_requests() as publish_requests:
            notice = publishing.publish(root, logins["root_org_id"], draft)
        publish_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        NoticeCount(keys.notice_pk("bench-put"), keys.notice_count_sk("x", 0), reads=1).save()
        put_ms = (time.perf_counter() - started) * 1000
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
        "publish_ms": round(publish_ms, 1),
        "one_put_item_ms": round(put_ms, 1),
        "requests_publish": _dynamo(publish_requests),
        "requests_reader_list": _dynamo(listing),
        "requests_first_read": _dynamo(first_read),
        "requests_second_read": _dynamo(second_read),
        "requests_read_counts": _dynamo(counts),
    }


if __name__ == "__main__":
    # One scale a process: a second moto in the same process does not verify the first's tokens.
    print(json.dumps(one_scale(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), ensure_ascii=False, indent=2))
