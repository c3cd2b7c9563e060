"""Awards through the HTTP API: dates in the past and a reward's body."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from zhtj.core import clock


def days_ago(n: int) -> str:
    return (clock.today_in_china() - timedelta(days=n)).isoformat()


def reward(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "REWARD",
        "title": "优秀共青团员",
        "document_number": "天团〔2026〕5号",
        "document_date": days_ago(2),
    } | extra
