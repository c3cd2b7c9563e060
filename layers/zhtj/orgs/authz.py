"""Who may do what, where (SPEC "Users and roles"). The one authorization check.

An account acts for one organisation at a time (the token's acting org) by holding an
operator grant there: the administrator account (管理员) or an operating position. Each
action names how far from the acting organisation its target may be; the target is
always checked against the acting organisation's materialized path, read fresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import msgspec

from zhtj.core.errors import ForbiddenError, NotFoundError
from zhtj.orgs.models import Grant, Org
from zhtj.orgs.rules import POSITIONS as POSITIONS
from zhtj.orgs.rules import OrgStatus
from zhtj.signin.tokens import Claimed, Principal
from zhtj.table import keys
from zhtj.table.base import Item, Key, get_items
from zhtj.table.unit_of_work import Actor

ADMIN_ROLE = "管理员"
# Cadre positions (职务) of SPEC "Users and roles".
ROLES = (ADMIN_ROLE, *POSITIONS)
# Positions that operate their organisation (运营者) besides its administrator account.
OPERATOR_ROLES = frozenset({ADMIN_ROLE, "书记", "副书记", "工作人员"})


class Reach(StrEnum):
    OWN_OR_BELOW = "OWN_OR_BELOW"  # the acting organisation or anything beneath it
    BELOW = "BELOW"  # strictly beneath: an organisation never does this to itself
    PROVINCE = "PROVINCE"  # the provincial committee (the root) alone


# Every action of the system and how far it reaches. Tests walk this table as a matrix.
POLICY: dict[str, Reach] = {
    "org.read": Reach.OWN_OR_BELOW,
    "org.create_child": Reach.OWN_OR_BELOW,  # target: the parent
    # Editing an organisation's details (orgs/editing.py): those above it; its own operators
    # may set its alias (代称) alone (seed 003: its first operator sets it).
    "org.edit": Reach.BELOW,
    "org.edit_alias": Reach.OWN_OR_BELOW,
    "org.move": Reach.BELOW,  # target: the moved organisation (its new parent: org.create_child)
    "org.dissolve": Reach.BELOW,
    "org.merge": Reach.BELOW,  # target: the branch merged away (the receiving one: org.read)
    "org.create_admin": Reach.BELOW,  # an upper organisation hands its child the administrator account
    "org.grant_position": Reach.OWN_OR_BELOW,
    "cadre.invite": Reach.OWN_OR_BELOW,  # a cadre entered and invited by SMS (ACCT-5), never membership
    "member.reset_code": Reach.OWN_OR_BELOW,  # ACCT-4: target: the member's branch
    "org.audit": Reach.OWN_OR_BELOW,
    "org.findings": Reach.OWN_OR_BELOW,
    "org.work_list": Reach.OWN_OR_BELOW,  # MSG-4: an organisation's work list (待办), by it or above it
    "member.read": Reach.OWN_OR_BELOW,  # target: the member's branch
    "member.audit": Reach.OWN_OR_BELOW,
    # The full ID number (members/id_number.py): the member's branch alone (REV-1's rule after
    # approval), which members/id_number.py narrows OWN_OR_BELOW to; audited.
    "member.reveal_id_number": Reach.OWN_OR_BELOW,
    # The roster as a spreadsheet (members/roster.py): the target is the organisation exported.
    "member.export": Reach.OWN_OR_BELOW,
    # WEB-2 (registration/poster.py): a branch's registration QR poster; the target is the branch.
    "org.join_poster": Reach.OWN_OR_BELOW,
    "system_org.read": Reach.PROVINCE,
    "registration.read": Reach.OWN_OR_BELOW,  # target: the registration's branch
    "registration.review": Reach.OWN_OR_BELOW,  # the branch, or above it once escalated (REV-2)
    "waves.set": Reach.PROVINCE,
    "registration.overdue": Reach.OWN_OR_BELOW,  # target: the organisation reviews were escalated to (REV-2)
    "calendar.load": Reach.PROVINCE,  # a year's published holiday schedule (REV-2's working days)
    # EDIT/DEL/EXIT: the target is always the member's branch. "City level" is the city's
    # leading organ above the branch (or the depth-1 organisation for units directly under
    # the province): members/service.py narrows BELOW to it.
    "member.edit_review": Reach.OWN_OR_BELOW,  # EDIT-2, EDIT-4 inside a window
    "member.join_month_apply": Reach.BELOW,  # EDIT-4 outside a window: city level only
    "member.join_month_approve": Reach.PROVINCE,
    "join_date_windows.set": Reach.PROVINCE,
    "member.delete_request": Reach.OWN_OR_BELOW,  # DEL-1: the branch requests
    "member.delete_forward": Reach.BELOW,  # city level collects and forwards
    "member.delete_return": Reach.BELOW,  # city level (before forwarding) or the province
    "member.delete_approve": Reach.PROVINCE,
    "member.exit_apply": Reach.OWN_OR_BELOW,  # EXIT-1: on the branch meeting's resolution
    "member.exit_approve": Reach.BELOW,  # the upper organisation, never the branch itself
    "member.restore": Reach.BELOW,  # 恢复团籍 of a member who left at 28
    # IMPORT-1: the target is the importing organisation (a branch, or a parent importing for
    # its direct child branches); imports/service.py limits the rows to those branches.
    "import.create": Reach.OWN_OR_BELOW,
    "import.read": Reach.OWN_OR_BELOW,
    # CARD-2: an organisation downloads the cards of the members at or below it (target: the
    # member's branch); the member reads their own without an acting organisation.
    "card.read": Reach.OWN_OR_BELOW,
    # XFER: starting names the member's branch (XFER-2: the member, or an organisation whose
    # subtree holds them); an organisation elsewhere (the receiving side) only proposes, naming
    # the receiving branch, and the member confirms (transfers/proposals.py). Acting names
    # the organisation a step asks, and transfers/steps.py narrows it to that organisation (or,
    # once overdue, those up to the one it was escalated to).
    "transfer.start": Reach.OWN_OR_BELOW,
    "transfer.propose": Reach.OWN_OR_BELOW,
    "transfer.read": Reach.OWN_OR_BELOW,
    "transfer.act": Reach.OWN_OR_BELOW,
    "transfer.stats": Reach.OWN_OR_BELOW,
    "transfer.chain_set": Reach.PROVINCE,
    "transfer.graduation_set": Reach.OWN_OR_BELOW,  # XFER-6: the class branch or above
    "transfer.receive": Reach.OWN_OR_BELOW,  # XFER-5: the receiving branch or above
    # DUES: the target is the member's branch (a member reads their own dues without a grant),
    # the organisation read or paying, or the organisation whose retention share is set.
    "dues.read": Reach.OWN_OR_BELOW,
    "dues.pay_for_members": Reach.OWN_OR_BELOW,  # 代缴: the organisation pays for members beneath it
    "dues.share_set": Reach.BELOW,  # the share an organisation keeps is set by the one above
    "dues.standard_set": Reach.PROVINCE,  # DUES-2: the standard is the province's data
    "dues.reconciliation_read": Reach.PROVINCE,
    "dues.offline_record": Reach.OWN_OR_BELOW,  # DUES-5: months the member paid the branch by hand
    "dues.remind": Reach.OWN_OR_BELOW,  # MSG-2: 催交, the target is the branch whose members owe
    # AWARD (awards/service.py): the target is the member's branch (or, for a batch, the
    # organisation whose members are named); the entering organisation is the granting one.
    # A declaration naming a league organisation is decided by that organisation only.
    "award.enter": Reach.OWN_OR_BELOW,
    "award.read": Reach.OWN_OR_BELOW,
    "award.review": Reach.OWN_OR_BELOW,
    # Annual records (annual/service.py): the target is the branch (or the member's branch);
    # the branch proposes its evaluation, an organisation above it certifies.
    "annual.register": Reach.OWN_OR_BELOW,
    "evaluation.propose": Reach.OWN_OR_BELOW,
    "evaluation.certify": Reach.BELOW,
    "evaluation.read": Reach.OWN_OR_BELOW,
    "volunteer.record": Reach.OWN_OR_BELOW,
    # LIFE-1 (life/service.py): the target is the branch whose meeting is recorded or read.
    "life.record": Reach.OWN_OR_BELOW,
    "life.read": Reach.OWN_OR_BELOW,
    # PARTY-1 (party/service.py): the target is the member's branch; party/service.py narrows
    # the review to the committee directly above the branch. party.read: the committee's list.
    "party.propose": Reach.OWN_OR_BELOW,
    "party.review": Reach.BELOW,
    "party.read": Reach.OWN_OR_BELOW,
    # STAT-3 (search/service.py): the target is the organisation whose subtree is searched.
    "search.run": Reach.OWN_OR_BELOW,
    # STAT-1..2 and SWEEP (zhtj.stats, sweeps/service.py): the target is the organisation
    # whose subtree is read or whose sector targets are set; a sweep covers the province.
    "stats.read": Reach.OWN_OR_BELOW,
    "stats.targets_set": Reach.OWN_OR_BELOW,
    "sweep.start": Reach.PROVINCE,
    "sweep.read": Reach.OWN_OR_BELOW,
    # MSG-3 (zhtj.notices): the target is the publishing organisation. Its operators, or those
    # above it, publish for it and read its notices' read counts.
    "notice.publish": Reach.OWN_OR_BELOW,
    "notice.manage": Reach.OWN_OR_BELOW,
}

NOT_OPERATOR = ForbiddenError("NOT_OPERATOR", "当前身份不是组织管理员，无权执行此操作", None)
OUT_OF_SCOPE = ForbiddenError("OUT_OF_SCOPE", "只能管理本组织及其下级组织", None)
NOT_BELOW = ForbiddenError("OWN_ORG_NOT_ALLOWED", "此操作须由上级组织执行", None)
PROVINCE_ONLY = ForbiddenError("PROVINCE_ONLY", "此操作仅限团省委执行", None)


class Acting(msgspec.Struct, frozen=True):
    """A verified operator: the account, the organisation it acts for, its operator roles there."""

    account_id: str
    org: Org
    roles: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(account_id=self.account_id, org_id=self.org.org_id)

    @property
    def is_province(self) -> bool:
        return self.org.parent_id is None


def org_key(org_id: str) -> Key:
    return keys.org_pk(org_id), keys.META


def get_org(org_id: str) -> Org:
    """Raises NotFoundError."""
    try:
        org = Org.get(*org_key(org_id), consistent_read=True)
    except Org.DoesNotExist as error:
        raise NotFoundError("ORG_NOT_FOUND", "组织不存在", "org_id") from error
    return org


def org_of(found: Mapping[Key, Item], org_id: str) -> Org:
    """An organisation read in a caller's batch (`get_items`). Raises NotFoundError."""
    org = found.get(org_key(org_id))
    if not isinstance(org, Org):
        raise NotFoundError("ORG_NOT_FOUND", "组织不存在", "org_id")
    return org


