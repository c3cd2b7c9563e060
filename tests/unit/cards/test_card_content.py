"""What the member card shows (CARD-1), from a partition's items: pure, no AWS."""

from __future__ import annotations

from typing import Any

from zhtj.cards import content as card_content


def partition(card: dict[str, Any] | None = None, *extra: dict[str, Any]) -> list[dict[str, Any]]:
    member = {"sk": "META", "member_id": "m1", "name": "张小三", "id_masked": "4401**********123X", "sex": "M",
              "ethnicity": "03", "birth_date": "2004-01-02", "join_month": "2019-05", "state": "NORMAL"}  # fmt: skip
    return [member, {"sk": "CARD", "card_number": "0000-0001", "content_version": 4, **(card or {})}, *extra]


def section(content: card_content.CardContent, key: str) -> card_content.Section | None:
    return next((s for s in content.sections if s.key == key), None)


def test_card_1_identity_names_codes_and_hides_what_the_member_chose() -> None:
    content = card_content.build(partition(), "华景社区团支部")
    assert dict(content.identity) == {"性别": "男", "民族": "回族", "出生日期": "2004-01-02"}
    hidden = card_content.build(partition({"hidden_fields": "ethnicity,birth_date"}), "华景社区团支部")
    assert dict(hidden.identity) == {"性别": "男"}
    # A mask stored under the earlier, wider rule shows as today's (GB/T 35273: the last two only).
    assert (hidden.name, hidden.id_masked, hidden.join_month) == ("张小三", "****************3X", "2019-05")


def test_card_1_rewards_as_chosen_punishments_while_in_force() -> None:
    # Given
    awards = [
        {"sk": "AWARD#r1", "award_id": "r1", "award_kind": "REWARD", "title": "优秀团员", "granted_on": "2021-05-04"},
        {"sk": "AWARD#r2", "award_id": "r2", "award_kind": "REWARD", "title": "优秀团干部", "granted_on": "2022-05-04"},
        {"sk": "AWARD#p1", "award_id": "p1", "award_kind": "PUNISHMENT", "title": "警告", "granted_on": "2023-01-01"},
        {"sk": "AWARD#p2", "award_id": "p2", "award_kind": "PUNISHMENT", "title": "严重警告",
         "granted_on": "2020-01-01", "in_force": False},
    ]  # fmt: skip
    # When
    everything = section(card_content.build(partition(None, *awards), "x"), "awards")
    # Then
    assert everything is not None and [row[2] for row in everything.rows] == ["优秀团员", "优秀团干部", "警告"]
    chosen = section(card_content.build(partition({"shown_awards": "r2"}, *awards), "x"), "awards")
    assert chosen is not None and [row[2] for row in chosen.rows] == ["优秀团干部", "警告"]
    none = section(card_content.build(partition({"shown_awards": ""}, *awards), "x"), "awards")
    assert none is not None and [row[2] for row in none.rows] == ["警告"]


def test_card_1_dues_by_month_or_summary_and_only_completed_transfers() -> None:
    # Given
    months = [{"sk": f"PAID#2024-{m:02d}", "month": f"2024-{m:02d}", "amount_fen": 20, "paid_at": "2024-03-01"}
              for m in (3, 1, 2)]  # fmt: skip
    transfers = [
        {"sk": "XFER#a", "state": "COMPLETED", "from_branch_name": "甲", "to_branch_name": "乙",
         "completed_at": "2024-02-29T17:00:00.000000+0000"},
        {"sk": "XFER#b", "state": "RETURNED", "from_branch_name": "乙", "to_branch_name": "丙"},
    ]  # fmt: skip
    # When
    content = card_content.build(partition(None, *months, *transfers), "x")
    dues = section(content, "dues")
    # Then
    assert dues is not None and [row[0] for row in dues.rows] == ["2024-01", "2024-02", "2024-03"]
    assert dues.summary == "已交团费 3 个月（2024-01 至 2024-03），合计 0.60 元"
    moves = section(content, "transfers")
    assert moves is not None and moves.rows == [("2024-03-01", "甲", "乙", "省内转接")]  # a China date
    summary = section(card_content.build(partition({"dues_by_month": False}, *months), "x"), "dues")
    assert summary is not None and summary.rows == [] and summary.summary == dues.summary


def test_card_2_a_stranger_sees_a_masked_name() -> None:
    assert [card_content.mask_name(n) for n in ("张三丰", "张三", "欧阳娜娜", "李")] == ["张*丰", "张*", "欧**娜", "*"]


def test_dues_5_offline_months_and_a_mates_payment_show_as_such() -> None:
    # Given two months the branch recorded as paid offline and one a branch mate paid (帮TA交)
    months = [
        {"sk": "PAID#2024-01", "month": "2024-01", "amount_fen": 0, "paid_at": "2024-03-01", "offline": True},
        {"sk": "PAID#2024-02", "month": "2024-02", "amount_fen": 0, "paid_at": "2024-03-01", "offline": True},
        {"sk": "PAID#2024-03", "month": "2024-03", "amount_fen": 300, "paid_at": "2024-04-01",
         "paid_by_name": "黄志强"},
    ]  # fmt: skip
    # When
    dues = section(card_content.build(partition(None, *months), "x"), "dues")
    # Then
    assert dues is not None and dues.rows == [
        ("2024-01", "—", "线下交纳"),
        ("2024-02", "—", "线下交纳"),
        ("2024-03", "3.00", "2024-04-01（黄志强代交）"),
    ]
    assert dues.summary == "已交团费 3 个月（2024-01 至 2024-03），合计 3.00 元，其中线下交纳 2 个月"


def test_party_1_an_approved_recommendation_shows_a_proposed_or_returned_one_does_not() -> None:
    recommendations = [
        {"sk": "PARTY#p1", "state": "RETURNED", "decided_on": "2025-04-01", "reviewing_org_name": "天河团区委"},
        {"sk": "PARTY#p2", "state": "APPROVED", "decided_on": "2025-06-01", "reviewing_org_name": "天河团区委"},
    ]
    party = section(card_content.build(partition(None, *recommendations), "x"), "party")
    assert party is not None and party.rows == [("2025-06-01", "推荐入党", "天河团区委")]
    assert section(card_content.build(partition(None, recommendations[0]), "x"), "party") is None
