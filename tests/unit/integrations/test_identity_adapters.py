"""REG-5's real-name adapters (issue 14) against their providers' documented answers: the HTTP
request each official SDK makes is intercepted (tests/support/sms.py), never sent. Each is
asserted on its action, endpoint, the facts sent and a signature, and on the mapping of the
answers: consistent, inconsistent, no record, busy (which raises: nothing was decided)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from requests.models import PreparedRequest

from tests.support.sms import Intercepted, intercept_http
from zhtj.core.settings import IDENTITY_PROVIDER_ENV, IDENTITY_SECRET_ENV
from zhtj.integrations.identity import registry
from zhtj.integrations.identity.base import ProviderBusy, ProviderError, Verdict

NAME, ID_NUMBER, PHONE = "李晓明", "11010519491231002X", "+8613800138000"


@pytest.fixture
def http(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Intercepted]:
    client = boto3.client("secretsmanager")
    client.create_secret(Name="identity/tencent", SecretString=json.dumps({"secret_id": "AKIDID", "secret_key": "k"}))
    client.create_secret(
        Name="identity/alibaba", SecretString=json.dumps({"access_key_id": "LTAIID", "access_key_secret": "k"})
    )
    with intercept_http(monkeypatch) as seen:
        yield seen


def _provider(monkeypatch: pytest.MonkeyPatch, name: str) -> Any:
    monkeypatch.setenv(IDENTITY_PROVIDER_ENV, name)
    monkeypatch.setenv(IDENTITY_SECRET_ENV, f"identity/{name}")
    return registry.provider()


def _tencent(result: str) -> Any:
    return lambda request: (200, {"Response": {"Result": result, "Description": "", "Isp": "移动", "RequestId": "R"}})


def _alibaba(biz_code: str, code: str = "200") -> Any:
    body = {"Code": code, "Message": "success", "RequestId": "R", "ResultObject": {"BizCode": biz_code}}
    return lambda request: (200, body)


def test_reg_5_both_real_identity_providers_are_registered() -> None:
    assert set(registry.REAL_PROVIDERS) == {"tencent", "alibaba"}
    assert set(registry.REAL_PROVIDERS) <= set(registry.registered())


def test_reg_5_tencent_phone_verification_request(http: Intercepted, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Tencent Cloud faceid selected, answering "0" (consistent)
    http.answer = _tencent("0")
    # When the three facts are checked
    assert _provider(monkeypatch, "tencent").verify(NAME, ID_NUMBER, PHONE, attempt=1) is True
    # Then one TC3-signed PhoneVerification request went to faceid with the facts (the phone bare)
    request = http.last()
    assert urlsplit(request.url or "").hostname == "faceid.tencentcloudapi.com"
    assert request.headers["X-TC-Action"] == "PhoneVerification" and request.headers["X-TC-Version"] == "2018-03-01"
    assert request.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDID/")
    assert "/faceid/tc3_request" in request.headers["Authorization"]
    body = json.loads(request.body or b"{}")
    assert (body["Name"], body["IdCard"], body["Phone"]) == (NAME, ID_NUMBER, "13800138000")


@pytest.mark.parametrize(
    ("result", "verdict"),
    [("0", Verdict.MATCH), ("-4", Verdict.MISMATCH), ("-9", Verdict.NO_RECORD), ("-7", Verdict.NO_RECORD)],
)
def test_reg_5_tencent_documented_answers(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch, result: str, verdict: Verdict
) -> None:
    # Given faceid answering `result`: consistent, inconsistent, no record, a bad ID number
    http.answer = _tencent(result)
    provider = _provider(monkeypatch, "tencent")
    # Then the verdict is the documented one, and only a match verifies
    assert provider.check(NAME, ID_NUMBER, PHONE) is verdict
    assert provider.verify(NAME, ID_NUMBER, PHONE, attempt=1) is (verdict is Verdict.MATCH)


@pytest.mark.parametrize("result", ["-11", "-12"])
def test_reg_5_tencent_busy_raises_so_nothing_is_decided(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch, result: str
) -> None:
    # Given the verification centre busy, or the day's limit reached (not charged)
    http.answer = _tencent(result)
    # Then the check raises ProviderBusy, a TimeoutError: the caller retries later
    with pytest.raises(ProviderBusy):
        _provider(monkeypatch, "tencent").verify(NAME, ID_NUMBER, PHONE, attempt=1)


def test_reg_5_tencent_errors_and_silence(http: Intercepted, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = _provider(monkeypatch, "tencent")

    def error(code: str) -> Any:
        return lambda request: (200, {"Response": {"Error": {"Code": code, "Message": "m"}, "RequestId": "R"}})

    # A request-rate refusal is busy; a bad credential is a deployment error
    http.answer = error("RequestLimitExceeded")
    with pytest.raises(ProviderBusy):
        provider.check(NAME, ID_NUMBER, PHONE)
    http.answer = error("AuthFailure.SecretIdNotFound")
    with pytest.raises(ProviderError, match="AuthFailure"):
        provider.check(NAME, ID_NUMBER, PHONE)

    # No answer is a TimeoutError
    def silent(request: PreparedRequest) -> tuple[int, Any]:
        raise requests.ReadTimeout("read timed out")

    http.answer = silent
    with pytest.raises(TimeoutError):
        provider.check(NAME, ID_NUMBER, PHONE)


def test_reg_5_tencent_without_a_phone_checks_name_and_id_number(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration without a phone, faceid answering "-1" (inconsistent)
    http.answer = _tencent("-1")
    # Then IdCardVerification is asked, and "-1" is a mismatch
    assert _provider(monkeypatch, "tencent").check(NAME, ID_NUMBER, None) is Verdict.MISMATCH
    assert http.last().headers["X-TC-Action"] == "IdCardVerification"
    assert json.loads(http.last().body or b"{}") == {"Name": NAME, "IdCard": ID_NUMBER}


def test_reg_5_alibaba_mobile_3meta_simple_verify_request(http: Intercepted, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Alibaba Cloud cloudauth selected, answering BizCode 1 (consistent)
    http.answer = _alibaba("1")
    # When the three facts are checked
    assert _provider(monkeypatch, "alibaba").verify(NAME, ID_NUMBER, PHONE, attempt=1) is True
    # Then one ACS3-signed Mobile3MetaSimpleVerify request went to cloudauth, the facts in its form
    request = http.last()
    assert (request.method, urlsplit(request.url or "").hostname) == ("POST", "cloudauth.aliyuncs.com")
    assert request.headers["x-acs-action"] == "Mobile3MetaSimpleVerify"
    assert request.headers["x-acs-version"] == "2019-03-07"
    assert request.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAIID,")
    body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
    form = {key: values[0] for key, values in parse_qs(body).items()}
    assert form == {"ParamType": "normal", "UserName": NAME, "IdentifyNum": ID_NUMBER, "Mobile": "13800138000"}


@pytest.mark.parametrize(
    ("biz_code", "verdict"), [("1", Verdict.MATCH), ("2", Verdict.MISMATCH), ("3", Verdict.NO_RECORD)]
)
def test_reg_5_alibaba_documented_answers(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch, biz_code: str, verdict: Verdict
) -> None:
    # Given cloudauth answering BizCode 1 consistent, 2 inconsistent, 3 no record
    http.answer = _alibaba(biz_code)
    provider = _provider(monkeypatch, "alibaba")
    # Then the verdict is the documented one, and only a match verifies
    assert provider.check(NAME, ID_NUMBER, PHONE) is verdict
    assert provider.verify(NAME, ID_NUMBER, PHONE, attempt=2) is (verdict is Verdict.MATCH)


def test_reg_5_alibaba_busy_bad_input_errors_and_silence(http: Intercepted, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = _provider(monkeypatch, "alibaba")
    # A system error (Code 500) or throttling is busy: nothing decided
    http.answer = _alibaba("", code="500")
    with pytest.raises(ProviderBusy):
        provider.check(NAME, ID_NUMBER, PHONE)
    http.answer = lambda request: (400, {"Code": "Throttling.User", "Message": "too fast", "RequestId": "R"})
    with pytest.raises(ProviderBusy):
        provider.check(NAME, ID_NUMBER, PHONE)
    # An illegal parameter (Code 401) cannot be checked: no record
    http.answer = _alibaba("", code="401")
    assert provider.check(NAME, ID_NUMBER, PHONE) is Verdict.NO_RECORD
    # A missing permission is a deployment error
    http.answer = lambda request: (403, {"Code": "Forbidden.RAM", "Message": "no", "RequestId": "R"})
    with pytest.raises(ProviderError, match=r"Forbidden\.RAM"):
        provider.check(NAME, ID_NUMBER, PHONE)

    # No answer is a TimeoutError
    def silent(request: PreparedRequest) -> tuple[int, Any]:
        raise requests.ConnectTimeout("connect timed out")

    http.answer = silent
    with pytest.raises(TimeoutError):
        provider.check(NAME, ID_NUMBER, PHONE)


def test_reg_5_alibaba_without_a_phone_checks_name_and_id_number(
    http: Intercepted, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no phone, cloudauth answering BizCode 3 (no record)
    http.answer = _alibaba("3")
    # Then Id2MetaVerify is asked
    assert _provider(monkeypatch, "alibaba").check(NAME, ID_NUMBER, None) is Verdict.NO_RECORD
    assert http.last().headers["x-acs-action"] == "Id2MetaVerify"
