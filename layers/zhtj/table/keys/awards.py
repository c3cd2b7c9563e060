"""Keys of awards and the annual records (AWARD, the card's annual sections)."""

from __future__ import annotations

AWARD_SK_PREFIX = "AWARD#"  # card_content.SECTIONS reads these prefixes
DECLARATION_SK_PREFIX = "DECL#"
ANNUAL_SK_PREFIX = "ANNUAL#"
EVAL_SK_PREFIX = "EVAL#"
VOLUNTEER_SK_PREFIX = "VOLUNTEER#"


def award_sk(award_id: str) -> str:
    return f"{AWARD_SK_PREFIX}{award_id}"


def declaration_sk(declaration_id: str) -> str:
    return f"{DECLARATION_SK_PREFIX}{declaration_id}"


def org_awards_pk(org_id: str) -> str:
    """gsi1: the awards an organisation entered."""
    return f"AWARDS#{org_id}"


def late_awards_pk(org_id: str) -> str:
    """gsi2: the awards an organisation entered late (AWARD-2 findings)."""
    return f"AWARDLATE#{org_id}"


def award_queue_pk(org_id: str) -> str:
    """gsi1: members' declarations waiting on (or decided by) an organisation."""
    return f"AWARDQ#{org_id}"


def annual_sk(year: int) -> str:
    return f"{ANNUAL_SK_PREFIX}{year:04d}"


def branch_annual_pk(branch_id: str, year: int) -> str:
    """gsi1: a branch's annual registrations of a year."""
    return f"ANNUALREG#{branch_id}#{year:04d}"


def evaluation_sk(year: int) -> str:
    return f"{EVAL_SK_PREFIX}{year:04d}"


def evaluation_proposal_sk(year: int) -> str:
    return f"EVALPROP#{year:04d}"


def evaluation_proposals_pk(parent_id: str, year: int) -> str:
    """gsi1: the evaluation proposals of a committee's branches for a year."""
    return f"EVALPROPS#{parent_id}#{year:04d}"


def volunteer_sk(served_on: str, record_id: str) -> str:
    return f"{VOLUNTEER_SK_PREFIX}{served_on}#{record_id}"


# --- STAT-3: member search tokens -------------------------------------------------------------
