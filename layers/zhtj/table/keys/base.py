"""Keys of organisations, accounts and grants, sign-in (ACCT), registrations, claims and timers."""

from __future__ import annotations

META = "META"


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def children_pk(parent_id: str) -> str:
    return f"CHILDREN#{parent_id}"


def dissolved_pk(parent_id: str) -> str:
    return f"DISSOLVED#{parent_id}"


def system_orgs_pk(root_id: str) -> str:
    return f"SYSTEM#{root_id}"


def tree_pk(bucket: str) -> str:
    return f"TREE#{bucket}"


def name_pk(bigram: str) -> str:
    return f"NAME#{bigram}"


def org_name_claim_pk(normalized_short_name: str) -> str:
    """ORG-5: the one active organisation of the province holding a short name."""
    return f"ORGNAME#{normalized_short_name}"


RELABELS_PK = "RELABELS"  # renamed branches whose members' labels and cards still follow


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def grant_sk(org_id: str, role: str) -> str:
    return f"GRANT#{org_id}#{role}"


def staff_pk(org_id: str) -> str:
    return f"STAFF#{org_id}"


# --- Sign-in (ACCT) ---


def session_sk(session_id: str) -> str:
    """A session under its account's partition (ACCOUNT#<id>)."""
    return f"SESSION#{session_id}"


def refresh_token_pk(token_hash: str) -> str:
    return f"REFRESH#{token_hash}"


def phone_login_pk(phone: str) -> str:
    """The one account a mobile number signs in to (ACCT-1)."""
    return f"PHONE#{phone}"


def id_login_pk(id_index: str) -> str:
    """The one account an ID number (its blind index) binds to (ACCT-2)."""
    return f"IDLOGIN#{id_index}"


def sms_code_pk(phone: str, purpose: str) -> str:
    return f"SMSCODE#{phone}#{purpose}"


def reset_code_sk() -> str:
    """A branch's one-time reset code (ACCT-4), under the member's account."""
    return "RESETCODE"


def invitation_pk(token_hash: str) -> str:
    return f"INVITE#{token_hash}"


def member_pk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def branch_members_pk(branch_id: str) -> str:
    return f"BRANCH#{branch_id}"


def audit_pk(subject_kind: str, subject_id: str) -> str:
    return f"AUDIT#{subject_kind}#{subject_id}"


def audit_org_pk(org_id: str) -> str:
    return f"AUDITORG#{org_id}"


def id_search_quota_pk(account_id: str, china_day: str) -> str:
    return f"IDSEARCHES#{account_id}#{china_day}"


def job_pk(job_id: str) -> str:
    return f"JOB#{job_id}"


RUNNING_JOBS_PK = "JOBS#RUNNING"


def tree_lock_pk(bucket: str) -> str:
    return f"LOCK#TREE#{bucket}"


def registration_pk(registration_id: str) -> str:
    return f"REG#{registration_id}"


def branch_registrations_pk(branch_id: str) -> str:
    return f"BRANCHREG#{branch_id}"


def id_claim_pk(blind_index: str) -> str:
    return f"IDNO#{blind_index}"


def development_number_claim_pk(number: str) -> str:
    return f"DEVNO#{number}"


TIMER_SHARDS = 8
CALENDAR_PK = "CALENDAR"
WAVES_PK = "WAVES"


def timer_pk(kind: str, subject_id: str) -> str:
    return f"TIMER#{kind}#{subject_id}"


def due_pk(china_date: str, shard: int) -> str:
    return f"DUE#{china_date}#{shard}"


def calendar_sk(year: int) -> str:
    return f"YEAR#{year}"


# --- EDIT / DEL / EXIT: requests in the member's partition, and their queues ---------------
