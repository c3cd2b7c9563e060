"""What a month costs and who keeps what (DUES-2), both as data.

- The dues standard: its versions by date, seeded once, edited by the province. Each version
  (a DuesStandard item) holds the rules of every category from a month on; the rules
  themselves are read and checked by dues/rules.py.
- Retention shares (留存比例): how much of the dues reaching an organisation it keeps, read in
  one batch for a member's chain of organisations when a payment is split down it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from zhtj.core import clock
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import DuesOnlineStart, DuesShare, DuesStandard
from zhtj.dues.owed import online_start, online_start_items
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.base import Item, Key
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

_SEEDED = ConflictError("DUES_RACE", "", None)


def standard_items() -> list[DuesStandard]:
    return [i for i in DuesStandard.query(keys.DUES_STANDARD_PK, consistent_read=True) if isinstance(i, DuesStandard)]


def versions() -> list[dues_rules.StandardVersion]:
    """The standard's versions. A table without any (a fresh deployment) is seeded first with
    the shipped ones, so the standard is always data the province can edit."""
    items = standard_items()
    if not items:
        seed_standards()
        items = standard_items()
    return [
        dues_rules.StandardVersion(i.valid_from, i.valid_until, dues_rules.parse_rules(json.loads(i.rules)))
        for i in items
    ]


def _standard_item(spec: dict[str, Any], by: str) -> DuesStandard:
    return DuesStandard(
        keys.DUES_STANDARD_PK,
        spec["valid_from"],
        valid_from=spec["valid_from"],
        valid_until=spec["valid_until"],
        name=spec["name"],
        document=spec["document"],
        rules=json.dumps(spec["rules"], sort_keys=True),
        updated_by=by,
        updated_at=clock.now(),
    )


def seed_standards() -> int:
    """Provisioning and the demo: the shipped versions (2016 and the one before), each written
    only if absent (the province's edits are never overwritten). Returns how many were written."""
    written = 0
    for spec in dues_rules.SEED_STANDARDS:
        uow = UnitOfWork(SYSTEM_ACTOR)
        uow.put(_standard_item(spec, "system"), condition=DuesStandard.pk.does_not_exist(), on_fail=_SEEDED)
        uow.audit("dues.standard_seed", "DUES_STANDARD", spec["valid_from"], "province", after={"name": spec["name"]})
        try:
            uow.commit()
            written += 1
        except ConflictError as error:
            if error is not _SEEDED:
                raise
    return written


def set_standard(
    principal: Principal, valid_from: str, name: str, document: str, rules: dict[str, Any]
) -> DuesStandard:
    """The province adds a version of the standard from a month on (DUES-2); the version in
    force before it ends there. A version with the same start month is replaced (the months it
    already billed keep their amounts: orders carry their own). Raises ValidationError."""
    operator = authorize(principal, "dues.standard_set", None)
    dues_rules.check_month(valid_from, "valid_from")
    dues_rules.parse_rules(rules)
    existing = {i.valid_from: i for i in standard_items()}
    later = sorted(m for m in existing if m > valid_from)
    spec = {
        "valid_from": valid_from,
        "valid_until": later[0] if later else None,
        "name": name.strip(),
        "document": document.strip(),
        "rules": rules,
    }
    item = _standard_item(spec, operator.account_id)
    uow = UnitOfWork(operator.actor)
    same = existing.get(valid_from)
    if same is not None:
        item.version = same.version
    uow.put(item)  # versioned: a concurrent edit of the same version fails STALE
    earlier = sorted(m for m in existing if m < valid_from)
    if earlier:
        previous = existing[earlier[-1]]
        uow.update(previous, [DuesStandard.valid_until.set(valid_from)])
    uow.audit(
        "dues.standard_set",
        "DUES_STANDARD",
        valid_from,
        operator.org.org_id,
        before=json.loads(same.rules) if same else None,
        after=rules,
    )
    uow.commit()
    return item


def list_standards(principal: Principal) -> list[DuesStandard]:
    """Every version, oldest first. Anyone signed in may read it: it is published policy."""
    versions()
    return sorted(standard_items(), key=lambda i: i.valid_from)


# --- DUES-5: the online-collection start month ------------------------------------------------


def online_starts(principal: Principal) -> tuple[list[DuesOnlineStart], str]:
    """Every version of the start month, oldest first, and the one in force today. Published
    policy: anyone signed in may read it."""
    in_force = online_start(clock.today_in_china())
    return sorted(online_start_items(), key=lambda i: i.effective_from), in_force


def set_online_start(principal: Principal, start_month: str, effective_from: date, document: str) -> DuesOnlineStart:
    """The province sets from which month dues are owed online, effective from a date (DUES-5);
    a version effective the same day is replaced. Months before the start month are never
    billed; a branch records those its members paid by hand as offline months."""
    operator = authorize(principal, "dues.standard_set", None)
    dues_rules.check_month(start_month, "start_month")
    if not document.strip():
        raise ValidationError("DOCUMENT_REQUIRED", "请填写依据文件", "document")
    existing = {i.effective_from: i for i in online_start_items()}
    same = existing.get(effective_from.isoformat())
    item = DuesOnlineStart(
        keys.DUES_ONLINE_START_PK,
        effective_from.isoformat(),
        effective_from=effective_from.isoformat(),
        start_month=start_month,
        document=document.strip(),
        updated_by=operator.account_id,
        updated_at=clock.now(),
    )
    uow = UnitOfWork(operator.actor)
    uow.put(item)
    uow.audit(
        "dues.online_start_set",
        "DUES_STANDARD",
        "online-start",
        operator.org.org_id,
        before={"effective_from": same.effective_from, "start_month": same.start_month} if same else None,
        after={"effective_from": item.effective_from, "start_month": start_month, "document": item.document},
    )
    uow.commit()
    return item


DEFAULT_RETENTION_BP = 0  # an organisation without a set share passes everything down


def shares(org_ids: Sequence[str]) -> dict[str, int]:
    """Retention share of each organisation (basis points), one batch read."""
    found = {
        i.org_id: int(i.retention_bp)
        for i in DuesShare.batch_get([share_key(o) for o in org_ids])
        if isinstance(i, DuesShare)
    }
    return {o: found.get(o, DEFAULT_RETENTION_BP) for o in org_ids}


def share_key(org_id: str) -> Key:
    return keys.org_pk(org_id), keys.DUES_SHARE_SK


def shares_in(found: Mapping[Key, Item], org_ids: Sequence[str]) -> dict[str, int]:
    """`shares` from a caller's batched read of each `share_key`."""
    read = (found.get(share_key(o)) for o in org_ids)
    kept = {i.org_id: int(i.retention_bp) for i in read if isinstance(i, DuesShare)}
    return {o: kept.get(o, DEFAULT_RETENTION_BP) for o in org_ids}


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
