"""Member card rendering (CARD-1): time per card and PDF size for a card with a long history
(ten years of dues month by month, transfers, awards, evaluations, registrations, volunteer
hours), next to the floor measured in the same run with the same library and font: a minimal
one-page PDF with one line of Chinese text. Then the whole worker step per card in in-process
moto (one Query, the branch read, KMS Sign, the render, the S3 put, the conditional record).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)
from zhtj.cards import content as card_content
from zhtj.cards import pdf as card_pdf

MONTHS = [f"{year}-{month:02d}" for year in range(2016, 2026) for month in range(1, 13)]


def long_history_items(member_id: str = "m01jbench00000000") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {"sk": "META", "member_id": member_id, "name": "欧阳晓明", "id_masked": "4401**********123X", "sex": "F",
         "ethnicity": "01", "birth_date": "2003-04-05", "join_month": "2018-05", "development_number": "201844010001",
         "state": "NORMAL", "education": "本科", "branch_id": "o1"},
        {"sk": "CARD", "card_number": "01JB-ENCH-0000-0000", "content_version": 131, "dues_by_month": True},
    ]  # fmt: skip
    for month in MONTHS:
        items.append({"sk": f"PAID#{month}", "month": month, "amount_fen": 20, "paid_at": f"{month}-10T02:00:00+00:00"})
    for n in range(4):
        items.append({"sk": f"XFER#t{n}", "state": "COMPLETED", "from_branch_name": f"广州市第{n}中学团支部",
                      "to_branch_name": f"中山大学计算机学院2021级{n}班团支部",
                      "completed_at": f"202{n}-09-01T02:00:00+00:00"})  # fmt: skip
    items += [
        {"sk": "AWARD#a1", "award_id": "a1", "award_kind": "REWARD", "title": "优秀共青团员",
         "granted_on": "2022-05-04", "granted_by_name": "共青团广州市委员会"},
        {"sk": "EVAL#2023", "year": 2023, "grade": "优秀", "org_name": "团支部"},
        {"sk": "ANNUAL#2024", "year": 2024, "result": "已注册", "registered_on": "2024-03-01"},
        {"sk": "VOLUNTEER#v1", "activity": "社区服务", "served_on": "2024-03-05", "tenths_of_hours": 35},
    ]  # fmt: skip
    return items


def _timed(work: Callable[[], bytes], count: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(count):
        started = time.perf_counter()
        size = len(work())
        times.append(time.perf_counter() - started)
    return times, size


def _ms(values: list[float], quantile: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000, 1)


def pipeline_per_card(count: int) -> float:
    """Milliseconds per card of the worker's whole step (cards.render) in in-process moto."""
    import boto3
    from moto import mock_aws

    from infra import moto_patches
    from infra.provision import provision
    from zhtj.cards import due as card_due
    from zhtj.cards import service as cards
    from zhtj.cards.rules import RenderOutcome
    from zhtj.orgs.service import bootstrap_province
    from zhtj.table import keys, queues, signing, storage
    from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

    moto_patches.apply()  # as the other in-process parts: a transaction costs what DynamoDB's does
    with mock_aws():
        for module in (queues, storage, signing):
            module.reset_clients()
        provision()
        root = bootstrap_province("广东团省委", "中国共产主义青年团广东省委员会", "广东团省委", "广东省").root
        from boto3.dynamodb.types import TypeSerializer

        serializer, client = TypeSerializer(), boto3.client("dynamodb")
        member_ids = [f"m01jbench{i:08d}" for i in range(count)]
        for member_id in member_ids:
            for item in long_history_items(member_id):
                if item["sk"] == "CARD":
                    continue
                item = {**item, "pk": keys.member_pk(member_id), "branch_id": root.org_id}
                client.put_item(TableName="zhtj", Item={k: serializer.serialize(v) for k, v in item.items()})
            uow = UnitOfWork(SYSTEM_ACTOR)
            card_due.changed(uow, member_id)
            uow.commit()
        from zhtj.table import partitions

        # moto's tables live in this process; in the cloud they are DynamoDB's, not the worker's
        # heap: the collector is kept from walking them during the renders (as the worker keeps
        # it from walking its modules and font: cards/pdf.py).
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        for member_id in member_ids:
            items = partitions.items(keys.member_pk(member_id))
            assert cards.render(member_id, items, 1) == RenderOutcome.RENDERED
        per_card = round((time.perf_counter() - started) / count * 1000, 1)
        gc.unfreeze()
        return per_card


def run(count: int = 30) -> dict[str, Any]:
    branch = "中国共产主义青年团中山大学计算机学院2021级软件工程1班支部委员会"
    content = card_content.build(long_history_items(), branch)
    issue = card_pdf.Issue("https://zhtj.example/cards/verify?token=" + "A" * 162, datetime.now(UTC))
    card_pdf.render(content, issue)  # warm: imports, font parse caches
    card_times, card_size = _timed(lambda: card_pdf.render(content, issue), count)
    floor_times, floor_size = _timed(card_pdf.minimal, count)
    pipeline_ms = pipeline_per_card(max(5, count // 3))
    card_p50, floor_p50 = _ms(card_times, 0.5), _ms(floor_times, 0.5)
    return {
        "cards": count,
        "render_ms_p50": card_p50,
        "render_ms_p99": _ms(card_times, 0.99),
        "render_ms_mean": round(statistics.mean(card_times) * 1000, 1),
        "pdf_bytes": card_size,
        "minimal_ms_p50": floor_p50,
        "minimal_pdf_bytes": floor_size,
        "worker_ms_per_card": pipeline_ms,
        "rows": [
            (
                "card render, long history, p50",
                f"{card_p50} ms",
                f"minimal 1-page PDF {floor_p50} ms",
                f"{card_p50 / floor_p50:.1f}x",
            ),
            (
                "card PDF size",
                f"{card_size // 1024} KB",
                f"minimal 1-page PDF {floor_size // 1024} KB",
                f"{card_size / floor_size:.1f}x",
            ),
            (
                "card worker step (moto), per card",
                f"{pipeline_ms} ms",
                f"render alone {card_p50} ms",
                f"{pipeline_ms / card_p50:.1f}x",
            ),
        ],
    }
