"""Table items of annual: AnnualRegistration, Evaluation, EvaluationProposal, VolunteerRecord."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item


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
