"""Item types of awards and the annual records (AWARD-1..2, the card's sections), of finding
members by name (STAT-3), and of statistics and sweeps (STAT-1..2, SWEEP-1..3).
Key layouts are in docs/data-model.md; zhtj.dal.models re-exports every one."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from zhtj.dal.table import Item

# --- AWARD and the annual records (issue 7): items the card reads (card_content.SECTIONS) ------


class Award(Item, discriminator="Award"):
    """A reward or punishment on a member's record (奖惩, AWARD-1): pk MEMBER#<member>, sk
    AWARD#<award>; gsi1 AWARDS#<entering org> / <entered at>#<award> (what an organisation
    entered); gsi2 AWARDLATE#<entering org> / <entered at>#<award> while flagged late (AWARD-2).
    The card reads award_id, award_kind, title, granted_on, granted_by_name, in_force."""

    award_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    award_kind = UnicodeAttribute()  # REWARD, PUNISHMENT
    title = UnicodeAttribute()
    level = UnicodeAttribute(null=True)  # 级别/等级 as the document states it
    document_number = UnicodeAttribute()
    granted_on = UnicodeAttribute()  # the document's China date
    granted_by_org_id = UnicodeAttribute(null=True)  # None: a body outside the league tree
    granted_by_name = UnicodeAttribute()
    entered_by_org_id = UnicodeAttribute()
    entered_by = UnicodeAttribute()
    entered_at = UTCDateTimeAttribute()
    entry_deadline = UnicodeAttribute()  # AWARD-2: China date, 20 working days after granted_on
    late = BooleanAttribute(default=False)
    attachment_key = UnicodeAttribute(null=True)
    starts_on = UnicodeAttribute(null=True)  # punishments
    released_on = UnicodeAttribute(null=True)
    in_force = BooleanAttribute(null=True)  # punishments: false once released
    declaration_id = UnicodeAttribute(null=True)  # entered by approving the member's declaration
    batch_id = UnicodeAttribute(null=True)
    version = VersionAttribute()


class AwardDeclaration(Item, discriminator="AwardDeclaration"):
    """A member's declaration of an award they received (not on the card until approved): pk
    MEMBER#<member>, sk DECL#<declaration>; gsi1 AWARDQ#<reviewing org> / <state>#<declared>#<id>."""

    declaration_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    award_kind = UnicodeAttribute()
    title = UnicodeAttribute()
    level = UnicodeAttribute(null=True)
    document_number = UnicodeAttribute()
    granted_on = UnicodeAttribute()
    granted_by_org_id = UnicodeAttribute(null=True)
    granted_by_name = UnicodeAttribute()
    reviewing_org_id = UnicodeAttribute()
    attachment_key = UnicodeAttribute(null=True)
    state = UnicodeAttribute()  # PENDING, APPROVED, RETURNED
    declared_at = UTCDateTimeAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)
    award_id = UnicodeAttribute(null=True)
    version = VersionAttribute()


class AnnualRegistration(Item, discriminator="AnnualRegistration"):
    """年度团籍注册 of one member for one year: pk MEMBER#<member>, sk ANNUAL#<year>; gsi1
    ANNUALREG#<branch>#<year> / <member>. The card reads year, result, registered_on."""

    member_id = UnicodeAttribute()
    year = NumberAttribute()
    result = UnicodeAttribute()  # 已注册, 暂缓注册, 不予注册
    registered_on = UnicodeAttribute()  # China date
    org_id = UnicodeAttribute()
    org_name = UnicodeAttribute()
    registered_by = UnicodeAttribute()


class Evaluation(Item, discriminator="Evaluation"):
    """教育评议 of one member for one year, written when the committee above certifies the
    branch's proposal: pk MEMBER#<member>, sk EVAL#<year>. The card reads year, grade, org_name."""

    member_id = UnicodeAttribute()
    year = NumberAttribute()
    grade = UnicodeAttribute()
    org_id = UnicodeAttribute()
    org_name = UnicodeAttribute()
    certified_by_org_id = UnicodeAttribute()
    certified_on = UnicodeAttribute()


class EvaluationProposal(Item, discriminator="EvaluationProposal"):
    """A branch's evaluation of all its members for a year: pk ORG#<branch>, sk EVALPROP#<year>;
    gsi1 EVALPROPS#<parent>#<year> / <state>#<branch> (what the committee above certifies)."""

    branch_id = UnicodeAttribute()
    year = NumberAttribute()
    state = UnicodeAttribute()  # PROPOSED, CERTIFIED, RETURNED
    grades_json = UnicodeAttribute()  # {member_id: grade}
    evaluated = NumberAttribute()
    excellent = NumberAttribute()
    party_members = NumberAttribute(default=0)
    proposed_by = UnicodeAttribute()
    proposed_at = UTCDateTimeAttribute()
    decided_by_org_id = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    return_reason = UnicodeAttribute(null=True)
    # No version attribute: its state guards every write, and a returned proposal is replaced whole.


