"""The SMS adapters (issue 14) against their providers' request formats: the HTTP request each
official SDK makes is intercepted (tests/support/sms.py), never sent. Each is asserted on its
action and endpoint, the number's form, the sign name, the template, the parameters and the
presence of a signature; the providers' refusals become SmsRefused and no answer TimeoutError.
The secrets are read from Secrets Manager (moto) once per process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from requests.models import PreparedRequest

from tests.support.sms import Intercepted, intercept_http
from zhtj.core.settings import SMS_PROVIDER_ENV, SMS_SECRET_ENV
from zhtj.integrations import secrets
from zhtj.integrations.sms import registry
from zhtj.integrations.sms.base import SmsRefused, Template

TEMPLATES = {"VERIFICATION_CODE": "SMS_465300001", "CADRE_INVITATION": "SMS_465300002", "NOTICE": "SMS_465300003"}
ALIBABA = {
    "access_key_id": "LTAI5tTEST",
    "access_key_secret": "ali-secret",
    "sign_name": "智慧团建",
    "templates": TEMPLATES,
}
TENCENT = {
    "secret_id": "AKIDTEST",
    "secret_key": "tc-secret",
    "sdk_app_id": "1400787878",
    "sign_name": "智慧团建",
    "templates": {"VERIFICATION_CODE": "1850001", "CADRE_INVITATION": "1850002", "NOTICE": "1850003"},
}


@pytest.fixture
def http(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Intercepted]:
    # Each provider's secret under a name of its own (a deployment has the selected one's only)
    client = boto3.client("secretsmanager")
    client.create_secret(Name="sms/alibaba", SecretString=json.dumps(ALIBABA, ensure_ascii=False))
    client.create_secret(Name="sms/tencent", SecretString=json.dumps(TENCENT, ensure_ascii=False))
    with intercept_http(monkeypatch) as seen:
        yield seen


def _sender(monkeypatch: pytest.MonkeyPatch, name: str) -> Any:
    monkeypatch.setenv(SMS_PROVIDER_ENV, name)
    monkeypatch.setenv(SMS_SECRET_ENV, f"sms/{name}")
    return registry.sender()


def _alibaba_ok(request: PreparedRequest) -> tuple[int, Any]:
    return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}


def _tencent_answer(code: str = "Ok", message: str = "send success") -> Any:
    def answer(request: PreparedRequest) -> tuple[int, Any]:
        status = {"SerialNo": "5000:1045710669157053657849", "PhoneNumber": "+8613800138000", "Fee": 1}
        status |= {"Code": code, "Message": message, "IsoCode": "CN", "SessionContext": ""}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "a0aabda6"}}

    return answer


def test_both_real_senders_are_registered_and_selectable() -> None:
    # Given the layer's real adapters, Then both SMS providers are among them (the template's values)
    assert set(registry.REAL_SENDERS) == {"alibaba", "tencent"}
    assert set(registry.REAL_SENDERS) <= set(registry.registered())


def test_alibaba_sends_sendsms_with_the_number_sign_template_and_parameters(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Alibaba Cloud SMS selected, its secret in Secrets Manager
    http.answer = _alibaba_ok
    sender = _sender(monkeypatch, "alibaba")
    # When a verification code is sent to a number in E.164 form
    message_id = sender.send("+8613800138000", Template.VERIFICATION_CODE, {"code": "402118", "minutes": "5"})
    # Then the SDK made one signed SendSms request to the Dysmsapi endpoint
    assert message_id == "900619746936498440^0"
    request = http.last()
    url = urlsplit(request.url or "")
    assert (request.method, url.scheme, url.hostname) == ("POST", "https", "dysmsapi.aliyuncs.com")
    assert request.headers["x-acs-action"] == "SendSms" and request.headers["x-acs-version"] == "2017-05-25"
    assert request.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI5tTEST,")
    assert "Signature=" in request.headers["Authorization"]
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    # And the number carries the country code (86, no +), the approved sign name and template
    assert query["PhoneNumbers"] == "8613800138000"
    assert query["SignName"] == "智慧团建" and query["TemplateCode"] == "SMS_465300001"
    assert json.loads(query["TemplateParam"]) == {"code": "402118", "minutes": "5"}


def test_alibaba_reads_its_secret_once_per_process(http: Intercepted, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a first message sent (the secret read)
    http.answer = _alibaba_ok
    _sender(monkeypatch, "alibaba").send("13800138000", Template.NOTICE, {"text": "您的报到已审核通过"})
    # When the secret changes in Secrets Manager
    changed = ALIBABA | {"sign_name": "别的签名"}
    boto3.client("secretsmanager").put_secret_value(SecretId="sms/alibaba", SecretString=json.dumps(changed))
    _sender(monkeypatch, "alibaba").send("13800138000", Template.NOTICE, {"text": "提醒"})
    # Then the process keeps what it read first (a container picks a rotation up when recycled)
    assert parse_qs(urlsplit(http.last().url or "").query)["SignName"] == ["智慧团建"]
    secrets.forget()
    _sender(monkeypatch, "alibaba").send("13800138000", Template.NOTICE, {"text": "提醒"})
    assert parse_qs(urlsplit(http.last().url or "").query)["SignName"] == ["别的签名"]


@pytest.mark.parametrize(
    "code",
    ["isv.BUSINESS_LIMIT_CONTROL", "isv.MOBILE_NUMBER_ILLEGAL", "isv.DAY_LIMIT_CONTROL", "isv.SMS_TEMPLATE_ILLEGAL"],
)
def test_alibaba_refusals_and_flow_control_are_sms_refused(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    # Given Alibaba answering with its own refusal code (HTTP 200, Code not OK)
    http.answer = lambda request: (200, {"Code": code, "Message": "触发流控", "RequestId": "R"})
    # When a code is sent, Then it is SmsRefused, naming the provider's code
    with pytest.raises(SmsRefused, match=re.escape(code)):
        _sender(monkeypatch, "alibaba").send("13800138000", Template.VERIFICATION_CODE, {"code": "1", "minutes": "5"})


def test_alibaba_error_answers_are_refused_and_5xx_or_silence_is_a_timeout(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = _sender(monkeypatch, "alibaba")
    params = {"code": "123456", "minutes": "5"}
    # Given a 4xx error answer (a bad key), Then SmsRefused with its code
    http.answer = lambda request: (400, {"Code": "InvalidAccessKeyId.NotFound", "Message": "no", "RequestId": "R"})
    with pytest.raises(SmsRefused, match=r"InvalidAccessKeyId\.NotFound"):
        sender.send("13800138000", Template.VERIFICATION_CODE, params)
    # Given a 5xx, Then TimeoutError (nothing was decided)
    http.answer = lambda request: (503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "R"})
    with pytest.raises(TimeoutError):
        sender.send("13800138000", Template.VERIFICATION_CODE, params)

    # Given no answer at all (a read timeout), Then TimeoutError, after one request (no retry)
    def silent(request: PreparedRequest) -> tuple[int, Any]:
        raise requests.ReadTimeout("read timed out")

    http.answer = silent
    before = len(http.requests)
    with pytest.raises(TimeoutError):
        sender.send("13800138000", Template.VERIFICATION_CODE, params)
    assert len(http.requests) == before + 1


def test_tencent_sends_sendsms_with_e164_number_app_sign_template_and_ordered_parameters(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Tencent Cloud SMS selected, its secret in Secrets Manager
    http.answer = _tencent_answer()
    sender = _sender(monkeypatch, "tencent")
    # When an invitation is sent to a bare 11-digit number
    params = {"link": "https://zhtj.example/i/abc", "org": "华景团支部", "position": "团支部书记"}
    message_id = sender.send("13800138000", Template.CADRE_INVITATION, params)
    # Then the SDK made one TC3-signed SendSms request (2021-01-11) to the SMS endpoint
    assert message_id == "5000:1045710669157053657849"
    request = http.last()
    url = urlsplit(request.url or "")
    assert (request.method, url.scheme, url.hostname) == ("POST", "https", "sms.tencentcloudapi.com")
    assert request.headers["X-TC-Action"] == "SendSms" and request.headers["X-TC-Version"] == "2021-01-11"
    assert request.headers["X-TC-Region"] == "ap-guangzhou"
    assert request.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDTEST/")
    assert "/sms/tc3_request" in request.headers["Authorization"] and "Signature=" in request.headers["Authorization"]
    body = json.loads(request.body or b"{}")
    # And the number is E.164 (+86), the parameters a list in the template's order
    assert body["PhoneNumberSet"] == ["+8613800138000"]
    assert (body["SmsSdkAppId"], body["SignName"], body["TemplateId"]) == ("1400787878", "智慧团建", "1850002")
    assert body["TemplateParamSet"] == ["华景团支部", "团支部书记", "https://zhtj.example/i/abc"]


@pytest.mark.parametrize(
    "code",
    [
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberDailyLimit",
        "FailedOperation.PhoneNumberInBlacklist",
    ],
)
def test_tencent_flow_control_and_refusals_are_sms_refused(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    # Given Tencent answering the number's status with a refusal
    http.answer = _tencent_answer(code, "触发限制")
    # When a code is sent, Then SmsRefused names the provider's code
    with pytest.raises(SmsRefused, match=re.escape(code)):
        _sender(monkeypatch, "tencent").send(
            "+8613800138000", Template.VERIFICATION_CODE, {"code": "1", "minutes": "5"}
        )


def test_tencent_error_answers_are_refused_and_silence_is_a_timeout(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = _sender(monkeypatch, "tencent")
    params = {"code": "123456", "minutes": "5"}
    # Given an error answer (Response.Error), Then SmsRefused with its code
    error = {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}, "RequestId": "R"}}
    http.answer = lambda request: (200, error)
    with pytest.raises(SmsRefused, match=r"AuthFailure\.SignatureFailure"):
        sender.send("13800138000", Template.VERIFICATION_CODE, params)

    # Given no answer (a connect timeout), Then TimeoutError
    def silent(request: PreparedRequest) -> tuple[int, Any]:
        raise requests.ConnectTimeout("connect timed out")

    http.answer = silent
    with pytest.raises(TimeoutError):
        sender.send("13800138000", Template.VERIFICATION_CODE, params)


@pytest.mark.parametrize("name", ["alibaba", "tencent"])
def test_a_number_outside_the_mainland_or_a_missing_parameter_never_reaches_the_provider(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    sender = _sender(monkeypatch, name)
    # When the number is not a mainland mobile, Then SmsRefused without a request
    with pytest.raises(SmsRefused, match="INVALID_PHONE"):
        sender.send("+85291234567", Template.NOTICE, {"text": "x"})
    # When a template's parameter is missing, Then ValueError without a request
    with pytest.raises(ValueError, match="code, minutes"):
        sender.send("13800138000", Template.VERIFICATION_CODE, {"code": "1"})
    assert http.requests == []
