"""Alibaba Cloud cloudauth (2019-03-07) through its official SDK
(alibabacloud-cloudauth20190307): Mobile3MetaSimpleVerify checks name + ID number + phone (手机号
三要素简版); a registration without a phone is checked by Id2MetaVerify (name + ID number).

Both answer Code "200" with ResultObject.BizCode "1" consistent, "2" inconsistent, "3" no record
(→ NO_RECORD). Code "400"/"401" (a parameter empty or illegal) → NO_RECORD (the authority cannot
check such facts); "500", Throttling* or an HTTP 5xx → ProviderBusy; no answer → TimeoutError;
any other code (no permission, service not enabled, arrears) → ProviderError.
"""

from __future__ import annotations

from alibabacloud_cloudauth20190307.client import Client
from alibabacloud_cloudauth20190307.models import Id2MetaVerifyRequest, Mobile3MetaSimpleVerifyRequest
from alibabacloud_tea_openapi.models import Config
from darabonba.exceptions import ResponseException, UnretryableException
from darabonba.runtime import RuntimeOptions

from zhtj.integrations.identity.base import ProviderBusy, ProviderError, Verdict
from zhtj.integrations.identity.config import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS, AlibabaIdentityConfig

NAME = "alibaba"

BIZ_CODES = {"1": Verdict.MATCH, "2": Verdict.MISMATCH, "3": Verdict.NO_RECORD}
BAD_INPUT = ("400", "401")
BUSY = ("500", "Throttling", "ServiceUnavailable")


def _national(phone: str) -> str:
    digits = phone.replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


class AlibabaIdentity:
    """An IdentityProvider over Alibaba Cloud cloudauth."""

    def __init__(self, config: AlibabaIdentityConfig) -> None:
        self._client = Client(
            Config(
                access_key_id=config.access_key_id,
                access_key_secret=config.access_key_secret,
                endpoint=config.endpoint,
                connect_timeout=CONNECT_TIMEOUT_SECONDS * 1000,
                read_timeout=READ_TIMEOUT_SECONDS * 1000,
            )
        )

    def check(self, name: str, id_number: str, phone: str | None) -> Verdict:
        runtime = RuntimeOptions(
            autoretry=False, connect_timeout=CONNECT_TIMEOUT_SECONDS * 1000, read_timeout=READ_TIMEOUT_SECONDS * 1000
        )
        try:
            if phone:
                request = Mobile3MetaSimpleVerifyRequest(
                    param_type="normal", user_name=name, identify_num=id_number, mobile=_national(phone)
                )
                body = self._client.mobile_3meta_simple_verify_with_options(request, runtime).body
            else:
                id_request = Id2MetaVerifyRequest(param_type="normal", user_name=name, identify_num=id_number)
                body = self._client.id_2meta_verify_with_options(id_request, runtime).body
        except UnretryableException as error:
            raise TimeoutError(f"Alibaba Cloud cloudauth did not answer: {error.inner_exception!r}") from error
        except ResponseException as error:
            return _by_code(str(error.code), str(error.message), error.status_code or 0)
        code = str(body.code) if body is not None else ""
        if code != "200":
            return _by_code(code, str(body.message if body is not None else "no body"), 200)
        biz_code = body.result_object.biz_code if body.result_object is not None else None
        verdict = BIZ_CODES.get(str(biz_code))
        if verdict is None:
            raise ProviderBusy(f"Alibaba Cloud cloudauth answered an unknown BizCode {biz_code!r}")
        return verdict

    def verify(self, name: str, id_number: str, phone: str | None, attempt: int) -> bool:
        return self.check(name, id_number, phone) is Verdict.MATCH


def _by_code(code: str, message: str, status: int) -> Verdict:
    if code in BAD_INPUT:
        return Verdict.NO_RECORD
    if status >= 500 or code.startswith(BUSY):
        raise ProviderBusy(f"Alibaba Cloud cloudauth is busy: {code}: {message}")
    raise ProviderError(f"Alibaba Cloud cloudauth refused the request: {code}: {message}")
