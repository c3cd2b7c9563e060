"""A member's ID number in full, for the branch that holds the member's paper file (REV-1's
rule after approval): the console shows it masked, and reveals it only on request, one
member at a time, every look audited (AUDIT-1). An organisation above the branch reads the
masked form only; an export never holds the full number."""

from __future__ import annotations

from zhtj.core.errors import ForbiddenError, NotFoundError
from zhtj.members.service import get_member
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import pii
from zhtj.table.unit_of_work import UnitOfWork

BRANCH_ONLY = ForbiddenError("ID_NUMBER_BRANCH_ONLY", "完整身份证号仅限团员所在团支部查看", None)
NO_ID_NUMBER = NotFoundError("ID_NUMBER_NOT_RECORDED", "该团员未登记身份证号", "member_id")


def reveal_id_number(principal: Principal, member_id: str) -> str:
    """The member's ID number, to an operator of the member's own branch; the look is audited
    in the same call (member.reveal_id_number on the member's trail)."""
    member = get_member(member_id)
    operator = authorize(principal, "member.reveal_id_number", get_org(member.branch_id))
    if operator.org.org_id != member.branch_id:
        raise BRANCH_ONLY
    if not member.id_sealed:
        raise NO_ID_NUMBER
    plain = pii.unseal(member.id_sealed, {"purpose": "id_number", "member": member_id})
    uow = UnitOfWork(operator.actor)
    uow.audit("member.reveal_id_number", "MEMBER", member_id, member.branch_id)
    uow.commit()
    return plain
