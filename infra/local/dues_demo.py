"""Demo data of league dues (团费), loaded after the demo province (infra/local/demo.py):
retention shares down the tree (the older rule's proportions), the branch secretary paid up, a
member with an open order paid for by the branch (a locked bill), one with 7 months unpaid (on
the branch's lapsing list), so that `./dev up` shows every dues screen with something on it.
Everything goes through the logic layer, as the API would have done it."""

from __future__ import annotations

from collections.abc import Sequence

from zhtj import clock
from zhtj.dal import keys
from zhtj.dal.models import Account, DuesShare, Member, Org
from zhtj.dal.table import Item
from zhtj.domain import dues_rules
from zhtj.domain.workdays import CHINA_TZ
from zhtj.logic import dues_orders, dues_payments
from zhtj.logic.tokens import Principal

# Province keeps 9.5 %, a city 12.5 % and a county 25 % of the whole, the grassroots the rest
# (REFERENCE.md's older rule), as shares of what reaches each level.
SHARES_BY_DEPTH = {0: 950, 1: 1382, 2: 3206}


def _months_back(count: int) -> str:
    return dues_rules.add_months(dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date()), -count)


def _with_join_month(member: Member, months_back: int) -> None:
    member.join_month = _months_back(months_back)
    member.save()


def load(orgs: Sequence[Org], branch_id: str, member_id: str, secretary_account_id: str) -> dict[str, str]:
    """Returns {"dues_paid_member": ..., "dues_open_order": ...} for the demo's logins."""
    dues_orders.seed_standards()
    stamp = clock.now()
    with Item.batch_write() as batch:
        for org in orgs:
            share = SHARES_BY_DEPTH.get(int(org.depth))
            if share is not None:
                batch.save(
                    DuesShare(
                        keys.org_pk(org.org_id),
                        keys.DUES_SHARE_SK,
                        org_id=org.org_id,
                        retention_bp=share,
                        set_by="demo",
                        set_at=stamp,
                    )
                )
    result: dict[str, str] = {}
    members = {m.member_id: m for m in Member.by_gsi1.query(keys.branch_members_pk(branch_id)) if isinstance(m, Member)}
    members.pop(member_id, None)  # the member login: its year of paid months is the card's demo
    # The branch secretary: admitted five months ago, paid up through WeChat Pay.
    secretary = Account.get(keys.account_pk(secretary_account_id), keys.META)
    if secretary.member_id in members:
        _with_join_month(members.pop(secretary.member_id), 5)
        order, _ = dues_orders.pay_now(Principal(secretary.account_id, None), secretary.member_id, "wechatpay")
        dues_payments.settle(order, f"4200DEMO{order.order_id}", clock.now(), "DEMO")
        result["dues_paid_order"] = order.order_id
    others = list(members.values())
    # A member the branch pays for (代缴): three months owed, the order open, the bill locked.
    if others:
        _with_join_month(others[0], 3)
        acting = Principal(secretary.account_id, branch_id)
        open_order, _ = dues_orders.pay_for_members(acting, branch_id, [others[0].member_id], "alipay")
        result["dues_open_order"] = open_order.order_id
    # Another: seven months without paying (listed for the branch, never acted on).
    for other in others[1:2]:
        _with_join_month(other, 7)
    return result
