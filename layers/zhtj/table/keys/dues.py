"""Keys of league dues (团费): the standard, orders, paid months, the ledger and its statistics."""

from __future__ import annotations

DUES_STANDARD_PK = "DUESSTANDARD"
DUES_ACCOUNT_SK = "DUES"
DUES_SHARE_SK = "DUESSHARE"
PAID_PREFIX = "PAID#"
# Open (PENDING, or PAID with members still to apply) orders are spread over this many
# partitions of gsi2, so that creating orders never concentrates on one partition.
DUES_OPEN_SHARDS = 8


def paid_month_sk(month: str) -> str:
    """A paid month in the member's partition: PAID#YYYY-MM (sorts in month order)."""
    return f"{PAID_PREFIX}{month}"


def dues_order_pk(order_id: str) -> str:
    return f"DUESORDER#{order_id}"


def dues_order_member_sk(member_id: str) -> str:
    """The marker that one member of an order has been applied (many-member orders)."""
    return f"MEMBER#{member_id}"


def dues_order_part_sk(member_id: str, part: int) -> str:
    """The marker of one part (a run of months) of a member's long arrears applied, before the last."""
    return f"MEMBER#{member_id}#PART#{part:03d}"


def dues_payer_pk(payer_kind: str, payer_id: str) -> str:
    """gsi1 of an order: the orders of one payer (a member, or an organisation paying for members)."""
    return f"DUESPAYER#{payer_kind}#{payer_id}"


def dues_open_pk(shard: int) -> str:
    return f"DUESOPEN#{shard}"


def ledger_pk(org_id: str) -> str:
    return f"LEDGER#{org_id}"


def dues_stat_pk(org_id: str) -> str:
    return f"DUESSTAT#{org_id}"


def dues_stat_sk(year: int, shard: int) -> str:
    return f"{year:04d}#{shard:02d}"


def dues_anomaly_pk(month: str) -> str:
    return f"DUESANOMALY#{month}"


def dues_anomaly_mark_pk(fingerprint: str) -> str:
    """One recorded anomaly's facts (provider, code, order, transaction, amount, status), hashed."""
    return f"DUESANOMALYMARK#{fingerprint}"


DUES_RECON_PK = "DUESRECON"
# DUES-5: the province's online-collection start month, versions by the date they take effect.
DUES_ONLINE_START_PK = "DUESONLINESTART"


# --- XFER: transfers ------------------------------------------------------------------------
