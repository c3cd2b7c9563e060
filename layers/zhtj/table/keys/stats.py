"""Keys of member search (STAT-3), statistics and compliance sweeps (STAT-1..2, SWEEP)."""

from __future__ import annotations


def member_name_pk(gram: str) -> str:
    """A gram of a member's name (search_rules.name_grams): unigram, bigram or =<whole name>."""
    return f"MNAME#{gram}"


def member_name_sk(branch_path: str, member_id: str) -> str:
    """The branch's materialized path first, so that begins_with(<subtree path>) is a subtree."""
    return f"{branch_path}{member_id}"


def retoken_pk(job_id: str) -> str:
    """The branches of a move job whose members' search tokens still carry the old path."""
    return f"RETOKEN#{job_id}"


# --- Statistics and sweeps (STAT-1..2, SWEEP-1..3) --------------------------------------------

OWN_STAT_SK = "OWNSTAT"
SUB_STAT_SK = "STAT"
FINDING_SK_PREFIX = "FINDING#"
FINDING_HISTORY_SK_PREFIX = "FINDHIST#"
SECTOR_TARGET_SK_PREFIX = "SECTORTARGET#"


def sub_stat_pk(org_id: str, shard: int) -> str:
    """A shard of an organisation's subtree counters: its own partition, so that the root's
    shards spread over partitions."""
    return f"STAT#{org_id}#{shard}"


def stream_mark_pk(event_id: str) -> str:
    return f"STREAMREC#{event_id}"


def finding_sk(code: str) -> str:
    return f"{FINDING_SK_PREFIX}{code}"


def findings_pk(root_id: str) -> str:
    """gsi1: a province's findings, sorted by path (a subtree is a begins_with)."""
    return f"FINDINGS#{root_id}"


def finding_history_sk(day: str) -> str:
    return f"{FINDING_HISTORY_SK_PREFIX}{day}"


def sweep_pk(run_id: str) -> str:
    return f"SWEEP#{run_id}"


def sweeps_pk() -> str:
    """gsi1: sweep runs, newest last."""
    return "SWEEPS"


def sector_target_sk(sector: str) -> str:
    return f"{SECTOR_TARGET_SK_PREFIX}{sector}"


def rate_window_pk(budget: str, window_start: int) -> str:
    """One window of a rate (zhtj.table.limits): a limit's subject or a budget, and the window's
    start in epoch seconds."""
    return f"RATE#{budget}#{window_start}"


def realname_verdict_pk(facts_index: str) -> str:
    """REG-5: the provider's verdict on one set of facts (a keyed hash of name, ID number, phone)."""
    return f"REALNAME#{facts_index}"


# --- LIFE-1 and PARTY-1: branch life, recommendation to the Party ------------------------------
