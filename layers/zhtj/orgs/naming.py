"""ORG-5 for every writer of an organisation's names. Creating a child (creation.py) and editing
an organisation (editing.py), and both forms' checks as you type, check the same things here:
the patterns of rules.py, the city-level region a short name starts from, and the short name
free in the province; and they hold the short name the same way (an OrgNameClaim put under
the condition that nobody else holds it, so two writers racing for one name: one wins)."""

from __future__ import annotations

import msgspec

from zhtj.core.errors import ConflictError, DomainError, FieldChecks, ValidationError
from zhtj.orgs.items import claim_key, name_claim
from zhtj.orgs.models import Org, OrgNameClaim
from zhtj.orgs.rules import Level, Names, OrgType, validate_alias, validate_full_name, validate_short_name
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork

SHORT_NAME_TAKEN = ConflictError("SHORT_NAME_TAKEN", "该简称已被省内其他团组织使用，请换一个名称", "short_name")


class NameRules(msgspec.Struct, frozen=True):
    """What decides an organisation's naming rules: its type, the region its short name must
    start with, whether it is a school class's branch (and its entry year), and, when it is
    edited, its own id (its own name is no conflict)."""

    org_type: OrgType
    city_prefix: str | None
    class_branch: bool = False
    entry_year: int | None = None
    own_id: str | None = None


def city_prefix(lineage: list[Org], org_type: OrgType, level: Level | None, region_name: str | None) -> str | None:
    """ORG-5: names are written from the city-level region down. The region of the nearest
    city-level leading organ in the lineage (its ancestors; or a city organ's own region).
    Raises ValidationError when a city or county organ has no region."""
    if org_type == OrgType.LEADING_ORGAN:
        if level in (Level.CITY, Level.COUNTY) and not region_name:
            raise ValidationError("REGION_REQUIRED", "市、县级团的领导机关须填写所在地区名称", "region_name")
        if level == Level.CITY:
            return None  # a city organ's own short name reads "广州团市委"
    for org in reversed(lineage):
        if org.org_type == OrgType.LEADING_ORGAN and org.level == Level.CITY:
            return org.region_name
    return None


def holder(short_name: str) -> str | None:
    """The organisation holding a short name in the province (a consistent read), if any."""
    try:
        return OrgNameClaim.get(claim_key(short_name), keys.META, consistent_read=True).ref_id
    except OrgNameClaim.DoesNotExist:
        return None


def short_name_free(short_name: str, rules: NameRules) -> str:
    """ORG-5: the short name checked by its pattern, then free (or the edited organisation's
    own). Raises ValidationError or ConflictError SHORT_NAME_TAKEN (field short_name)."""
    short_name = validate_short_name(
        short_name, rules.org_type, rules.city_prefix, rules.class_branch, rules.entry_year
    )
    if holder(short_name) not in (None, rules.own_id):
        raise SHORT_NAME_TAKEN
    return short_name


def check_names(rules: NameRules, short_name: str, full_name: str, alias: str) -> Names:
    """The three names, each checked on its own; every wrong one is reported at once
    (InvalidFields), so that a form is corrected in one round."""
    checks = FieldChecks()
    short = checks.run(lambda: short_name_free(short_name, rules))
    full = checks.run(lambda: validate_full_name(full_name, rules.org_type))
    checked_alias = checks.run(lambda: validate_alias(alias))
    checks.done()
    assert short is not None and full is not None and checked_alias is not None
    return Names(short, full, checked_alias)


def draft_errors(
    rules: NameRules, short_name: str | None, full_name: str | None, alias: str | None
) -> list[DomainError]:
    """ORG-5 as a form is typed: what `check_names` would refuse of the names given so far (a
    name not given is not checked), in the form's order. Writes nothing."""
    checks = FieldChecks()
    if short_name is not None:
        checks.run(lambda: short_name_free(short_name, rules))
    if full_name is not None:
        checks.run(lambda: validate_full_name(full_name, rules.org_type))
    if alias is not None:
        checks.run(lambda: validate_alias(alias))
    return checks.errors


def claim(uow: UnitOfWork, org: Org) -> None:
    """In the transaction that gives `org` its short name: hold it, unless another holds it."""
    uow.put(
        name_claim(org),
        condition=OrgNameClaim.pk.does_not_exist() | (OrgNameClaim.ref_id == org.org_id),
        on_fail=SHORT_NAME_TAKEN,
    )


def release(uow: UnitOfWork, org_id: str, short_name: str) -> None:
    """In the transaction that takes an organisation's short name away (a rename, dissolution):
    free it if the organisation holds it (read first: a name held by another, as data written
    before the claims may have it, is left alone; a name the organisation holds stays its own
    until this commits, since nobody else may put its claim)."""
    if holder(short_name) == org_id:
        uow.delete(OrgNameClaim(claim_key(short_name), keys.META), condition=OrgNameClaim.ref_id == org_id)
