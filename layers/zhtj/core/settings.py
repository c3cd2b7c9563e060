"""Runtime settings: the only module that reads environment variables.

Names of the table and queues are fixed by the manifest (chalicefile.json); only what
differs between the cloud and the local stack comes from the environment. `get_settings` is
read once; the accessors below it read at each call (what tests and the local stack change).
"""

from __future__ import annotations

import os
from functools import lru_cache
from urllib.parse import urlsplit

import msgspec

CURSOR_SECRET_ENV = "ZHTJ_CURSOR_SECRET"
DEFAULT_CURSOR_SECRET = "zhtj/cursor-key"


class Settings(msgspec.Struct, frozen=True):
    table_name: str
    region: str
    token_issuer: str
    token_audience: str
    stage: str
    # The Secrets Manager secret page cursors are sealed with (zhtj.table.paging).
    cursor_secret: str


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        table_name=os.environ.get("ZHTJ_TABLE", "zhtj"),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "cn-north-1"),
        # A stage's tokens name it (zhtj-local, zhtj-prod ...): one stage's never pass at another.
        token_issuer=os.environ.get("ZHTJ_TOKEN_ISSUER") or f"zhtj-{os.environ.get('ZHTJ_STAGE', 'local')}",
        token_audience=os.environ.get("ZHTJ_TOKEN_AUDIENCE", "zhtj"),
        stage=os.environ.get("ZHTJ_STAGE", "local"),
        cursor_secret=os.environ.get(CURSOR_SECRET_ENV) or DEFAULT_CURSOR_SECRET,
    )


# --- Read at each call, not cached: tests and the local stack change them within one process ---

PII_KEY_ENV = "ZHTJ_PII_KEY_ID"
BLIND_INDEX_KEY_ENV = "ZHTJ_BLIND_INDEX_KEY_ID"
SIGNING_KEY_ENV = "ZHTJ_SIGNING_KEY_ID"
TOKEN_KEY_ENV = "ZHTJ_TOKEN_KEY_ID"
FAULTS_ENV = "ZHTJ_FAULTS"
FAULTS_SEED_ENV = "ZHTJ_FAULTS_SEED"
RECOMPUTE_DELAY_ENV = "ZHTJ_RECOMPUTE_DELAY_SECONDS"


def bucket_env(role: str) -> str:
    """The environment variable naming a role's bucket (the template sets it)."""
    return f"ZHTJ_{role.upper()}_BUCKET"


def bucket_name(role: str) -> str:
    """The bucket of a role (documents, uploads, ...): the template's, or the local stack's."""
    return os.environ.get(bucket_env(role), f"zhtj-{role}-local")


def state_machine_arn_env(name: str) -> str:
    """The environment variable the cloud template sets to a machine's ARN."""
    return f"ZHTJ_STATE_MACHINE_{name.upper().replace('-', '_')}"


def state_machine_arn(name: str) -> str | None:
    """The ARN of state machine `name` as the cloud template set it (None elsewhere)."""
    return os.environ.get(state_machine_arn_env(name)) or None


def kms_key_id(env_name: str, default: str) -> str:
    """A KMS key id or alias (PII_KEY_ENV, BLIND_INDEX_KEY_ENV, SIGNING_KEY_ENV, TOKEN_KEY_ENV), or its default."""
    return os.environ.get(env_name) or default


def faults_spec() -> str:
    """The fault switch: `<switch or handler>=<share>,...` (empty: no faults)."""
    return os.environ.get(FAULTS_ENV, "")


def faults_seed() -> str | None:
    """The fault switch's random seed, so that a failure repeats."""
    return os.environ.get(FAULTS_SEED_ENV)


def recompute_delay_seconds() -> int:
    """Seconds before deadlines are recomputed after a calendar change."""
    return int(os.environ.get(RECOMPUTE_DELAY_ENV, "90"))


