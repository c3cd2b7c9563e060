"""Benchmark of bulk entry (IMPORT): a generated workbook of `rows` members imported by a county
committee (天河) for its ten branches, through the imports queue and the import worker, against
in-process moto. `run()` returns {"rows", "seconds", "rows_per_second", "cpu_ms_per_row", ...}; the
time (and the process's CPU time) runs from the start call to the import's DONE, report included.

    .venv/bin/python -m bench.import_bench [rows]
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)

BRANCHES = 10


def _workbook(rows: int, branch_aliases: list[str]) -> bytes:
    """The committee's own template (zhtj.imports.template: data sheet, guide, hidden lists)
    filled with `rows` people and saved, as Excel or WPS saves a filled template: with the
    sheet's dimension at its head (openpyxl's write-only mode leaves it out, and a file without
    it costs the reader one more pass over the sheet: docs/capacity.md, "Bulk import")."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from zhtj.core.identity import check_character
    from zhtj.imports import template as sheet

    book = load_workbook(io.BytesIO(sheet.build_template(branch_aliases, for_branch=False)))
    data = book[sheet.DATA_SHEET]
    for i in range(rows):
        # A different person per row: birth day (2000-01-01 on) x sequence number.
        day = 1 + (i // 900) % 28
        month = 1 + (i // (900 * 28)) % 12
        body = f"440106{2000 + i // (900 * 28 * 12)}{month:02d}{day:02d}{100 + i % 900:03d}"
        values = {
            "name": "李晓明",
            "id_number": body + check_character(body),
            "ethnicity": "汉族",
            "political_status": "共青团员",
            "join_month": "2021-05",
            "is_cadre": "否",
            "development_number": f"2021{i:08d}",
            "phone": "13800138000",
            "branch_id": branch_aliases[i % len(branch_aliases)],
        }
        data.append([values.get(c.field) for c in sheet.COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _deliver(worker: Any, queue: str) -> int:
    """Hand the queue's messages to the worker one at a time (batch size 1, as deployed). After
    each, what the heap holds is frozen out of the garbage collector: moto's table (≈ 6 items a
    row, each a tree of objects) lives in this heap, not in a Lambda's, and the collector's full
    passes over a 10,000-row import would otherwise walk all of it, several times a chunk (a
    quarter of the CPU by the end); the chunk's own allocations are collected as in a worker."""
    import gc

    import boto3

    from zhtj.table.queues import queue_url

    sqs, url, handled = boto3.client("sqs"), queue_url(queue), 0
    while found := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
        message = found[0]
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws-cn:sqs:cn-north-1:1:zhtj-{queue}",
        }
        answer = worker({"Records": [record]}, None)
        if answer["batchItemFailures"]:
            raise RuntimeError(f"a chunk failed: {json.dumps(answer)}")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        handled += 1
        gc.freeze()
    return handled


def run(rows: int = 10000) -> dict[str, Any]:
    import gc

    from moto import mock_aws

    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)
    from infra import moto_patches
    from zhtj.core import settings

    # The fake provider has no rate: the rows still take their turns in the real-name budget
    # (one UpdateItem a chunk), but at the provider's 20/s this part would measure the provider,
    # not the import (that bound is in docs/capacity.md).
    os.environ.setdefault(settings.IDENTITY_RATE_ENV, "100000")
    moto_patches.apply()
    with mock_aws():
        from chalicelib.imports.workers import import_worker
        from infra.provision import provision
        from tests.support import build_world, org_body
        from tests.support.moto_state import reset_caches
        from zhtj.imports import service as imports
        from zhtj.imports import template as sheet
        from zhtj.imports.messages import IMPORTS
        from zhtj.orgs import service as orgs
        from zhtj.orgs.rules import OrgType
        from zhtj.table import storage

        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
        provision()
        world = build_world()
        aliases = ["华景社区团支部"]
        for n in range(1, BRANCHES):
            name = f"第{n}社区"
            body = org_body(
                OrgType.BRANCH,
                f"广州市天河区{name}团支部",
                f"中国共产主义青年团广州市天河区{name}支部委员会",
                f"{name}团支部",
            )
            aliases.append(orgs.create_child(world.principal("tianhe"), world.orgs["tianhe"], body).alias)
        data = _workbook(rows, aliases)
        principal = world.principal("tianhe")
        job, _ = imports.create(principal, world.orgs["tianhe"], "bench.xlsx")
        storage.put_bytes("uploads", job.upload_key, data, sheet.XLSX_CONTENT_TYPE)
        # A worker's heap at its first chunk holds its loaded code, frozen as it loaded
        # (zhtj.core.heap.loading), not this setup's world, workbook and moto table: frozen too.
        gc.freeze()
        began, cpu = time.perf_counter(), time.process_time()
        imports.start(principal, job.import_id)
        chunks = _deliver(import_worker, IMPORTS.name)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        done = imports.read(principal, job.import_id)
        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
    if done.state != imports.ImportState.DONE or done.rows_good != rows:
        raise RuntimeError(f"import ended {done.state} with {done.rows_good} of {rows} rows imported")
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds, 1),
        # The process's CPU (every thread) per row: what bounds the rate whatever else the machine runs.
        "cpu_ms_per_row": round(cpu / rows * 1000, 3),
        "chunks": chunks,
        "chunk_rows": imports.chunk_rows(),
        "file_bytes": len(data),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10000), ensure_ascii=False))
