"""Who reviews a registration (REV-1, REV-2): its branch, and an organisation above it only
once the review deadline passed and the review was escalated to it (or below it)."""

from __future__ import annotations

import msgspec

from zhtj.core.errors import ForbiddenError
from zhtj.orgs.authz import Acting, acting_from, authorize_as, get_org, operator_keys, org_key, org_of, within
from zhtj.orgs.authz import acting as acting_operator
from zhtj.orgs.models import Org
from zhtj.registration.models import Registration
from zhtj.registration.records import REGISTRATION_NOT_FOUND
from zhtj.signin import tokens
from zhtj.signin.tokens import Caller, Principal
from zhtj.table import keys
from zhtj.table.base import get_items

NOT_ESCALATED = ForbiddenError("NOT_ESCALATED", "报到审核由团支部负责，逾期上报后上级组织方可代为审核", None)


class Review(msgspec.Struct, frozen=True):
    """A registration with its verified reviewer and its branch, as one read gave them."""

    registration: Registration
    operator: Acting
    branch: Org


def review(caller: Caller, registration_id: str) -> Review:
    """The registration and the operator entitled to review it now, read together: one
    BatchGetItem of the caller's session (from a route: tokens.Claimed), the registration, the
    acting organisation and the operator's grants (the branch itself, when the branch reviews),
    and a second of the branch and the organisation it was escalated to only when an
    organisation above acts. Raises AuthenticationError (the session first), NotFoundError (the
    registration), ForbiddenError."""
    registration_key = (keys.registration_pk(registration_id), keys.META)
    found = get_items([*tokens.session_keys(caller), registration_key, *operator_keys(caller)])
    principal = tokens.opened(caller, found)
    registration = found.get(registration_key)
    if not isinstance(registration, Registration):
        raise REGISTRATION_NOT_FOUND
    operator = acting_from(principal, found)
    wanted = [registration.branch_id]
    if operator.org.org_id != registration.branch_id and registration.escalated_to:
        wanted.append(registration.escalated_to)
    missing = [org_key(org_id) for org_id in wanted if org_key(org_id) not in found]
    if missing:
        found = {**found, **get_items(missing)}
    branch = org_of(found, registration.branch_id)
    escalated = org_of(found, wanted[1]) if len(wanted) > 1 else None
    return Review(registration, _entitled(operator, registration, branch, escalated), branch)


def reviewer(principal: Principal, registration: Registration) -> Acting:
    """The verified operator entitled to review this registration now. Raises ForbiddenError."""
    branch = get_org(registration.branch_id)
    operator = acting_operator(principal)
    escalated = None
    if operator.org.org_id != registration.branch_id and registration.escalated_to:
        escalated = get_org(registration.escalated_to)
    return _entitled(operator, registration, branch, escalated)


def _entitled(operator: Acting, registration: Registration, branch: Org, escalated: Org | None) -> Acting:
    """REV-1/REV-2: the branch, or an organisation at or above the one the review was escalated to."""
    authorize_as(operator, "registration.review", branch)
    if operator.org.org_id != registration.branch_id and (escalated is None or not within(operator.org, escalated)):
        raise NOT_ESCALATED
    return operator
