"""Messages (MSG-1), in-process: the DynamoDB requests of reading one's unread count and a page
of one's messages (counted at botocore's request level); the notification worker's delivery
rate (each notification to one account, in-app and by SMS through the local outbox, at noon
China time) next to the raw SQS SendMessage rate and the raw PutItem rate of the same moto.

    .venv/bin/python -m bench.messages_bench [notifications]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import datetime
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)
from bench.__main__ import counted_requests


def _per_second(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def run(count: int = 300) -> dict[str, Any]:
    import os

    from moto import mock_aws

    from infra import moto_patches
    from infra.local import sms_outbox

    os.environ["ZHTJ_SMS_PROVIDER"] = "outbox"
    sms_outbox.install()
    moto_patches.apply()
    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)

    with mock_aws():
        from infra.provision import provision
        from tests.support.sessions import new_applicant
        from zhtj.core import clock
        from zhtj.core.clock import CHINA_TZ
        from zhtj.messages import delivery, inbox
        from zhtj.messages.messages import NOTIFICATIONS, Notify
        from zhtj.messages.models import SmsDay
        from zhtj.messages.rules import Kind
        from zhtj.table import keys, queues

        provision()
        noon = datetime.now(CHINA_TZ).replace(hour=12, minute=0, second=0, microsecond=0)
        real_now = clock.now
        clock.now = lambda: noon  # outside quiet hours, whatever the bench machine's time
        try:
            accounts = [new_applicant()[0] for _ in range(count)]
            messages = [
                Notify(event_id=f"bench-{i}", notice_kind=Kind.TRANSFER_DECIDED, recipient=f"account:{a}")
                for i, a in enumerate(accounts)
            ]
            delivery.handle(messages[0])  # warm: clients, the SMS sender
            started = time.perf_counter()
            for message in messages[1:]:
                delivery.handle(message)
            delivered = time.perf_counter() - started
            started = time.perf_counter()
            for message in messages[1:]:
                NOTIFICATIONS.send(message)
            sent = time.perf_counter() - started
            started = time.perf_counter()
            for i in range(1, count):
                SmsDay(keys.account_pk(f"bare-{i}"), keys.sms_day_sk("2026-01-01"), sent=1).save()
            put = time.perf_counter() - started
            with counted_requests() as one_delivery:
                delivery.handle(
                    Notify(
                        event_id="bench-counted", notice_kind=Kind.TRANSFER_DECIDED, recipient=f"account:{accounts[0]}"
                    )
                )
            with counted_requests() as unread:
                inbox.unread_count(accounts[0])
            with counted_requests() as page:
                inbox.listing(accounts[0], None, 20)
        finally:
            clock.now = real_now
        queues.reset_clients()

    def dynamo(counts: Counter[str]) -> dict[str, int]:
        return {op: n for op, n in counts.items() if op.startswith("dynamodb:")}

    return {
        "notifications": count - 1,
        "delivered_per_s": _per_second(count - 1, delivered),
        "raw_send_message_per_s": _per_second(count - 1, sent),
        "raw_put_item_per_s": _per_second(count - 1, put),
        "requests_one_delivery_in_app_and_sms": dict(one_delivery),
        "requests_unread_count": dynamo(unread),
        "requests_page_of_messages": dynamo(page),
        "sms_sent": len(sms_outbox.messages()),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300), ensure_ascii=False, indent=2))
