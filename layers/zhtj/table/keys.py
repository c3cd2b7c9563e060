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

AWARD_SK_PREFIX = "AWARD#"  # card_content.SECTIONS reads these prefixes
DECLARATION_SK_PREFIX = "DECL#"
ANNUAL_SK_PREFIX = "ANNUAL#"
EVAL_SK_PREFIX = "EVAL#"
VOLUNTEER_SK_PREFIX = "VOLUNTEER#"


PARTY_SK_PREFIX = "PARTY#"


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


def life_meeting_pk(meeting_id: str) -> str:
    return f"LIFE#{meeting_id}"


def branch_life_pk(branch_id: str) -> str:
    """gsi1: a branch's meetings and lectures, by the date held."""
    return f"BRANCHLIFE#{branch_id}"


def party_sk(recommendation_id: str) -> str:
    """A recommendation to the Party in the member's partition (the card reads PARTY#)."""
    return f"{PARTY_SK_PREFIX}{recommendation_id}"


def party_queue_pk(org_id: str) -> str:
    """gsi1: the recommendations waiting on (or decided by) the committee above a branch."""
    return f"PARTYQ#{org_id}"


# --- MSG-1 and MSG-2: in-app messages and notifications ----------------------------------------


def message_sk(message_id: str) -> str:
    """An in-app message in its account's partition (ACCOUNT#<id>)."""
    return f"MSG#{message_id}"


def inbox_pk(account_id: str) -> str:
    """gsi1: an account's messages, unread (U#) before read (R#), newest first in each."""
    return f"INBOX#{account_id}"


UNREAD_SK = "MSGUNREAD"
PREFERENCES_SK = "MSGPREFS"


def sms_day_sk(china_day: str) -> str:
    return f"SMSDAY#{china_day}"


def delivery_pk(event_id: str, account_id: str, channel: str) -> str:
    return f"DELIVERY#{event_id}#{account_id}#{channel}"


def reminder_pk(kind: str, member_id: str) -> str:
    return f"REMIND#{kind}#{member_id}"


# --- MSG-3: notices. NOTICEBOX#<org> (gsi1): the notices an organisation's line reads there;
# NOTICEPUB#<org> (gsi2): those it published. TO#, READ#, COUNT#: a notice's chosen children,
# read marks and read counter shards, in its NOTICE#<notice> partition.
NOTICE_COUNT_PREFIX = "COUNT#"


def notice_pk(notice_id: str) -> str:
    return f"NOTICE#{notice_id}"


def notice_box_pk(org_id: str) -> str:
    return f"NOTICEBOX#{org_id}"


def notices_published_pk(org_id: str) -> str:
    return f"NOTICEPUB#{org_id}"


def notice_to_sk(child_id: str) -> str:
    return f"TO#{child_id}"


def notice_read_sk(reader: str) -> str:
    return f"READ#{reader}"


def notice_count_sk(org_id: str, shard: int) -> str:
    return f"{NOTICE_COUNT_PREFIX}{org_id}#{shard}"
