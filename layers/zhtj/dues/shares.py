"""Retention shares (留存比例): how much of the dues reaching an organisation it keeps (DUES-2).

Read in one batch for a member's chain of organisations when a payment is split down it.
"""

from __future__ import annotations

from collections.abc import Sequence

from zhtj.core import clock
from zhtj.core.errors import ValidationError
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import DuesShare
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork

DEFAULT_RETENTION_BP = 0  # an organisation without a set share passes everything down


def shares(org_ids: Sequence[str]) -> dict[str, int]:
    """Retention share of each organisation (basis points), one batch read."""
    found = {
        i.org_id: int(i.retention_bp)
        for i in DuesShare.batch_get([(keys.org_pk(o), keys.DUES_SHARE_SK) for o in org_ids])
        if isinstance(i, DuesShare)
    }
    return {o: found.get(o, DEFAULT_RETENTION_BP) for o in org_ids}


def set_share(principal: Principal, org_id: str, retention_bp: int) -> DuesShare:
    """The organisation above sets how much of the dues reaching an organisation it keeps
    (0-100 %, in basis points); the province, which has no organisation above it in the
    system, sets its own (as it sets the standard). Raises ValidationError, ForbiddenError."""
    org = get_org(org_id)
    if org.parent_id is None:
        operator = authorize(principal, "dues.standard_set", None)
    else:
        operator = authorize(principal, "dues.share_set", org)
    if not 0 <= retention_bp <= dues_rules.FULL_BP:
        raise ValidationError("RETENTION_RANGE", "留存比例应在0～100%之间", "retention_percent")
    before = shares([org_id])[org_id]
    item = DuesShare(
        keys.org_pk(org_id),
        keys.DUES_SHARE_SK,
        org_id=org_id,
        retention_bp=retention_bp,
        set_by=operator.account_id,
        set_at=clock.now(),
    )
    uow = UnitOfWork(operator.actor)
    uow.put(item)
    uow.audit(
        "dues.share_set", "ORG", org_id, org_id, before={"retention_bp": before}, after={"retention_bp": retention_bp}
    )
    uow.commit()
    return item


def read_share(principal: Principal, org_id: str) -> int:
    authorize(principal, "dues.read", get_org(org_id))
    return shares([org_id])[org_id]
