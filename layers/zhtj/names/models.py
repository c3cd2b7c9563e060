"""Table items of names: MemberNameToken, RetokenMark."""

from __future__ import annotations

from pynamodb.attributes import (
    UnicodeAttribute,
)

from zhtj.table.base import Item


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


class RetokenMark(Item, discriminator="RetokenMark"):
    """A branch whose path a move rewrote while its members' search tokens still carry the old
    one: pk RETOKEN#<job>, sk <branch>. Written in the same transaction as the branch's new
    path, deleted once every member's tokens follow (the move job finishes after its marks)."""

    branch_id = UnicodeAttribute()