class VolunteerRecord(Item, discriminator="VolunteerRecord"):
    """Volunteer service (志愿服务) of one activity: pk MEMBER#<member>, sk
    VOLUNTEER#<served on>#<record>. The card reads activity, served_on, tenths_of_hours and
    sums them (cumulative hours)."""

    record_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    activity = UnicodeAttribute()
    served_on = UnicodeAttribute()
    tenths_of_hours = NumberAttribute()
    entered_by_org_id = UnicodeAttribute()
    entered_by = UnicodeAttribute()
    entered_at = UTCDateTimeAttribute()


# --- STAT-3: finding members by name fragment (logic/search_index.py, logic/search.py) ----------


class MemberNameToken(Item, discriminator="MemberNameToken"):
    """One gram of a listed member's name (a unigram, a bigram, or =<whole name>): pk
    MNAME#<gram>, sk <the branch's path><member id>. A fragment search in a subtree is one
    Query of one gram's partition with begins_with(sk, <subtree path>). Carries what a hit
    shows, so that a page of hits needs no further reads (the ID number masked only)."""

    member_id = UnicodeAttribute()
    name = UnicodeAttribute()  # normalized (search_rules.normalize_name): what fragments match
    label = UnicodeAttribute()  # the name as registered
    branch_id = UnicodeAttribute()
    branch_name = UnicodeAttribute()
    id_masked = UnicodeAttribute(null=True)


class IdSearchQuota(Item, discriminator="IdSearchQuota"):
    """STAT-3's look-ups by ID number one reader made on one China day: pk
    IDSEARCHES#<account>#<day>, sk META. Each look-up adds one in the transaction that audits it,
    on condition that the day's limit is not reached; gone by TTL the day after."""

    used = NumberAttribute(default=0)


class RetokenMark(Item, discriminator="RetokenMark"):
    """A branch whose path a move rewrote while its members' search tokens still carry the old
    one: pk RETOKEN#<job>, sk <branch>. Written in the same transaction as the branch's new
    path, deleted once every member's tokens follow (the move job finishes after its marks)."""

    branch_id = UnicodeAttribute()


# --- Statistics and sweeps (STAT-1..2, SWEEP-1..3) --------------------------------------------


class OwnStat(Item, discriminator="OwnStat"):
    """What is attached to one organisation itself (its members, registrations, posts, ...):
    pk ORG#<org>, sk OWNSTAT. Created with the organisation, its path rewritten with it, its
    counters (top-level numbers named by zhtj.domain.stat_rules) moved only by the stats
    stream (ADD) and, for the time-dependent ones (t_*), SET by the daily sweep. Its own stream
    records roll its figures up the path into SubStat."""

    org_id = UnicodeAttribute()
    path = UnicodeAttribute()


class SubStat(Item, discriminator="SubStat"):
    """One shard of an organisation's subtree counters: pk STAT#<org>#<shard>, sk STAT. Moved
    by ADD only, from the stream; a read gets every shard with one BatchGetItem."""

    org_id = UnicodeAttribute()


class StreamMark(Item, discriminator="StreamMark"):
    """A stream record already applied (its counter moves landed with this mark, in one
    transaction): pk STREAMREC#<event id>, sk META; expires (TTL) after the stream's retention."""


class Finding(Item, discriminator="Finding"):
    """A compliance finding of one organisation (SWEEP-1..3): pk ORG#<org>, sk FINDING#<code>;
    gsi1 FINDINGS#<province root> / <path>#<code> (a subtree's findings in path order)."""

    org_id = UnicodeAttribute()
    code = UnicodeAttribute()
    concerned = NumberAttribute()  # members, reviews, steps ... it concerns (1 for the organisation itself)
    path = UnicodeAttribute()
    noted_at = UTCDateTimeAttribute()  # when it appeared or its number last changed


class FindingHistory(Item, discriminator="FindingHistory"):
    """A day's finding counts of an organisation's subtree, by code, as the daily sweep saw
    them: pk ORG#<org>, sk FINDHIST#<YYYY-MM-DD>."""

    org_id = UnicodeAttribute()
    day = UnicodeAttribute()
    counts = MapAttribute()  # type: ignore[var-annotated]
    run_id = UnicodeAttribute()


class SweepRun(Item, discriminator="SweepRun"):
    """One sweep (the daily one or on demand): pk SWEEP#<run>, sk META; gsi1 SWEEPS / <started>.
    Segments report into `segments_done` (a string set: a redelivered segment adds nothing)."""

    run_id = UnicodeAttribute()
    segments = NumberAttribute()
    segments_done = UnicodeSetAttribute(null=True)
    state = UnicodeAttribute()  # SCANNING, FINISHING, DONE
    started_at = UTCDateTimeAttribute()
    started_by = UnicodeAttribute()
    day = UnicodeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    findings = MapAttribute(null=True)  # type: ignore[var-annotated]
    drift = UnicodeAttribute(null=True)  # JSON: what the recount found different (must be empty)
    drift_count = NumberAttribute(null=True)
    items_scanned = NumberAttribute(null=True)


class SectorTarget(Item, discriminator="SectorTarget"):
    """STAT-2: the members an organisation expects to enter in one sector of its subtree and the
    share to reach: pk ORG#<org>, sk SECTORTARGET#<sector>."""

    org_id = UnicodeAttribute()
    sector = UnicodeAttribute()
    expected = NumberAttribute()
    target_percent = NumberAttribute()
    set_by = UnicodeAttribute()
    set_at = UTCDateTimeAttribute()