# Dues and payments' settings (read on each call: the local stack sets its public address
# after the process has started).
PAYMENT_SECRET_ENV = {"wechatpay": "ZHTJ_WECHATPAY_SECRET", "alipay": "ZHTJ_ALIPAY_SECRET"}
DEFAULT_PAYMENT_SECRET = {"wechatpay": "zhtj/payments/wechatpay", "alipay": "zhtj/payments/alipay"}
PUBLIC_API_URL_ENV = "ZHTJ_PUBLIC_API_URL"


def payment_secret_name(provider_name: str) -> str:
    """The Secrets Manager secret holding a payment provider's merchant keys and gateway."""
    return os.environ.get(PAYMENT_SECRET_ENV[provider_name]) or DEFAULT_PAYMENT_SECRET[provider_name]


def dues_public_api_url() -> str:
    """The API's public address, where the payment providers send their notifications."""
    return os.environ.get(PUBLIC_API_URL_ENV, "http://localhost:8000")


# The members' app (WEB-1), locally only: the page standing in for WeixinJSBridge (the payment
# simulator's), which the cloud never sets. The origins a payment may send the browser back to
# are app_origins() below.
JSAPI_STAND_IN_ENV = "ZHTJ_PAYMENTS_JSAPI_STAND_IN"


def jsapi_stand_in() -> str | None:
    """The local page standing in for WeixinJSBridge (the payment simulator's), or None."""
    return os.environ.get(JSAPI_STAND_IN_ENV) or None


def lambda_function_name() -> str:
    """The running Lambda function's name (set by AWS; "test-func" elsewhere, as powertools has it)."""
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "test-func")


def tracing_enabled() -> bool:
    """X-Ray tracing, as powertools' Tracer decides it: only inside Lambda (not under SAM's or
    Chalice's local emulation) and unless POWERTOOLS_TRACE_DISABLED is true (the China regions,
    which have no X-Ray integration)."""
    if not os.environ.get("LAMBDA_TASK_ROOT") or os.environ.get("AWS_SAM_LOCAL") or os.environ.get("CHALICE_LOCAL"):
        return False
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower()
    return disabled not in {"true", "1", "y", "yes", "t", "on"}


# Capabilities' settings (registration, imports, cards)
# Read at each call, not cached: the local stack sets them once it knows its address.

IMPORT_CHUNK_ROWS_ENV = "ZHTJ_IMPORT_CHUNK_ROWS"
DEFAULT_IMPORT_CHUNK_ROWS = 200
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def import_chunk_rows() -> int:
    """Rows per import message (zhtj.imports.worker bounds it)."""
    return int(os.environ.get(IMPORT_CHUNK_ROWS_ENV, str(DEFAULT_IMPORT_CHUNK_ROWS)))


def public_api_url() -> str:
    """The API's public address, without a trailing slash: what a card's QR code points to."""
    return os.environ.get(PUBLIC_API_URL_ENV, DEFAULT_PUBLIC_URL).rstrip("/")


APP_ORIGIN_ENV = "ZHTJ_APP_ORIGIN"


def app_origin() -> str:
    """Where the web apps are served (the members' app under /m/, the console under
    /console/), without a trailing slash: a branch's registration QR code points there. By
    default the API's public address: the local stack serves the apps itself, and in the cloud
    the public domain fronts both through the one CloudFront distribution (docs/deploy.md);
    ZHTJ_APP_ORIGIN names another origin if the apps are ever served apart."""
    return (os.environ.get(APP_ORIGIN_ENV) or public_api_url()).rstrip("/")


def app_origins() -> list[str]:
    """scheme://host[:port] of the origins the apps are served from (a payment or WeChat's
    authorization may send the browser back there only): the API's public address, and
    app_origin() when the apps are served apart."""
    found = []
    for url in (public_api_url(), app_origin()):
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in found:
            found.append(origin)
    return found


