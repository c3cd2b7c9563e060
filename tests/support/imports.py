"""Imports (bulk entry) through the HTTP API: a spreadsheet of persons, uploaded to its presigned
URL, started, and the imports queue delivered to the import worker."""

from __future__ import annotations

import io
from typing import Any

import boto3
import requests
from openpyxl import Workbook

from tests.support.http import call
from tests.support.queues import sqs_records
from tests.support.registration import make_id
from tests.support.world import World
from zhtj.imports import template as sheet
from zhtj.imports.messages import IMPORTS
from zhtj.imports.rules import ImportState

HEADERS = [("*" if c.required else "") + c.header for c in sheet.COLUMNS]


def person(seq: int, branch: str | None, **overrides: Any) -> dict[str, Any]:
    """A good row (by header), a different person per `seq`."""
    row: dict[str, Any] = {
        "姓名": f"李晓{'明红刚强伟芳娜敏静丽'[seq % 10]}",
        "身份证号码": make_id(seq=seq),
        "民族": "汉族",
        "政治面貌": "共青团员",
        "入团年月": "2021-05",
        "是否团干部": "否",
        "发展团员编号": f"2021440{seq:05d}",
        "手机号码": "13800138000",
        "所在团支部": branch,
    }
    row.update(overrides)
    return row


def workbook(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    book = Workbook()
    data = book.active
    data.title = sheet.DATA_SHEET
    headers = headers or HEADERS
    data.append(headers)
    for row in rows:
        data.append([row.get(h.lstrip("*")) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def drain(client: Any, limit: int | None = None, expect_failure: bool = False) -> int:
    """Deliver the imports queue to the import worker a message at a time (batch size 1, as
    deployed); returns the messages handled. A failed message is left for redelivery."""
    sqs = boto3.client("sqs")
    url = IMPORTS.url()
    handled = 0
    while limit is None or handled < limit:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"]).get("Messages", [])
        if not found:
            break
        message = found[0]
        payload = client.lambda_.invoke("import_worker", {"Records": sqs_records([message], "imports")}).payload
        handled += 1
        if payload["batchItemFailures"]:
            assert expect_failure, payload
            # As after the visibility timeout: the message is delivered again.
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
            return handled
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return handled


def upload(client: Any, world: World, importer: str, data: bytes, file_name: str = "团员.xlsx") -> dict[str, Any]:
    """Create an import, PUT the file to its presigned URL and start it; returns the import."""
    status, created = call(
        client, "POST", f"/orgs/{world.orgs[importer]}/imports", world.headers(importer), {"file_name": file_name}
    )
    assert status == 201, created
    assert created["job"]["state"] == ImportState.UPLOADING
    put = requests.put(created["upload_url"], data=data, headers={"Content-Type": created["content_type"]}, timeout=10)
    assert put.status_code == 200
    status, started = call(client, "POST", f"/imports/{created['job']['import_id']}/start", world.headers(importer))
    assert (status, started["state"]) == (202, ImportState.QUEUED), started
    return dict(started)


def run_import(client: Any, world: World, importer: str, data: bytes) -> dict[str, Any]:
    job = upload(client, world, importer, data)
    drain(client)
    return progress(client, world, importer, job["import_id"])


def progress(client: Any, world: World, caller: str, import_id: str) -> dict[str, Any]:
    status, answer = call(client, "GET", f"/imports/{import_id}", world.headers(caller))
    assert status == 200, answer
    return dict(answer)
