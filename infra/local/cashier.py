"""The providers' mobile payment, simulated (本地模拟收银台): what the members' app reaches when
it pays on a phone, locally.

- WeChat Pay v3 order creation for JSAPI and H5 (POST /v3/pay/transactions/jsapi | h5): the
  merchant's Authorization checked, the body checked as WeChat does (payer.openid; scene_info
  with payer_client_ip and h5_info), the trade opened, answered signed ({prepay_id} | {h5_url});
  the h5_url leads to the cashier below.
- Alipay's mobile website payment (GET /alipay/gateway.do?…method=alipay.trade.wap.pay): the
  signature checked, the trade opened, the cashier shown.
- The cashier page (GET /simulator/cashier?prepay_id=…&redirect_url=…, and the stand-in for
  WeixinJSBridge GET /simulator/jsapi?package=prepay_id%3D…&return_url=…): Chinese, 360 px
  wide, "确认支付" and "取消". Its form posts to /simulator/cashier/confirm, which pays the trade
  (the server then delivers the signed notification to the trade's notify_url exactly as
  /simulator/pay does) and sends the browser back (303) to the return address.

`handle` answers these requests (None for any other); the simulator's gateway calls it first.
"""

from __future__ import annotations

import html
import json
import random
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from zhtj.integrations.payments import alipay, keys, money, wechat
from zhtj.integrations.payments.checkout import H5_PATH, JSAPI_PATH, WAP_METHOD
from zhtj.integrations.payments.transport import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from infra.local.payments_simulator import Simulator, Trade

CASHIER_PATH = "/simulator/cashier"
JSAPI_STAND_IN_PATH = "/simulator/jsapi"
CONFIRM_PATH = "/simulator/cashier/confirm"
TRADE_TYPES = {JSAPI_PATH: "JSAPI", H5_PATH: "MWEB"}
PROVIDER_NAMES = {"wechatpay": "微信支付", "alipay": "支付宝"}


def handle(simulator: Simulator, request: HttpRequest) -> tuple[HttpResponse, Trade | None] | None:
    """The answer to a mobile order or a cashier request, and the trade the cashier just paid
    (the caller delivers its notification); None for any other request."""
    parts = urlsplit(request.url)
    if request.method == "POST" and parts.path in TRADE_TYPES:
        return _wechat_order(simulator, request, parts.path, f"{parts.scheme}://{parts.netloc}"), None
    if request.method == "GET" and parts.path.endswith("/gateway.do") and parts.query:
        return _alipay_wap(simulator, dict(parse_qsl(parts.query, keep_blank_values=True))), None
    if request.method == "GET" and parts.path in (CASHIER_PATH, JSAPI_STAND_IN_PATH):
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        prepay_id = query.get("prepay_id") or query.get("package", "").removeprefix("prepay_id=")
        out_trade_no = simulator.prepays.get(prepay_id)
        trade = simulator.trades.get(("wechatpay", out_trade_no or ""))
        if trade is None:
            return _page(404, "订单不存在或已失效", "<p>请返回重新下单。</p>"), None
        return _cashier(trade, query.get("redirect_url") or query.get("return_url") or ""), None
    if request.method == "POST" and parts.path == CONFIRM_PATH:
        return _confirm(simulator, dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)))
    return None


# -- WeChat Pay: order creation -------------------------------------------------------------------


def _wechat_order(simulator: Simulator, request: HttpRequest, path: str, base: str) -> HttpResponse:
    headers = {k.lower(): v for k, v in request.headers.items()}
    fields = wechat.parse_authorization(headers.get("authorization", ""))
    message = wechat.request_message(
        "POST", path, fields.get("timestamp", ""), fields.get("nonce_str", ""), request.body
    )
    if (
        fields.get("mchid") != simulator.wechat["mchid"]
        or fields.get("serial_no") != simulator.wechat["merchant_serial"]
        or not keys.verify(simulator.wechat["merchant_public_key"], message, fields.get("signature", ""))
    ):
        return simulator.wechat_answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
    try:
        body: dict[str, Any] = json.loads(request.body)
        missing = _wechat_missing(body, path)
    except (ValueError, AttributeError, TypeError):
        return simulator.wechat_answer(400, {"code": "PARAM_ERROR", "message": "请求体不是 JSON 对象"})
    if missing:
        return simulator.wechat_answer(400, {"code": "PARAM_ERROR", "message": f"缺少参数 {missing}"})
    if body["mchid"] != simulator.wechat["mchid"] or body["appid"] != simulator.wechat["appid"]:
        return simulator.wechat_answer(400, {"code": "PARAM_ERROR", "message": "appid 和 mch_id 不匹配"})
    trade = simulator.open_trade(
        "wechatpay", body["out_trade_no"], body["amount"]["total"], body["notify_url"], body["description"]
    )
    if trade.state != "NOTPAY":
        return simulator.wechat_answer(400, {"code": "ORDERPAID", "message": "该订单已支付"})
    trade.trade_type = TRADE_TYPES[path]
    prepay_id = "wx" + "".join(random.choices("0123456789abcdef", k=32))
    simulator.prepays[prepay_id] = trade.out_trade_no
    if path == JSAPI_PATH:
        return simulator.wechat_answer(200, {"prepay_id": prepay_id})
    return simulator.wechat_answer(200, {"h5_url": f"{base}{CASHIER_PATH}?prepay_id={prepay_id}&package=1037687096"})


