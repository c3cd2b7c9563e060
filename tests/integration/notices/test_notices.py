"""Notices (通知公告, MSG-3): a committee or branch publishes to its whole subtree or to chosen
children, with attachments uploaded first; everyone below reads it and nobody beside; the
publisher sees read counts per direct child, each reader counted once however often and however
concurrently they read. Each test reads Given / When / Then."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from tests.support import World, call
from tests.support.http import member_headers
from zhtj.notices import reading
from zhtj.notices import rules as notice_rules
from zhtj.notices.models import NoticeRead
from zhtj.signin.tokens import Principal
from zhtj.table import keys, storage
from zhtj.table.audit_record import AuditRecord


def attachment(client: Any, world: World, org: str, size: int = 1024, content_type: str = "application/pdf") -> str:
    """An attachment uploaded as the client would: a presigned upload's key, the object put."""
    status, upload = call(
        client,
        "POST",
        f"/orgs/{world.orgs[org]}/notice-attachments",
        world.headers(org),
        {"content_type": content_type},
    )
    assert status == 200, upload
    boto3.client("s3").put_object(Bucket=storage.bucket("uploads"), Key=upload["key"], Body=b"\0" * size)
    return str(upload["key"])


def publish(client: Any, world: World, org: str, **body: Any) -> dict[str, Any]:
    body = {"title": "关于开展主题团日活动的通知", "body": "请各级团组织认真组织。", "audience": "SUBTREE"} | body
    status, notice = call(client, "POST", f"/orgs/{world.orgs[org]}/notices", world.headers(org), body)
    assert status == 201, notice
    return notice


def listed(client: Any, headers: dict[str, str]) -> list[str]:
    status, page = call(client, "GET", "/me/notices", headers)
    assert status == 200, page
    return [n["notice_id"] for n in page["items"]]


def test_msg_3_a_notice_to_a_subtree_reaches_everyone_below_and_nobody_beside(client: Any, world: World) -> None:
    # Given 广州团市委 publishes to its whole subtree, with a PDF attached
    key = attachment(client, world, "gz")
    notice = publish(client, world, "gz", attachments=[{"key": key, "file_name": "活动方案.pdf"}])
    notice_id = notice["notice_id"]
    audit = [r for r in AuditRecord.query(keys.audit_pk("ORG", world.orgs["gz"])) if r.action == "notice.publish"]
    assert len(audit) == 1 and audit[0].after["notice_id"] == notice_id
    # When readers below and beside list their notices
    below = [member_headers(world, m) for m in world.members["huajing"]]
    below += [world.headers(o) for o in ("gz", "tianhe", "yuexiu", "huajing")]
    beside = [member_headers(world, world.members["lianhua"][0])] + [world.headers(o) for o in ("sz", "root", "sysu")]
    # Then everyone below sees it and reads it with its attachment's download link
    for headers in below:
        assert listed(client, headers) == [notice_id]
        status, one = call(client, "GET", f"/notices/{notice_id}", headers)
        assert status == 200, one
        assert one["attachments"][0]["file_name"] == "活动方案.pdf" and one["attachments"][0]["url"]
    # And nobody beside (another city, the province above the publisher) sees or reads it
    for headers in beside:
        assert listed(client, headers) == []
        status, answer = call(client, "GET", f"/notices/{notice_id}", headers)
        assert (status, answer["code"]) == (404, "NOTICE_NOT_FOUND")


def test_msg_3_a_notice_to_chosen_children_reaches_only_their_subtrees(client: Any, world: World) -> None:
    # Given the province publishes to 广州团市委 alone
    notice = publish(client, world, "root", audience="CHILDREN", child_ids=[world.orgs["gz"]])
    # Then 广州's line reads it; 深圳, 中大 and the province's own operators do not
    for headers in (member_headers(world, world.members["huajing"][0]), world.headers("tianhe"), world.headers("gz")):
        assert listed(client, headers) == [notice["notice_id"]]
    for headers in (member_headers(world, world.members["lianhua"][0]), world.headers("sz"), world.headers("sysu")):
        assert listed(client, headers) == []
        status, answer = call(client, "GET", f"/notices/{notice['notice_id']}", headers)
        assert (status, answer["code"]) == (404, "NOTICE_NOT_FOUND")
    # And the province's operators open what they sent (not counted as a reader)
    status, own = call(client, "GET", f"/notices/{notice['notice_id']}", world.headers("root"))
    assert status == 200 and own["child_ids"] == [world.orgs["gz"]]
    status, counts = call(client, "GET", f"/notices/{notice['notice_id']}/read-counts", world.headers("root"))
    assert status == 200 and [(c["org_id"], c["reads"]) for c in counts["by_org"]] == [(world.orgs["gz"], 0)]
    # And a chosen organisation must be a direct child of the publisher
    body = {"title": "通知", "body": "正文", "audience": "CHILDREN", "child_ids": [world.orgs["tianhe"]]}
    status, answer = call(client, "POST", f"/orgs/{world.orgs['root']}/notices", world.headers("root"), body)
    assert (status, answer["code"], answer["field"]) == (400, "NOTICE_CHILD", "child_ids")


