"""Tencent Cloud SMS (sms 2021-01-11, SendSms) through its official SDK
(tencentcloud-sdk-python-sms): one message to one mainland number in E.164 form (+86…), with the
SDK app, the signature and the template its console approved (config.TencentSmsConfig) and the
parameters as a list in the template's order ({1}, {2}, …).

Answers: the number's SendStatus Code "Ok" → its SerialNo; any other (LimitExceeded.*, the
provider's flow control; InvalidParameterValue.IncorrectPhoneNumber; …) or an error answer
(Response.Error) → SmsRefused with the code; no answer (ClientNetworkError: timeout, connection
refused) or the provider's own timeout → TimeoutError. The SDK does not retry.
"""

from __future__ import annotations

from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import SendSmsRequest
from tencentcloud.sms.v20210111.sms_client import SmsClient

from zhtj.integrations.sms.base import SmsRefused, Template, mainland_number, ordered_params
from zhtj.integrations.sms.config import READ_TIMEOUT_SECONDS, TencentSmsConfig

NAME = "tencent"
# No answer: the SDK could not reach the provider, or the provider timed out itself.
NO_ANSWER = ("ClientNetworkError", "InternalError.Timeout", "InternalError.SendAndRecvFail")


class TencentSms:
    """An SmsSender over Tencent Cloud SMS."""

    def __init__(self, config: TencentSmsConfig) -> None:
        self.config = config
        profile = ClientProfile(httpProfile=HttpProfile(endpoint=config.endpoint, reqTimeout=READ_TIMEOUT_SECONDS))
        self._client = SmsClient(Credential(config.secret_id, config.secret_key), config.region, profile)

    def request(self, phone: str, template: Template, params: dict[str, str]) -> SendSmsRequest:
        """The SendSms request: the number in E.164 (+86…), the SDK app, the sign name, the
        template's id and its parameters in order."""
        request = SendSmsRequest()
        request.PhoneNumberSet = ["+86" + mainland_number(phone)]
        request.SmsSdkAppId = self.config.sdk_app_id
        request.SignName = self.config.sign_name
        request.TemplateId = self.config.templates[template]
        request.TemplateParamSet = ordered_params(template, params)
        return request

    def send(self, phone: str, template: Template, params: dict[str, str]) -> str:
        request = self.request(phone, template, params)
        try:
            answer = self._client.SendSms(request)
        except TencentCloudSDKException as error:
            if error.get_code() in NO_ANSWER:
                raise TimeoutError(f"Tencent Cloud SMS did not answer: {error.get_message()}") from error
            raise SmsRefused(f"{error.get_code()}: {error.get_message()}") from error
        statuses = answer.SendStatusSet or []
        if not statuses:
            raise SmsRefused("EMPTY: Tencent Cloud SMS answered without a send status")
        status = statuses[0]
        if status.Code != "Ok":
            raise SmsRefused(f"{status.Code}: {status.Message}")
        return str(status.SerialNo)
