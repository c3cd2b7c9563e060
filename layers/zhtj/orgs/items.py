"""An organisation's item shapes: its index keys (children, subtree, dissolved), its name
search tokens, its audited snapshot and its level."""

from __future__ import annotations

from typing import Any

from zhtj.names.rules import exact_gram
from zhtj.orgs.models import NameToken, Org, OrgNameClaim
from zhtj.orgs.rules import TYPE_RANK, Level, OrgStatus, OrgType, bigrams
from zhtj.table import keys


def bucket_of(path: str) -> str:
    """The depth-1 ancestor of a path (the root for the root itself): the subtree index's
    partition, so that no single partition holds the whole province."""
    segments = path.strip("/").split("/")
    return segments[1] if len(segments) > 1 else segments[0]


def set_index_keys(org: Org) -> None:
    org.pk, org.sk = keys.org_pk(org.org_id), keys.META
    parent = org.parent_id or "ROOT"
    org.gsi1sk = f"{TYPE_RANK[OrgType(org.org_type)]:02d}#{org.short_name}#{org.org_id}"
    if org.status != OrgStatus.ACTIVE:
        org.gsi1pk, org.gsi2pk, org.gsi2sk = keys.dissolved_pk(parent), None, None
        return
    org.gsi1pk = keys.system_orgs_pk(parent) if org.system else keys.children_pk(parent)
    org.gsi2pk, org.gsi2sk = keys.tree_pk(bucket_of(org.path)), org.path


# The partition of an organisation's whole alias (代称) in the name index: the public branch
# lookup (orgs/lookup.py) finds a branch by its alias as well as by a fragment of its name.
ALIAS_MARK = "@="  # with the alias, 3 characters at least: never a bigram, never "=<name>"


def alias_gram(alias: str) -> str:
    return ALIAS_MARK + "".join(alias.lower().split())


def name_tokens(org: Org, path: str | None = None) -> list[NameToken]:
    """The search index items of an organisation's short name: one per bigram, one for the
    whole name (=<name>), which STAT-3's search reads first to rank exact matches first, and
    one for the whole alias (@=<alias>), which the public branch lookup reads."""
    where = path or org.path
    normalized = "".join(org.short_name.lower().split())
    grams = [*sorted(bigrams(org.short_name)), exact_gram(normalized)]
    if org.alias:
        grams.append(alias_gram(org.alias))
    return [
        NameToken(
            keys.name_pk(gram), where, ref_id=org.org_id, name=normalized, label=org.short_name, org_type=org.org_type
        )
        for gram in grams
    ]


def claim_key(short_name: str) -> str:
    """ORG-5: the partition of a short name's claim (lower-cased, without spaces, as searched)."""
    return keys.org_name_claim_pk("".join(short_name.lower().split()))


def name_claim(org: Org) -> OrgNameClaim:
    """The item by which an active organisation holds its short name in the province."""
    return OrgNameClaim(claim_key(org.short_name), keys.META, ref_id=org.org_id)


def snapshot(org: Org) -> dict[str, Any]:
    """The audited state of an organisation."""
    fields = (
        "parent_id",
        "path",
        "org_type",
        "level",
        "sector",
        "short_name",
        "full_name",
        "alias",
        "region_name",
        "entry_year",
        "status",
    )
    return {f: getattr(org, f) for f in fields if getattr(org, f) is not None}


def level_of(org: Org) -> Level | None:
    """The organisation's level (leading organs only)."""
    return Level(org.level) if org.level else None
