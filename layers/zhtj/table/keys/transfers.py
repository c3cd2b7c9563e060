"""Keys of transfers of membership (XFER)."""

from __future__ import annotations

CONFIG_PK = "CONFIG"
TRANSFER_CHAIN_SK = "XFERCHAIN"
TRANSFER_SK_PREFIX = "XFER#"
TRANSFER_PROPOSAL_SK_PREFIX = "XPROP#"
TRANSFER_STATS_SHARDS = 8


def transfer_sk(transfer_id: str) -> str:
    return f"{TRANSFER_SK_PREFIX}{transfer_id}"


def transfer_proposal_sk(org_id: str) -> str:
    return f"{TRANSFER_PROPOSAL_SK_PREFIX}{org_id}"


def org_transfer_proposals_pk(org_id: str) -> str:
    """gsi1 of the proposals an organisation made."""
    return f"XPROPORG#{org_id}"


def transfer_inbox_pk(org_id: str) -> str:
    return f"XFERQ#{org_id}"


def transfer_stats_pk(org_id: str) -> str:
    return f"XSTAT#{org_id}"


def transfer_stats_sk(shard: int) -> str:
    return f"SHARD#{shard}"


def transfer_batch_pk(batch_id: str) -> str:
    return f"XBATCH#{batch_id}"


def org_transfer_batches_pk(org_id: str) -> str:
    return f"XBATCHES#{org_id}"


def transfer_batch_members_pk(batch_id: str) -> str:
    """gsi2 of the transfers a batch started."""
    return f"XFERBATCH#{batch_id}"


def batch_row_sk(member_id: str) -> str:
    return f"ROW#{member_id}"


def incoming_pk(incoming_id: str) -> str:
    return f"INCOMING#{incoming_id}"


def branch_incoming_pk(branch_id: str) -> str:
    return f"INCOMINGORG#{branch_id}"


# --- AWARD and the annual records ----------------------------------------------------------