def operator_keys(principal: Principal | Claimed) -> list[Key]:
    """What proving the operator reads, for a caller to batch with its own reads (`get_items`):
    the acting organisation and the principal's grant there of each operator role (a grant's
    key names its role, so the grants are read by key, not listed). None without an acting
    organisation."""
    if principal.acting_org_id is None:
        return []
    account_pk, org_id = keys.account_pk(principal.account_id), principal.acting_org_id
    return [org_key(org_id), *((account_pk, keys.grant_sk(org_id, role)) for role in sorted(OPERATOR_ROLES))]


def acting_from(principal: Principal, found: Mapping[Key, Item]) -> Acting:
    """`acting`'s check on items already read, strongly consistent, with `operator_keys`."""
    if principal.acting_org_id is None:
        raise NOT_OPERATOR
    grants = (found.get(key) for key in operator_keys(principal)[1:])
    roles = frozenset(g.role for g in grants if isinstance(g, Grant) and g.role in OPERATOR_ROLES)
    if not roles:
        raise NOT_OPERATOR
    org = org_of(found, principal.acting_org_id)
    if org.status != OrgStatus.ACTIVE:
        raise NOT_OPERATOR
    return Acting(account_id=principal.account_id, org=org, roles=roles)


def acting(principal: Principal) -> Acting:
    """Prove the principal operates its acting organisation now (grants are read fresh, so a
    revoked position stops working at once): one BatchGetItem of the organisation and the
    operator grants. Raises ForbiddenError."""
    if principal.acting_org_id is None:
        raise NOT_OPERATOR
    return acting_from(principal, get_items(operator_keys(principal)))


def within(ancestor: Org, target: Org) -> bool:
    return target.path.startswith(ancestor.path)


def authorize(principal: Principal, action: str, target: Org | None) -> Acting:
    """The check every operator action passes: POLICY[action] decides how far the target may
    lie from the acting organisation (PROVINCE actions need no target). Returns the verified
    operator; raises ForbiddenError."""
    return authorize_as(acting(principal), action, target)


def authorize_as(operator: Acting, action: str, target: Org | None) -> Acting:
    """`authorize` for an operator already proven (`acting_from` on a caller's batched read)."""
    reach = POLICY[action]
    if reach == Reach.PROVINCE:
        if not operator.is_province:
            raise PROVINCE_ONLY
        return operator
    if target is None:
        raise ValueError(f"{action} needs a target organisation")
    if not within(operator.org, target):
        raise OUT_OF_SCOPE
    if reach == Reach.BELOW and target.org_id == operator.org.org_id:
        raise NOT_BELOW
    return operator
