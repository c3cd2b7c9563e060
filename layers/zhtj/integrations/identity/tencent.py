"""Tencent Cloud faceid (2018-03-01) through its official SDK (tencentcloud-sdk-python-faceid):
PhoneVerification checks name + ID number + phone (运营商三要素); a registration without a phone
is checked by IdCardVerification (name + ID number).

PhoneVerification's Result: "0" consistent, "-4" inconsistent (both charged); not charged: "-6"
bad phone, "-7" bad ID number, "-8" bad name, "-9" no record, "-13" number range not supported
(→ NO_RECORD), "-11" the verification centre busy, "-12" the day's limit (→ ProviderBusy).
IdCardVerification's: "0" consistent, "-1" inconsistent; "-2" bad ID number, "-3" bad name, "-5"
no record (→ NO_RECORD); "-4" the authority's service failing, "-6" upgrading, "-7" the day's
limit (→ ProviderBusy). An error answer: RequestLimitExceeded*, InternalError*, ClientNetworkError
(no answer) → ProviderBusy or TimeoutError; any other (AuthFailure*, …) → ProviderError.
"""

from __future__ import annotations

from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.faceid.v20180301.faceid_client import FaceidClient
from tencentcloud.faceid.v20180301.models import IdCardVerificationRequest, PhoneVerificationRequest

from zhtj.integrations.identity.base import ProviderBusy, ProviderError, Verdict
from zhtj.integrations.identity.config import READ_TIMEOUT_SECONDS, TencentIdentityConfig

NAME = "tencent"

PHONE_RESULTS = {"0": Verdict.MATCH, "-4": Verdict.MISMATCH, "-6": Verdict.NO_RECORD, "-7": Verdict.NO_RECORD}
PHONE_RESULTS |= {"-8": Verdict.NO_RECORD, "-9": Verdict.NO_RECORD, "-13": Verdict.NO_RECORD}
ID_CARD_RESULTS = {"0": Verdict.MATCH, "-1": Verdict.MISMATCH, "-2": Verdict.NO_RECORD, "-3": Verdict.NO_RECORD}
ID_CARD_RESULTS |= {"-5": Verdict.NO_RECORD}
BUSY_ERRORS = ("RequestLimitExceeded", "InternalError", "LimitExceeded", "FailedOperation.UnKnown")


def _national(phone: str) -> str:
    digits = phone.replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


class TencentIdentity:
    """An IdentityProvider over Tencent Cloud faceid."""

    def __init__(self, config: TencentIdentityConfig) -> None:
        profile = ClientProfile(httpProfile=HttpProfile(endpoint=config.endpoint, reqTimeout=READ_TIMEOUT_SECONDS))
        self._client = FaceidClient(Credential(config.secret_id, config.secret_key), config.region, profile)

    def check(self, name: str, id_number: str, phone: str | None) -> Verdict:
        try:
            if phone:
                request = PhoneVerificationRequest()
                request.Name, request.IdCard, request.Phone = name, id_number, _national(phone)
                result, table = self._client.PhoneVerification(request).Result, PHONE_RESULTS
            else:
                id_request = IdCardVerificationRequest()
                id_request.Name, id_request.IdCard = name, id_number
                result, table = self._client.IdCardVerification(id_request).Result, ID_CARD_RESULTS
        except TencentCloudSDKException as error:
            code = error.get_code() or ""
            if code == "ClientNetworkError":
                raise TimeoutError(f"Tencent Cloud faceid did not answer: {error.get_message()}") from error
            if code.startswith(BUSY_ERRORS):
                raise ProviderBusy(f"Tencent Cloud faceid is busy: {code}") from error
            raise ProviderError(f"Tencent Cloud faceid refused the request: {code}: {error.get_message()}") from error
        verdict = table.get(str(result))
        if verdict is None:
            raise ProviderBusy(f"Tencent Cloud faceid could not check now (Result {result})")
        return verdict

    def verify(self, name: str, id_number: str, phone: str | None, attempt: int) -> bool:
        return self.check(name, id_number, phone) is Verdict.MATCH
