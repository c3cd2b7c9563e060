"""Alibaba Cloud SMS (Dysmsapi 2017-05-25, SendSms) through its official SDK
(alibabacloud-dysmsapi20170525): one message to one mainland number, with the signature and the
template its console approved (config.AlibabaSmsConfig) and the parameters as a JSON object.

Answers: Code "OK" → the BizId; any other Code (isv.BUSINESS_LIMIT_CONTROL, the provider's flow
control; isv.MOBILE_NUMBER_ILLEGAL; isv.SMS_TEMPLATE_ILLEGAL; …) or an HTTP 4xx error →
SmsRefused with the code; no answer (connect or read timeout, connection refused) or an HTTP 5xx
→ TimeoutError. The SDK does not retry: the caller decides.
"""

from __future__ import annotations

import json

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.models import Config
from darabonba.exceptions import ResponseException, UnretryableException
from darabonba.runtime import RuntimeOptions

from zhtj.integrations.sms.base import PARAMETERS, SmsRefused, Template, mainland_number, ordered_params
from zhtj.integrations.sms.config import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS, AlibabaSmsConfig

NAME = "alibaba"


class AlibabaSms:
    """An SmsSender over Alibaba Cloud SMS."""

    def __init__(self, config: AlibabaSmsConfig) -> None:
        self.config = config
        self._client = Client(
            Config(
                access_key_id=config.access_key_id,
                access_key_secret=config.access_key_secret,
                endpoint=config.endpoint,
                connect_timeout=CONNECT_TIMEOUT_SECONDS * 1000,
                read_timeout=READ_TIMEOUT_SECONDS * 1000,
            )
        )

    def request(self, phone: str, template: Template, params: dict[str, str]) -> SendSmsRequest:
        """The SendSms request: the number with its country code (86…), the sign name, the
        template's code and its parameters as JSON."""
        values = dict(zip(PARAMETERS[template], ordered_params(template, params), strict=True))
        return SendSmsRequest(
            phone_numbers="86" + mainland_number(phone),
            sign_name=self.config.sign_name,
            template_code=self.config.templates[template],
            template_param=json.dumps(values, ensure_ascii=False),
        )

    def send(self, phone: str, template: Template, params: dict[str, str]) -> str:
        request = self.request(phone, template, params)
        runtime = RuntimeOptions(
            autoretry=False, connect_timeout=CONNECT_TIMEOUT_SECONDS * 1000, read_timeout=READ_TIMEOUT_SECONDS * 1000
        )
        try:
            answer = self._client.send_sms_with_options(request, runtime)
        except UnretryableException as error:  # no answer: the SDK wraps the transport's error
            raise TimeoutError(f"Alibaba Cloud SMS did not answer: {error.inner_exception!r}") from error
        except ResponseException as error:
            if (error.status_code or 0) >= 500:
                raise TimeoutError(f"Alibaba Cloud SMS failed: HTTP {error.status_code} {error.code}") from error
            raise SmsRefused(f"{error.code}: {error.message}") from error
        body = answer.body
        if body is None or body.code != "OK":
            code, message = (body.code, body.message) if body is not None else ("EMPTY", "no body")
            raise SmsRefused(f"{code}: {message}")
        return str(body.biz_id)
