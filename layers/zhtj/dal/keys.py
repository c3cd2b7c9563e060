"""Key builders: the one place a key's shape is spelled (see docs/data-model.md)."""

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


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def grant_sk(org_id: str, role: str) -> str:
    return f"GRANT#{org_id}#{role}"


def staff_pk(org_id: str) -> str:
    return f"STAFF#{org_id}"


def member_pk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def branch_members_pk(branch_id: str) -> str:
    return f"BRANCH#{branch_id}"


def audit_pk(subject_kind: str, subject_id: str) -> str:
    return f"AUDIT#{subject_kind}#{subject_id}"


def audit_org_pk(org_id: str) -> str:
    return f"AUDITORG#{org_id}"


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
