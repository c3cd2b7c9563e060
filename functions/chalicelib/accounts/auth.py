"""Routes of signing up, in and out, and resetting a password (ACCT-1, ACCT-3, ACCT-4), and of
accepting a cadre's invitation (ACCT-5). Public: they make sessions. Thin: parse, call logic, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.accounts.schemas import (
    AccountOut,
    InvitationAccept,
    InvitationAccepted,
    PasswordReset,
    RefreshIn,
    SessionOut,
    SignIn,
    SignUp,
    SmsCodeRequest,
    SmsCodeSent,
)
from chalicelib.http import api, current_request, source_ip
from zhtj.accounts import credentials, invitations, login
from zhtj.accounts.login import SignedIn
from zhtj.core.errors import ValidationError
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "登录"


def session_out(signed_in: SignedIn) -> SessionOut:
    tokens = signed_in.tokens
    return SessionOut(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        account=AccountOut.model_validate(signed_in.account),
    )


def _caller() -> str:
    """The caller's address as API Gateway saw it (SMS limits per caller)."""
    return source_ip(current_request())


@api(
    bp,
    "/auth/sms-codes",
    "POST",
    summary="获取短信验证码",
    body=SmsCodeRequest,
    response=SmsCodeSent,
    status=202,
    public=True,
    tag=TAG,
)
def sms_code(body: SmsCodeRequest) -> BaseModel:
    login.send_code(body.phone, body.purpose, _caller())
    return SmsCodeSent(sent=True, resend_after_seconds=60)


@api(
    bp,
    "/auth/sign-up",
    "POST",
    summary="手机号注册",
    body=SignUp,
    response=SessionOut,
    status=201,
    public=True,
    tag=TAG,
)
def sign_up(body: SignUp) -> BaseModel:
    return session_out(login.sign_up(body.phone, body.code, body.password))


@api(
    bp,
    "/auth/sign-in",
    "POST",
    summary="登录（手机号或身份证号加密码，或手机号加验证码）",
    body=SignIn,
    response=SessionOut,
    public=True,
    tag=TAG,
)
def sign_in(body: SignIn) -> BaseModel:
    if body.code is not None:
        if not body.phone:
            raise ValidationError("PHONE_REQUIRED", "请填写手机号", "phone")
        return session_out(login.sign_in_with_code(body.phone, body.code))
    if not body.login:
        raise ValidationError("LOGIN_REQUIRED", "请填写手机号或身份证号", "login")
    if not body.password:
        raise ValidationError("PASSWORD_REQUIRED", "请填写密码", "password")
    return session_out(login.sign_in_with_password(body.login, body.password))


@api(bp, "/auth/refresh", "POST", summary="续期登录", body=RefreshIn, response=SessionOut, public=True, tag=TAG)
def refresh(body: RefreshIn) -> BaseModel:
    return session_out(login.refresh(body.refresh_token))


@api(bp, "/auth/sign-out", "POST", summary="退出登录", status=204, before_password_change=True, tag=TAG)
def sign_out(principal: Principal) -> None:
    login.sign_out(principal)


@api(
    bp,
    "/auth/password-reset",
    "POST",
    summary="找回密码（短信验证码或团支部发放的重置码）",
    body=PasswordReset,
    status=204,
    public=True,
    tag=TAG,
)
def password_reset(body: PasswordReset) -> None:
    if body.id_number is not None or body.reset_code is not None:
        if not body.id_number:
            raise ValidationError("ID_REQUIRED", "请填写身份证号码", "id_number")
        if not body.reset_code:
            raise ValidationError("RESET_CODE_REQUIRED", "请填写团支部发放的重置码", "reset_code")
        credentials.reset_with_code(body.id_number, body.reset_code, body.new_password)
        return
    if not body.phone:
        raise ValidationError("PHONE_REQUIRED", "请填写手机号", "phone")
    if not body.code:
        raise ValidationError("CODE_REQUIRED", "请填写短信验证码", "code")
    credentials.reset_with_sms(body.phone, body.code, body.new_password)


@api(
    bp,
    "/auth/invitations/{token}/accept",
    "POST",
    summary="接受团干部邀请",
    body=InvitationAccept,
    response=InvitationAccepted,
    public=True,
    signed_in_optional=True,
    tag=TAG,
)
def accept_invitation(token: str, principal: Principal | None, body: InvitationAccept) -> BaseModel:
    invitation, account, opened = invitations.accept(token, principal, body.password)
    return InvitationAccepted(
        org_id=invitation.org_id,
        position=invitation.position,
        account=AccountOut.model_validate(account),
        session=session_out(opened) if opened else None,
    )
