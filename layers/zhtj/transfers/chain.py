"""The approval chain as data (XFER-2): the province's steps and response deadline, read by every
transfer when it starts or asks its next step, and set by the province (applies to transfers
started afterwards). Without a stored chain the default four steps apply (rules.DEFAULT_CHAIN)."""

from __future__ import annotations

import json

import msgspec

from zhtj.core import clock
from zhtj.core.errors import ValidationError
from zhtj.orgs.authz import authorize
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.transfers.models import TransferChainConfig
from zhtj.transfers.rules import DEFAULT_CHAIN, RESPONSE_HOURS, ChainStep, Side, check_chain


class ChainConfig(msgspec.Struct, frozen=True):
    steps: tuple[ChainStep, ...]
    response_hours: int


def chain_config() -> ChainConfig:
    """The province's chain (or the default four steps)."""
    try:
        item = TransferChainConfig.get(keys.CONFIG_PK, keys.TRANSFER_CHAIN_SK)
    except TransferChainConfig.DoesNotExist:
        return ChainConfig(DEFAULT_CHAIN, RESPONSE_HOURS)
    steps = tuple(ChainStep(Side(s["side"]), int(s["up"])) for s in json.loads(item.steps))
    return ChainConfig(steps, int(item.response_hours))


def set_chain(principal: Principal, steps: list[ChainStep], response_hours: int) -> ChainConfig:
    """XFER-2: the province sets its chain and deadline. Applies to transfers started afterwards."""
    operator = authorize(principal, "transfer.chain_set", None)
    check_chain(steps)
    if not 24 <= response_hours <= 240:
        raise ValidationError("RESPONSE_HOURS", "审批时限应在24至240小时之间", "response_hours")
    before = chain_config()
    item = TransferChainConfig(
        keys.CONFIG_PK,
        keys.TRANSFER_CHAIN_SK,
        steps=json.dumps([{"side": s.side.value, "up": s.up} for s in steps]),
        response_hours=response_hours,
        set_by=operator.account_id,
        set_at=clock.now(),
    )
    uow = UnitOfWork(operator.actor)
    uow.put(item)
    uow.audit(
        "transfer.chain_set",
        "CONFIG",
        "transfer_chain",
        operator.org.org_id,
        before={"steps": [s.label() for s in before.steps], "response_hours": before.response_hours},
        after={"steps": [s.label() for s in steps], "response_hours": response_hours},
    )
    uow.commit()
    return ChainConfig(tuple(steps), response_hours)
