"""Keys of branch life and the Party (LIFE-1, PARTY-1), messages and notices (MSG-1..3)."""

from __future__ import annotations

PARTY_SK_PREFIX = "PARTY#"  # card_content.SECTIONS reads it: the card's 推优入党 section


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


# A notification written in its sender's transaction (the outbox), by shard: the sweep reads
# each shard's entries older than a few minutes (those whose after-commit send was lost).
NOTIFY_OUTBOX_SHARDS = 8


def notify_outbox_pk(shard: int) -> str:
    return f"NOTIFYOUT#{shard}"


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