# Providers' settings (identity, payments). Read on every call, not once: the tests and the local
# stack select a provider, and its timing, per run.
IDENTITY_PROVIDER_ENV = "ZHTJ_IDENTITY_PROVIDER"
RECHECK_DELAY_ENV = "ZHTJ_RECHECK_DELAY_SECONDS"
DEFAULT_RECHECK_DELAY_SECONDS = 12 * 3600
# The cloud pins each payment provider's gateway (template parameters); unset, the gateway comes
# with the provider's secret (the local stack points it at the simulator).
PAYMENT_GATEWAY_ENV = {"wechatpay": "ZHTJ_WECHATPAY_GATEWAY", "alipay": "ZHTJ_ALIPAY_GATEWAY"}


def identity_provider() -> str:
    """The name of the real-name provider (zhtj.integrations.identity.registry); "" when none."""
    return os.environ.get(IDENTITY_PROVIDER_ENV, "").strip()


SMS_PROVIDER_ENV = "ZHTJ_SMS_PROVIDER"


def sms_provider() -> str:
    """The name of the SMS provider (zhtj.integrations.sms.registry); "" when none."""
    return os.environ.get(SMS_PROVIDER_ENV, "").strip()


def recheck_delay_seconds() -> int:
    """REG-5: how long after a failed first check the automatic re-check runs."""
    return int(os.environ.get(RECHECK_DELAY_ENV) or DEFAULT_RECHECK_DELAY_SECONDS)


def payment_gateway(provider: str) -> str | None:
    """The gateway the deployment pins for a payment provider, or None (the secret's then)."""
    return os.environ.get(PAYMENT_GATEWAY_ENV[provider]) or None


# The SMS and real-name providers' secrets (zhtj.integrations.sms.config, identity.config): the
# selected provider's Secrets Manager secret, named by these variables (the template sets them
# on the functions that may read them) or by the defaults. The real-name provider's rate: the
# checks a second that all workers together may ask (REG-5's pacing, zhtj.table.limits).
SMS_SECRET_ENV = "ZHTJ_SMS_SECRET"
IDENTITY_SECRET_ENV = "ZHTJ_IDENTITY_SECRET"
DEFAULT_SMS_SECRET = "zhtj/sms"
DEFAULT_IDENTITY_SECRET = "zhtj/identity"
IDENTITY_RATE_ENV = "ZHTJ_IDENTITY_RATE_PER_SECOND"
DEFAULT_IDENTITY_RATE = 20


def sms_secret_name() -> str:
    """The Secrets Manager secret of the selected SMS provider (its JSON: integrations/sms/config.py)."""
    return os.environ.get(SMS_SECRET_ENV) or DEFAULT_SMS_SECRET


def identity_secret_name() -> str:
    """The Secrets Manager secret of the selected real-name provider (integrations/identity/config.py)."""
    return os.environ.get(IDENTITY_SECRET_ENV) or DEFAULT_IDENTITY_SECRET


def identity_rate_per_second() -> int:
    """REG-5: real-name checks a second, all workers together (the provider's limit; 20 by default)."""
    return max(1, int(os.environ.get(IDENTITY_RATE_ENV) or DEFAULT_IDENTITY_RATE))


# The league's WeChat official account (zhtj.integrations.wechat.registry: WEB-1's JSAPI openid,
# MSG-1's WeChat channel): the adapter by name ("" = none: no web authorization, nothing sent by
# WeChat) and its Secrets Manager secret (JSON: integrations/wechat/config.py).
WECHAT_PROVIDER_ENV = "ZHTJ_WECHAT_PROVIDER"
WECHAT_SECRET_ENV = "ZHTJ_WECHAT_SECRET"
DEFAULT_WECHAT_SECRET = "zhtj/wechat"


def wechat_provider() -> str:
    """The name of the official account's adapter; "" when there is none."""
    return os.environ.get(WECHAT_PROVIDER_ENV, "").strip()


def wechat_secret_name() -> str:
    """The Secrets Manager secret of the official account (appid, AppSecret, template ids)."""
    return os.environ.get(WECHAT_SECRET_ENV) or DEFAULT_WECHAT_SECRET
