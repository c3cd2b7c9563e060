"""XFER demo data: one transfer waiting on the demo branch's first step, so that the branch
secretary's inbox (GET /orgs/<branch>/transfer-inbox) has something to approve, and the
figures (GET /orgs/<org>/transfer-stats) something to count. The mover is paid up (its
paid-through month was written with the members): nothing is written for the pre-check, and
no month inside another member's open dues order."""

from __future__ import annotations

from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.transfers import start as transfers
from zhtj.transfers.models import Transfer
from zhtj.transfers.rules import Cause


def load(target: Org | None, mover_id: str | None, operator: Principal) -> Transfer | None:
    """Start a transfer (through the logic layer, as the branch's operator) of `mover_id` to
    `target`. Returns it, or None if the demo is too small to have one."""
    if mover_id is None or target is None:
        return None
    request = transfers.Request(cause=Cause.EMPLOYMENT, to_branch_id=target.org_id)
    return transfers.start(operator, mover_id, request)
