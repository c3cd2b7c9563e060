"""Who reviews a registration (REV-1, REV-2): its branch, and an organisation above it only
once the review deadline passed and the review was escalated to it (or below it)."""

from __future__ import annotations

from zhtj.core.errors import ForbiddenError
from zhtj.orgs.authz import Acting, authorize, get_org, within
from zhtj.registration.models import Registration
from zhtj.signin.tokens import Principal

NOT_ESCALATED = ForbiddenError("NOT_ESCALATED", "报到审核由团支部负责，逾期上报后上级组织方可代为审核", None)


def reviewer(principal: Principal, registration: Registration) -> Acting:
    """The verified operator entitled to review this registration now. Raises ForbiddenError."""
    operator = authorize(principal, "registration.review", get_org(registration.branch_id))
    if operator.org.org_id != registration.branch_id:
        escalated = get_org(registration.escalated_to) if registration.escalated_to else None
        if escalated is None or not within(operator.org, escalated):
            raise NOT_ESCALATED
    return operator
