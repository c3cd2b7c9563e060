"""STAT-3: one search over members and organisations within the caller's subtree. Thin:
parse, call logic.search, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from msgspec.structs import asdict
from pydantic import BaseModel

from chalicelib.http import api
from chalicelib.schemas import Page
from chalicelib.search.schemas import SearchHitOut, SearchIn
from zhtj.search import service as search
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "查找"


@api(
    bp,
    "/search",
    "POST",
    summary="按姓名、组织名称或身份证号码查找团员和团组织",
    body=SearchIn,
    response=Page[SearchHitOut],
    tag=TAG,
)
def run(principal: Principal, body: SearchIn) -> BaseModel:
    hits, cursor = search.search(principal, body.q, body.kind, body.org_id, body.cursor, body.limit)
    return Page[SearchHitOut](items=[SearchHitOut(**asdict(h)) for h in hits], next_cursor=cursor)
