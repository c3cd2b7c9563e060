"""Notification verification cost per provider, in-process: p50/p99 of `verify` (WeChat:
signature + window + AES-256-GCM decryption + parse; Alipay: form parse + RSA2 + parse) next to
the floor measured in the same run on the same messages — one bare RSA PKCS#1 v1.5 SHA-256
verification of the signed bytes, and json.loads / parse_qsl of the body.

`signed_notifications` is the reusable half: the dues ledger's "apply" benchmark takes the same
deliveries and receivers and adds its own timing after verify.
"""

from __future__ import annotations

import functools
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)
from infra.local.payments_simulator import Delivery, Simulator, local_material
from zhtj.integrations.payments import alipay, keys, wechat
from zhtj.integrations.payments.base import Provider
from zhtj.integrations.payments.config import alipay_config, wechatpay_config


def signed_notifications(count: int, provider_name: str) -> tuple[Simulator, Provider, list[Delivery]]:
    """`count` genuine notifications for distinct paid orders (amounts 1.00-99.99 yuan), the
    simulator that signed them and a receiver configured with the matching keys."""
    material = local_material()
    simulator = Simulator(material["simulator"])
    receiver: Provider
    if provider_name == "wechatpay":
        receiver = wechat.WeChatPay(wechatpay_config(material["wechatpay"]), simulator.handle)
    else:
        receiver = alipay.Alipay(alipay_config(material["alipay"]), simulator.handle)
    deliveries = []
    for i in range(count):
        trade = simulator.pay(provider_name, f"BENCH{i:010d}", 100 + (i * 37) % 9900)
        deliveries.append(simulator.notification(trade))
    return simulator, receiver, deliveries


def _verify(receiver: Provider, now: datetime, delivery: Delivery) -> object:
    return receiver.verify(delivery.headers, delivery.body, now)


def _percentiles(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_us": round(statistics.median(ordered) / 1000, 1),
        "p99_us": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000, 1),
    }


def _timed(items: list[Any], operation: Callable[[Any], object]) -> dict[str, float]:
    for item in items[:50]:  # warm caches (loaded keys)
        operation(item)
    samples = []
    for item in items:
        started = time.perf_counter_ns()
        operation(item)
        samples.append(time.perf_counter_ns() - started)
    return _percentiles(samples)


def _floor_inputs(provider_name: str, simulator: Simulator, delivery: Delivery) -> tuple[str, bytes, str]:
    """The public key, signed bytes and signature a bare RSA verification needs."""
    if provider_name == "wechatpay":
        h = delivery.headers
        pem = keys.public_key_pem(simulator.wechat["platform"][h["Wechatpay-Serial"]])
        message = wechat.signing_message(h["Wechatpay-Timestamp"], h["Wechatpay-Nonce"], delivery.body)
        return pem, message, h["Wechatpay-Signature"]
    params = dict(parse_qsl(delivery.body.decode("utf-8"), keep_blank_values=True))
    pem = keys.public_key_pem(simulator.alipay["alipay_private_key"])
    return pem, alipay.canonical(params).encode("utf-8"), params["sign"]


def run(count: int = 2000) -> dict[str, Any]:
    figures: dict[str, Any] = {"notifications": count}
    rows = []
    for name in ("wechatpay", "alipay"):
        simulator, receiver, deliveries = signed_notifications(count, name)
        now = datetime.now(UTC)
        verify = _timed(deliveries, functools.partial(_verify, receiver, now))
        floors = [_floor_inputs(name, simulator, d) for d in deliveries]
        rsa = _timed(floors, lambda f: keys.verify(*f))
        parse = _timed(
            deliveries,
            (lambda d: json.loads(d.body)) if name == "wechatpay" else (lambda d: parse_qsl(d.body.decode())),
        )
        figures[name] = {"verify": verify, "bare_rsa_verify": rsa, "parse_body": parse}
        what = "verify+decrypt" if name == "wechatpay" else "verify"
        for quantile in ("p50_us", "p99_us"):
            rows.append(
                [
                    f"{name} {what} per notification, {quantile[:3]}",
                    f"{verify[quantile]} µs",
                    f"bare RSA verify {rsa[quantile]} µs",
                    f"{verify[quantile] / rsa[quantile]:.2f}x (body parse {parse[quantile]} µs)",
                ]
            )
    figures["rows"] = rows
    return figures
