"""Demo data of league dues (团费), loaded after the demo province (infra/local/demo.py):
retention shares down the tree (the older rule's proportions), the branch secretary paid up, a
member with an open order paid for by the branch (a locked bill, payable through the provider
simulator), one with 7 months unpaid (on the branch's lapsing list: written with the members),
so that `./dev up` shows every dues screen with something on it.
Everything goes through the logic layer, as the API would have done it."""

from __future__ import annotations

from collections.abc import Sequence

from zhtj.accounts.models import Account
from zhtj.core import clock
from zhtj.dues import applying as dues_applying
from zhtj.dues import orders as dues_orders
from zhtj.dues import standard as dues_standard
from zhtj.dues.models import DuesShare
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.base import Item

# Province keeps 9.5 %, a city 12.5 % and a county 25 % of the whole, the grassroots the rest
# (REFERENCE.md's older rule), as shares of what reaches each level.
SHARES_BY_DEPTH = {0: 950, 1: 1382, 2: 3206}


def load(
    orgs: Sequence[Org], branch_id: str, secretary_account_id: str, open_order_member: str | None
) -> dict[str, str]:
    """Returns {"dues_paid_order": ..., "dues_open_order": ...} for the demo's logins. The members'
    paid-through months were written with them (demo.DEMO_BRANCH_CAST): the secretary owes five
    months, `open_order_member` three."""
    dues_standard.seed_standards()
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
    # The branch secretary pays the months owed through WeChat Pay.
    secretary = Account.get(keys.account_pk(secretary_account_id), keys.META)
    if secretary.member_id:
        order, _ = dues_orders.pay_now(Principal(secretary.account_id, None), secretary.member_id, "wechatpay")
        dues_applying.settle(order, f"4200DEMO{order.order_id}", clock.now(), "DEMO")
        result["dues_paid_order"] = order.order_id
    # A member the branch pays for (代缴) through Alipay: the order open, the bill locked.
    if open_order_member:
        acting = Principal(secretary.account_id, branch_id)
        open_order, _ = dues_orders.pay_for_members(acting, branch_id, [open_order_member], "alipay")
        result["dues_open_order"] = open_order.order_id
    return result
