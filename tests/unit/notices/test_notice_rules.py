"""MSG-3's pure rules: who a notice addresses from a materialized path, where a reader counts,
which attachments are allowed, the counter shards."""

from __future__ import annotations

from zhtj.notices import rules
from zhtj.notices.rules import Audience

PATH = rules.ancestors("/root/gz/tianhe/huajing/")


def test_msg_3_the_path_gives_the_ancestors_root_first() -> None:
    assert PATH == ["root", "gz", "tianhe", "huajing"]


def test_msg_3_a_subtree_notice_addresses_everyone_below_the_publisher_and_nobody_beside() -> None:
    assert rules.in_audience(PATH, "gz", Audience.SUBTREE, [])
    assert rules.in_audience(PATH, "huajing", Audience.SUBTREE, [])
    assert not rules.in_audience(PATH, "sz", Audience.SUBTREE, [])


def test_msg_3_a_chosen_children_notice_addresses_only_the_chosen_lines() -> None:
    assert rules.in_audience(PATH, "root", Audience.CHILDREN, ["gz"])
    assert not rules.in_audience(PATH, "root", Audience.CHILDREN, ["sz"])
    # The publisher's own level is not a chosen child
    assert not rules.in_audience(rules.ancestors("/root/"), "root", Audience.CHILDREN, ["gz"])


def test_msg_3_a_reader_counts_under_the_publishers_child_above_them_or_the_publisher() -> None:
    assert rules.counted_under(PATH, "gz") == "tianhe"
    assert rules.counted_under(PATH, "tianhe") == "huajing"
    assert rules.counted_under(PATH, "huajing") == "huajing"


def test_msg_3_attachment_names_and_counter_shards() -> None:
    assert rules.extension_allowed("方案.PDF") and rules.extension_allowed("表.xlsx")
    assert not rules.extension_allowed("程序.exe") and not rules.extension_allowed("无扩展名")
    assert {rules.shard_of(f"M:m{i}") for i in range(200)} == set(range(rules.COUNT_SHARDS))
    assert rules.shard_of("M:m1") == rules.shard_of("M:m1")
