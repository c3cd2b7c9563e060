"""Money as the providers write it: yuan strings with two decimals, to and from integer fen,
exactly (Decimal, never float). Both protocols and the simulator use these."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from zhtj.integrations.payments.base import MalformedNotification

CENT = Decimal("0.01")


def yuan_to_fen(value: str) -> int:
    """ "50.00" → 5000, exactly: Decimal, never float; more than 2 decimals or not a number refused."""
    try:
        amount = Decimal(value)
    except InvalidOperation as error:
        raise MalformedNotification(f"金额格式错误：{value!r}") from error
    if not amount.is_finite() or amount < 0 or amount.quantize(CENT) != amount:
        raise MalformedNotification(f"金额格式错误：{value!r}")
    return int(amount * 100)


def fen_to_yuan(amount_fen: int) -> str:
    return str((Decimal(amount_fen) / 100).quantize(CENT))
