"""Payment providers (支付渠道): WeChat Pay API v3 and Alipay notification protocols.

What lives here: the interface (base.py), the two protocols (wechat.py, alipay.py), where
keys come from (config.py) and the provider-side simulator (simulator.py). Nothing here
touches the table: the dues ledger (dues/owed*) imports this package, never the reverse.
"""

from zhtj.integrations.payments.base import (
    BadSignature,
    BusinessMismatch,
    MalformedNotification,
    Notification,
    PaymentError,
    Provider,
    Reply,
    StaleNotification,
    UnknownSerial,
    provider,
)

__all__ = [
    "BadSignature",
    "BusinessMismatch",
    "MalformedNotification",
    "Notification",
    "PaymentError",
    "Provider",
    "Reply",
    "StaleNotification",
    "UnknownSerial",
    "provider",
]
