"""The statistics checked against a recount."""

from __future__ import annotations

from collections import Counter
from typing import Any

from zhtj.registration.service import today_in_china
from zhtj.sweeps import service as sweeps


def recount() -> tuple[list[dict[str, Any]], Counter[str]]:
    """The sweep's own recount over one segment, and a plain count of normal members per branch."""
    partial, dues = sweeps.Partial(), {}
    plain: Counter[str] = Counter()
    today = today_in_china()
    for item in sweeps.scan_items(0, 1):
        sweeps._see(partial, item, today, dues)
        if item.get("kind") == "Member" and item.get("state", "NORMAL") == "NORMAL":
            plain[item["branch_id"]] += 1
    return sweeps._drift(partial), plain
