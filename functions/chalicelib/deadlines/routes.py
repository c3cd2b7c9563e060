"""Routes of deadlines (REV-2): the registrations overdue for review or report at an
organisation. Thin: parse, call logic, shape. The working-day calendar the deadlines count
in is timers/routes.py."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.http import PageQuery, api
from chalicelib.registration.schemas import RegistrationOut
from chalicelib.schemas import Page
from zhtj.deadlines import service as deadlines
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "期限"


@api(
    bp,
    "/orgs/{org_id}/overdue-reviews",
    "GET",
    summary="逾期未审核、上报本组织的报到",
    query=PageQuery,
    response=Page[RegistrationOut],
    tag=TAG,
)
def overdue_reviews(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = deadlines.overdue(principal, org_id, query.cursor, query.limit)
    return Page[RegistrationOut](items=[RegistrationOut.model_validate(r) for r in items], next_cursor=cursor)
