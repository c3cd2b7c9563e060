"""Payment providers (支付渠道): WeChat Pay API v3 and Alipay notification protocols.

What lives here: the interface and its result types (base.py), money in the providers' yuan
(money.py), the two protocols (wechat.py, alipay.py), their crypto (keys.py) and HTTP
(transport.py), and the provider by name, configured from its secret (config.py). The
provider-side simulator lives in infra/local/payments_simulator.py, outside the layer: nothing
here imports it. Nothing here touches the table: the dues capability imports this package,
never the reverse.
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
)
from zhtj.integrations.payments.config import provider

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