def test_msg_3_attachments_type_and_size_are_refused_beside_the_field(client: Any, world: World) -> None:
    path, headers = f"/orgs/{world.orgs['tianhe']}/notices", world.headers("tianhe")
    # Given an upload of a GIF is refused before any URL is handed out
    status, answer = call(
        client, "POST", f"/orgs/{world.orgs['tianhe']}/notice-attachments", headers, {"content_type": "image/gif"}
    )
    assert (status, answer["code"], answer["field"]) == (400, "ATTACHMENT_TYPE", "content_type")
    assert answer["message"] == notice_rules.TYPE_MESSAGE
    # When a notice names an attachment over 20 MB, one saved as an .exe, one of another organisation
    big = attachment(client, world, "tianhe", size=notice_rules.MAX_ATTACHMENT_BYTES + 1)
    fine = attachment(client, world, "tianhe", content_type="image/png")
    elsewhere = attachment(client, world, "yuexiu")
    for attached, code in (
        ({"key": big, "file_name": "大文件.pdf"}, "ATTACHMENT_TOO_LARGE"),
        ({"key": fine, "file_name": "程序.exe"}, "ATTACHMENT_TYPE"),
        ({"key": elsewhere, "file_name": "别处.pdf"}, "ATTACHMENT_MISSING"),
    ):
        body = {"title": "通知", "body": "正文", "audience": "SUBTREE", "attachments": [attached]}
        status, answer = call(client, "POST", path, headers, body)
        # Then each is refused with a Chinese message beside the attachments field, nothing published
        assert (status, answer["code"], answer["field"]) == (400, code, "attachments")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["message"])
    assert listed(client, world.headers("tianhe")) == []


def test_msg_3_read_counts_are_correct_under_concurrent_reads(client: Any, world: World) -> None:
    # Given 广州团市委 published to its subtree
    notice_id = publish(client, world, "gz")["notice_id"]
    members = [Principal(world.member_accounts[m], None, member_id=m) for m in world.members["huajing"]]
    readers = [*members, world.principal("yuexiu"), world.principal("gz"), world.principal("huajing")]
    # When every reader reads it four times, all at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda p: reading.read(p, notice_id), readers * 4))
    # Then each reader counts once, under the publisher's child above them (or the publisher itself)
    status, counts = call(client, "GET", f"/notices/{notice_id}/read-counts", world.headers("gz"))
    assert status == 200, counts
    by_org = {c["org_id"]: c["reads"] for c in counts["by_org"]}
    assert by_org == {world.orgs["tianhe"]: 4, world.orgs["yuexiu"]: 1, world.orgs["gz"]: 1}
    assert counts["total"] == 6
    marks = [i for i in NoticeRead.query(keys.notice_pk(notice_id)) if isinstance(i, NoticeRead)]
    assert len(marks) == 6
    # And the list shows it read; only the publisher's line above reads the counts
    status, page = call(client, "GET", "/me/notices", world.headers("yuexiu"))
    assert page["items"][0]["read"] is True
    status, answer = call(client, "GET", f"/notices/{notice_id}/read-counts", world.headers("tianhe"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")


def test_msg_3_read_counts_name_each_child_addressed_with_its_members_and_the_read_rate(
    client: Any, world: World
) -> None:
    # Given the province published to its whole subtree, and one member of 华景 (广州) read it
    notice_id = publish(client, world, "root")["notice_id"]
    status, _ = call(client, "GET", f"/notices/{notice_id}", member_headers(world, world.members["huajing"][0]))
    assert status == 200
    # When the province reads the counts
    status, counts = call(client, "GET", f"/notices/{notice_id}/read-counts", world.headers("root"))
    assert status == 200, counts
    # Then every direct child is a row (those nobody read too, not the system organisation), with
    # its name and the members of its subtree; 广州 has one reader of its 3 members
    rows = {c["name"]: (c["reads"], c["members"], c["rate"]) for c in counts["by_org"]}
    assert rows == {"广州团市委": (1, 3, 0.3333), "深圳团市委": (0, 1, 0.0), "中山大学团委": (0, 0, None)}
    # And the overall rate is the readers over the members addressed
    assert (counts["total"], counts["members"], counts["rate"]) == (1, 4, 0.25)


def test_msg_3_a_readers_list_merges_its_ancestors_notices_newest_first_by_page(client: Any, world: World) -> None:
    # Given notices from the province, the city, the county and the branch itself
    ids = [publish(client, world, org, title=f"{org}通知")["notice_id"] for org in ("root", "gz", "tianhe", "huajing")]
    headers = member_headers(world, world.members["huajing"][0])
    # When a member of 华景 pages through its list two at a time
    status, first = call(client, "GET", "/me/notices?limit=2", headers)
    assert status == 200 and first["next_cursor"]
    status, second = call(client, "GET", f"/me/notices?limit=2&cursor={first['next_cursor']}", headers)
    # Then it sees all four, newest first, each once
    seen = [n["notice_id"] for n in first["items"] + second["items"]]
    assert seen == list(reversed(ids))
    # And the publisher lists its own
    status, own = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/notices", world.headers("tianhe"))
    assert status == 200 and [n["notice_id"] for n in own["items"]] == [ids[2]]


def test_msg_3_attachments_past_the_buckets_retention_are_shown_expired_without_a_link(
    client: Any, world: World
) -> None:
    # Given a notice with an attachment, published longer ago than the uploads bucket keeps it
    from datetime import timedelta

    from zhtj.core import clock
    from zhtj.notices.models import Notice

    key = attachment(client, world, "gz")
    notice_id = publish(client, world, "gz", attachments=[{"key": key, "file_name": "旧方案.pdf"}])["notice_id"]
    old = clock.now() - timedelta(days=notice_rules.ATTACHMENT_SHOWN_DAYS + 1)
    Notice(keys.notice_pk(notice_id), keys.META).update(actions=[Notice.published_at.set(old)])
    # When a reader below opens it
    status, one = call(client, "GET", f"/notices/{notice_id}", world.headers("tianhe"))
    # Then the attachment is listed, expired, with no link
    assert status == 200, one
    [shown] = one["attachments"]
    assert (shown["file_name"], shown["expired"], shown["url"]) == ("旧方案.pdf", True, None)
