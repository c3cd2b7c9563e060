"""Keys of a member's changes after approval (EDIT / DEL / EXIT), bulk imports and the member card."""

from __future__ import annotations

JOIN_WINDOWS_PK = "JOINWINDOWS"
PROVINCE_EDITS_PK = "PROVINCEEDIT"


def former_members_pk(branch_id: str) -> str:
    """Members of a branch who left (any exit) or were deleted: off the member list, kept."""
    return f"FORMER#{branch_id}"


def edit_sk(request_id: str) -> str:
    return f"EDIT#{request_id}"


def deletion_sk(request_id: str) -> str:
    return f"DELETION#{request_id}"


def exit_sk(request_id: str) -> str:
    return f"EXIT#{request_id}"


def branch_edits_pk(branch_id: str) -> str:
    return f"BRANCHEDIT#{branch_id}"


def branch_exits_pk(branch_id: str) -> str:
    return f"BRANCHEXIT#{branch_id}"


def city_deletions_pk(city_org_id: str) -> str:
    return f"DELCITY#{city_org_id}"


def open_deletions_pk(state: str) -> str:
    return f"DELETIONS#{state}"


def join_window_sk(opens_on: str, closes_on: str) -> str:
    return f"{opens_on}#{closes_on}"


# --- IMPORT: bulk entry (批量录入) ------------------------------------------------------------


def import_pk(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def org_imports_pk(org_id: str) -> str:
    return f"IMPORTS#{org_id}"


IMPORT_CHUNK_PREFIX = "CHUNK#"


def import_chunk_sk(first_row: int) -> str:
    """Zero-padded, so that an import's chunks sort in row order."""
    return f"{IMPORT_CHUNK_PREFIX}{first_row:07d}"


# --- CARD: the electronic member card (团员证) ---------------------------------------------------

CARD_SK = "CARD"
CARD_DUE_SHARDS = 16


def card_due_pk(shard: int) -> str:
    """gsi2 of a CardState whose content is newer than its last render (the card sweep's index)."""
    return f"CARDDUE#{shard}"


# --- DUES: league dues (团费): standard, orders, paid months, ledger, statistics --------------