def _wechat_missing(body: dict[str, Any], path: str) -> str:
    """The first required field WeChat's documentation names that the body lacks."""
    for name in ("appid", "mchid", "description", "out_trade_no", "notify_url", "amount"):
        if not body.get(name):
            return name
    if type(body["amount"].get("total")) is not int or body["amount"]["total"] <= 0:
        return "amount.total"
    if path == JSAPI_PATH and not (body.get("payer") or {}).get("openid"):
        return "payer.openid"
    if path == H5_PATH:
        scene = body.get("scene_info") or {}
        if not scene.get("payer_client_ip"):
            return "scene_info.payer_client_ip"
        if not (scene.get("h5_info") or {}).get("type"):
            return "scene_info.h5_info.type"
    return ""


# -- Alipay: the mobile website payment --------------------------------------------------------------


def _alipay_wap(simulator: Simulator, params: dict[str, str]) -> HttpResponse:
    if (
        params.get("method") != WAP_METHOD
        or params.get("app_id") != simulator.alipay["app_id"]
        or not keys.verify(
            simulator.alipay["app_public_key"], alipay.request_canonical(params).encode("utf-8"), params.get("sign", "")
        )
    ):
        return _page(400, "支付宝：验签出错", "<p>无效的签名（isv.invalid-signature）。</p>")
    try:
        biz = json.loads(params["biz_content"])
        amount = money.yuan_to_fen(biz["total_amount"])
        trade = simulator.open_trade(
            "alipay", biz["out_trade_no"], amount, params.get("notify_url", ""), biz.get("subject", "团费")
        )
    except (KeyError, ValueError):
        return _page(400, "支付宝：参数错误", "<p>缺少必选参数。</p>")
    trade.trade_type = "QUICK_WAP_WAY"
    return _cashier(trade, params.get("return_url", ""))


# -- The cashier ---------------------------------------------------------------------------------------


def _page(status: int, title: str, content: str) -> HttpResponse:
    document = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ margin: 0; font-family: system-ui, "Noto Sans CJK SC", sans-serif; background: #f5f5f5; color: #1a1a1a; }}
main {{ max-width: 480px; margin: 0 auto; padding: 24px 16px; }}
h1 {{ font-size: 20px; margin: 0 0 16px; }}
.amount {{ font-size: 32px; font-weight: 700; margin: 8px 0 16px; }}
dl {{ background: #fff; border-radius: 8px; padding: 12px 16px; margin: 0 0 24px; }}
dt {{ color: #555; font-size: 14px; }}
dd {{ margin: 0 0 8px; word-break: break-all; }}
button {{ display: block; width: 100%; min-height: 48px; font-size: 17px; border-radius: 8px; margin-bottom: 12px;
  border: 1px solid #1a7f37; }}
button.pay {{ background: #1a7f37; color: #fff; }}
button.cancel {{ background: #fff; color: #1a1a1a; border-color: #767676; }}
button:focus-visible {{ outline: 3px solid #0b57d0; outline-offset: 2px; }}
</style>
</head>
<body><main>{content}</main></body>
</html>
"""
    return HttpResponse(status, {"Content-Type": "text/html; charset=utf-8"}, document.encode("utf-8"))


def _cashier(trade: Trade, return_url: str) -> HttpResponse:
    title = f"{PROVIDER_NAMES[trade.provider]}（本地模拟收银台）"
    hidden = {"provider": trade.provider, "out_trade_no": trade.out_trade_no, "return_url": return_url}
    inputs = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">' for name, value in hidden.items()
    )
    settled = "已支付" if trade.paid_at else "已关闭"
    state = "" if trade.state == "NOTPAY" else f'<p role="status">该订单{settled}。</p>'
    content = f"""<h1>{html.escape(title)}</h1>
<p class="amount" aria-label="金额">¥{money.fen_to_yuan(trade.amount_fen)}</p>
<dl>
<dt>商品</dt><dd>{html.escape(trade.description)}</dd>
<dt>商户订单号</dt><dd>{html.escape(trade.out_trade_no)}</dd>
</dl>
{state}
<form method="post" action="{CONFIRM_PATH}">
{inputs}
<button class="pay" type="submit" name="action" value="pay">确认支付</button>
<button class="cancel" type="submit" name="action" value="cancel">取消</button>
</form>"""
    return _page(200, title, content)


def _back_to(return_url: str) -> str:
    parts = urlsplit(return_url)
    return return_url if parts.scheme in ("http", "https") and parts.netloc else "/"


def _confirm(simulator: Simulator, form: dict[str, str]) -> tuple[HttpResponse, Trade | None]:
    """确认支付: the trade is paid (the caller delivers its notification); 取消: nothing changes
    (the order stays unpaid until it expires or is cancelled). Either way, back to the app."""
    trade = simulator.trades.get((form.get("provider", ""), form.get("out_trade_no", "")))
    if trade is None:
        return _page(404, "订单不存在或已失效", "<p>请返回重新下单。</p>"), None
    paid = None
    if form.get("action") == "pay" and trade.state == "NOTPAY":
        paid = simulator.pay(trade.provider, trade.out_trade_no)
    answer = HttpResponse(303, {"Location": _back_to(form.get("return_url", "")), "Content-Type": "text/plain"})
    return answer, paid
