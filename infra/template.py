"""The deployable cloud template (AWS SAM, JSON), built from the same sources as the local stack.

`chalice package` turns functions/ into the functions and the REST API; the manifest
(chalicefile.json) and `table_definition()` supply everything else, merged in with
`--merge-template`. The result is then patched where Chalice stops short: SQS partial batch
responses, the layer, the environment, the IAM roles, and the local-only routes.

One template serves both partitions. Amazon Cognito user pools do not exist in the China
regions, so the system signs its members and cadres in itself (issue 14): the API signs its
tokens with a KMS key (ECC_NIST_P256) and verifies them with the public key; API Gateway has no
authorizer (the app refuses a request without a valid token, except the public paths).
Provider secrets (payments, SMS, real-name) are readable only by the functions that call the
provider (see docs/deploy.md).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from chalice.utils import to_cfn_resource_name

from infra.provision import BUCKETS, UPLOADS_LIFECYCLE_RULES, bucket_name
from infra.web_hosting import web_conditions, web_outputs, web_resources
from zhtj.core.gateway_responses import GATEWAY_RESPONSES
from zhtj.core.manifest import Manifest, SqsTrigger, StreamTrigger, load_manifest
from zhtj.core.settings import (
    CURSOR_SECRET_ENV,
    DEFAULT_IDENTITY_SECRET,
    DEFAULT_SMS_SECRET,
    DEFAULT_WECHAT_SECRET,
    IDENTITY_PROVIDER_ENV,
    IDENTITY_SECRET_ENV,
    PAYMENT_GATEWAY_ENV,
    SMS_PROVIDER_ENV,
    SMS_SECRET_ENV,
    WECHAT_PROVIDER_ENV,
    WECHAT_SECRET_ENV,
)
from zhtj.core.settings import DEFAULT_PAYMENT_SECRET as DEFAULT_SECRET
from zhtj.core.settings import PAYMENT_SECRET_ENV as SECRET_ENV
from zhtj.integrations.identity.registry import REAL_PROVIDERS
from zhtj.integrations.payments import alipay, wechat
from zhtj.integrations.sms.registry import REAL_SENDERS
from zhtj.integrations.wechat.registry import REAL_ADAPTERS as REAL_WECHAT_ADAPTERS
from zhtj.table.base import table_definition
from zhtj.table.storage import IMPORT_UPLOADS_PREFIX, bucket_env

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = ROOT / "functions"
LAYER_SOURCE = ROOT / "layers" / "zhtj"
RUNTIME_REQUIREMENTS = ROOT / "requirements" / "runtime.txt"
LOCK = ROOT / "requirements" / "lock.txt"
DEFAULT_OUT = ROOT / "build" / "cloud"

RUNTIME = "python3.11"
CHINA_REGIONS = ("cn-north-1", "cn-northwest-1")
# Routes callable without a token (the API declares them public=True).
PUBLIC_PATHS = frozenset(
    {
        "/openapi.json",
        "/health",
        "/cards/verify",  # CARD-2: anyone checks a printed card
        "/webhooks/wechatpay",  # DUES-3: the providers sign their notifications; no token
        "/webhooks/alipay",
        # ACCT: signing up, in and out, resets, a cadre accepting an invitation (they make sessions).
        "/auth/sms-codes",
        "/auth/sign-up",
        "/auth/sign-in",
        "/auth/refresh",
        "/auth/password-reset",
        "/auth/invitations/{token}/accept",
        # WEB-1: the registration wizard finds a branch before the applicant has a member record
        # (rate-limited per caller address; names and aliases only).
        "/branches/lookup",
        "/branches/{branch_id}/public",
    }
)

# Lambda's entry of every event function (queue, schedule, stream, invoke): `<EVENT_ENTRY>.<name>`
# imports that function's handler alone; chalice package writes `app.<name>`, which imports the
# whole API (docs/architecture.md, "Cold starts"). The API function keeps `app.app`.
EVENT_ENTRY = "chalicelib.entry"


def function_name(handler: str) -> str:
    """The manifest function (or `app`, the API) a template function's handler string names."""
    return handler.rpartition(".")[2]


# Logical ids of the resources this module adds.
TABLE = "Table"
LAYER = "ZhtjLayer"
FUNCTION_ROLE = "FunctionRole"
STATES_ROLE = "StateMachineRole"
PII_KEY = "PiiKey"
BLIND_INDEX_KEY = "BlindIndexKey"
SIGNING_KEY = "CardSigningKey"
TOKEN_KEY = "TokenSigningKey"
CURSOR_SECRET = "CursorKeySecret"
# Conditions.
IN_CHINA = "InChinaRegion"

# Filled in every state machine definition that uses it, without a manifest entry.
PARTITION_PLACEHOLDER = "Partition"
AUDIT_KEY_PATTERN = "AUDIT#*"

# DUES-3: the functions that read the payment providers' keys (verify notifications, create
# and query orders, download bills): the API (webhooks, pay now), the timer worker (an expired
# order asks the provider before closing) and the two dues schedules. Only their role may
# read the providers' secrets, named by the parameters below (one per provider).
PAYMENT_FUNCTIONS = frozenset({"app", "timer_worker", "dues_reconcile", "dues_bill_check"})
PAYMENTS_ROLE = "PaymentsFunctionRole"  # the role of functions that need the payment secrets only
PAYMENT_SECRET_PARAMETERS = {"wechatpay": "WeChatPaySecretName", "alipay": "AlipaySecretName"}
# Each provider's gateway is pinned by a parameter that accepts the provider's own addresses
# only (the secret's "gateway" key, which the local stack points at the simulator, is then
# not used): the payments simulator cannot be configured in the cloud.
PAYMENT_GATEWAY_PARAMETERS = {"wechatpay": "WeChatPayGateway", "alipay": "AlipayGateway"}
PAYMENT_GATEWAYS = {
    "wechatpay": (wechat.GATEWAY, "https://api2.mch.weixin.qq.com"),  # the second: WeChat Pay's backup domain
    "alipay": (alipay.GATEWAY,),
}
# REG-5: the real-name provider, by name (zhtj.integrations.identity.registry). The cloud takes a
# real adapter's name only: the fake lives in infra/local, outside the layer, and no name a
# stand-in would carry is accepted.
IDENTITY_PROVIDER = "IdentityProvider"
STAND_IN_WORDS = ("fake", "simulat", "stub", "mock", "dummy", "local", "test")
IDENTITY_PROVIDER_PATTERN = rf"^(?!.*({'|'.join(STAND_IN_WORDS)}))[a-z][a-z0-9-]{{1,39}}$"
# REG-5: the functions that ask the real-name provider: the registration worker (the first
# check), the timer worker (the automatic re-check) and the import worker (imported rows are
# registrations, checked as they are written). Only they may read its secret.
IDENTITY_FUNCTIONS = frozenset({"registration_worker", "timer_worker", "import_worker"})
IDENTITY_SECRET_PARAMETER = "IdentitySecretName"
# ACCT, MSG: the SMS provider (zhtj.integrations.sms.registry), by name, a real adapter's only
# (the outbox lives in infra/local). The API sends the codes and invitations; the notification
# worker sends the urgent notices (MSG-1). Only they may read its secret.
SMS_PROVIDER = "SmsProvider"
SMS_FUNCTIONS = frozenset({"app", "notification_worker"})
SMS_SECRET_PARAMETER = "SmsSecretName"
# WEB-1, MSG-1: the league's WeChat official account (zhtj.integrations.wechat.registry): the real
# adapter's name, or empty (the default: no official account, so no JSAPI payment inside WeChat
# and no WeChat notifications). The API exchanges web-authorization codes for openids; the
# notification worker sends subscribe notifications. Only they may read its secret (its AppSecret).
WECHAT_PROVIDER = "WechatProvider"
WECHAT_FUNCTIONS = frozenset({"app", "notification_worker"})
WECHAT_SECRET_PARAMETER = "WechatSecretName"
# Sign-in (issue 14): the API signs tokens (kms:Sign) and verifies them with the public key
# (kms:GetPublicKey, fetched once per process); every function that verifies tokens is told the
# key. Only the API receives requests with tokens.
TOKEN_SIGNING_FUNCTIONS = frozenset({"app"})
TOKEN_VERIFYING_FUNCTIONS = frozenset({"app"})
TOKEN_KEY_ENV = "ZHTJ_TOKEN_KEY_ID"
# The API's public base address: the providers' notify_url and the card QR code's link
# (the variable zhtj.core.settings.PUBLIC_API_URL_ENV names; the test holds the two equal).
PUBLIC_API_URL = "PublicApiUrl"
PUBLIC_URL_ENV = "ZHTJ_PUBLIC_API_URL"

Json = dict[str, Any]


# --- small CloudFormation helpers -------------------------------------------------------


def _ref(name: str) -> Json:
    return {"Ref": name}


def _arn(resource: str) -> Json:
    return {"Fn::GetAtt": [resource, "Arn"]}


def _sub(text: str) -> Json:
    return {"Fn::Sub": text}


def _if(condition: str, then: Any, otherwise: Any) -> Json:
    return {"Fn::If": [condition, then, otherwise]}


NO_VALUE = _ref("AWS::NoValue")


def queue_id(queue: str) -> str:
    return f"{to_cfn_resource_name(queue)}Queue"


def dlq_id(queue: str) -> str:
    return f"{to_cfn_resource_name(queue)}DeadLetterQueue"


def failures_id(function: str) -> str:
    """A stream function's failure destination (the DLQ of its event source mapping)."""
    return f"{to_cfn_resource_name(function)}FailuresQueue"


def bucket_id(role: str) -> str:
    return f"{to_cfn_resource_name(role)}Bucket"


def state_machine_id(name: str) -> str:
    return f"{to_cfn_resource_name(name)}StateMachine"


def function_id(name: str) -> str:
    """The logical id Chalice gives the function registered as `name`."""
    return to_cfn_resource_name(name)


def _state_machine_arn(manifest: Manifest, name: str) -> Json:
    # Built from the name rather than Ref'd: a machine may invoke a function, so a Ref from the
    # functions' role or environment back to the machine would be a dependency cycle.
    return _sub(
        f"arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:stateMachine:{manifest.app}-{name}"
    )


def _execution_arns(manifest: Manifest, name: str) -> Json:
    return _sub(
        f"arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:execution:{manifest.app}-{name}:*"
    )


def _table_arns() -> list[Json]:
    return [_arn(TABLE), _sub(f"${{{TABLE}.Arn}}/index/*")]


def _audit_deny() -> Json:
    """AUDIT-1: audit records are append-only. IAM cannot tell an overwriting PutItem from a
    new one, so that half is the conditional put in the data layer; this forbids the rest."""
    return {
        "Sid": "Audit1AppendOnly",
        "Effect": "Deny",
        "Action": ["dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        "Resource": _arn(TABLE),
        "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [AUDIT_KEY_PATTERN]}},
    }


# --- the resources the manifest declares -----------------------------------------------


def _table() -> Json:
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": table_definition(),
    }


def _queues(manifest: Manifest) -> Json:
    resources: Json = {}
    for name, queue in manifest.queues.items():
        resources[dlq_id(name)] = {
            "Type": "AWS::SQS::Queue",
            # Named queues: a retained one would block the next stack that creates the name.
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "QueueName": manifest.dlq_name(name),
                "MessageRetentionPeriod": 14 * 86400,
                "SqsManagedSseEnabled": True,
            },
        }
        resources[queue_id(name)] = {
            "Type": "AWS::SQS::Queue",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "QueueName": manifest.queue_name(name),
                "VisibilityTimeout": queue.visibility_timeout_seconds,
                "MessageRetentionPeriod": queue.retention_days * 86400,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": _arn(dlq_id(name)),
                    "maxReceiveCount": queue.max_receive_count,
                },
            },
        }
    for name in manifest.stream_functions():
        resources[failures_id(name)] = {
            "Type": "AWS::SQS::Queue",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "QueueName": manifest.stream_failures_name(name),
                "MessageRetentionPeriod": 14 * 86400,
                "SqsManagedSseEnabled": True,
            },
        }
    return resources


def _buckets() -> Json:
    resources: Json = {}
    for role in BUCKETS:
        logical = bucket_id(role)
        resources[logical] = {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                # Bucket names are unique per partition: the account and region make them so.
                "BucketName": _sub(bucket_name(role, "${AWS::AccountId}-${AWS::Region}")),
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "abort-incomplete-uploads",
                            "Status": "Enabled",
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        }
                    ]
                },
            },
        }
        resources[f"{logical}Policy"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": _ref(logical),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [_arn(logical), _sub(f"${{{logical}.Arn}}/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        }
    # CARD: a member's earlier cards go 90 days after a newer one replaced them (verification
    # needs only the table; the current card is never a noncurrent version).
    resources[bucket_id("cards")]["Properties"]["LifecycleConfiguration"]["Rules"].append(
        {"Id": "expire-replaced-cards", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 90}}
    )
    # IMPORT: spreadsheets of ID numbers, encrypted with the PII key (S3 Bucket Keys spare a KMS
    # call per object); whatever an import leaves under `imports/` goes within a day.
    uploads = resources[bucket_id("uploads")]["Properties"]
    # WEB-1, WEB-2: the apps PUT files (imports, photos, attachments) straight to presigned
    # addresses of this bucket, from the apps' own origin (the public domain): a cross-origin
    # request the browser sends only if the bucket allows that origin.
    uploads["CorsConfiguration"] = {
        "CorsRules": [
            {
                "Id": "apps-upload",
                "AllowedMethods": ["PUT"],
                "AllowedOrigins": [_ref(PUBLIC_API_URL)],
                "AllowedHeaders": ["content-type", "x-amz-*"],
                "MaxAge": 3600,
            }
        ]
    }
    uploads["BucketEncryption"]["ServerSideEncryptionConfiguration"] = [
        {
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": _arn(PII_KEY)},
            "BucketKeyEnabled": True,
        }
    ]
    uploads["LifecycleConfiguration"]["Rules"] += [_cfn_lifecycle_rule(rule) for rule in UPLOADS_LIFECYCLE_RULES]
    return resources


def _cfn_lifecycle_rule(rule: dict[str, Any]) -> Json:
    """infra/provision.py's lifecycle rule (the S3 API's words) in CloudFormation's words."""
    expiration = rule["Expiration"]
    cfn: Json = {"Id": rule["ID"], "Status": rule["Status"], "Prefix": rule["Filter"]["Prefix"]}
    if "Days" in expiration:
        cfn["ExpirationInDays"] = expiration["Days"]
    if expiration.get("ExpiredObjectDeleteMarker"):
        cfn["ExpiredObjectDeleteMarker"] = True
    if "NoncurrentVersionExpiration" in rule:
        cfn["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["NoncurrentVersionExpiration"]["NoncurrentDays"]}
    return cfn


def _key_policy() -> Json:
    # The account administers the key; who may use it is then up to IAM policies.
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def _keys(manifest: Manifest) -> Json:
    # Keys are retained: deleting one makes everything it protects unreadable.
    return {
        PII_KEY: {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "Envelope encryption of ID numbers (data keys for the PII fields)",
                "KeySpec": "SYMMETRIC_DEFAULT",
                "KeyUsage": "ENCRYPT_DECRYPT",
                "EnableKeyRotation": True,
                "PendingWindowInDays": 30,
                "KeyPolicy": _key_policy(),
            },
        },
        f"{PII_KEY}Alias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": f"alias/{manifest.app}-pii", "TargetKeyId": _ref(PII_KEY)},
        },
        # HMAC keys are not rotated by KMS, and a new one would mean recomputing every index.
        BLIND_INDEX_KEY: {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "Blind index of ID numbers (HMAC-SHA-256): look-up without decryption (REG-4)",
                "KeySpec": "HMAC_256",
                "KeyUsage": "GENERATE_VERIFY_MAC",
                "PendingWindowInDays": 30,
                "KeyPolicy": _key_policy(),
            },
        },
        f"{BLIND_INDEX_KEY}Alias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {
                "AliasName": f"alias/{manifest.app}-blind-index",
                "TargetKeyId": _ref(BLIND_INDEX_KEY),
            },
        },
        SIGNING_KEY: {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "Signs membership cards (ECDSA P-256)",
                "KeySpec": "ECC_NIST_P256",
                "KeyUsage": "SIGN_VERIFY",
                "PendingWindowInDays": 30,
                "KeyPolicy": _key_policy(),
            },
        },
        f"{SIGNING_KEY}Alias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": f"alias/{manifest.app}-card-signing", "TargetKeyId": _ref(SIGNING_KEY)},
        },
        # Sign-in: the access tokens' signature (ES256). The private key never leaves KMS; the
        # verifiers fetch the public key once per process. Asymmetric keys are not rotated by
        # KMS: rotating means a new key, with the old one's public key kept for the tokens' life.
        TOKEN_KEY: {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "Signs the sign-in tokens (ECDSA P-256, ES256)",
                "KeySpec": "ECC_NIST_P256",
                "KeyUsage": "SIGN_VERIFY",
                "PendingWindowInDays": 30,
                "KeyPolicy": _key_policy(),
            },
        },
        f"{TOKEN_KEY}Alias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": f"alias/{manifest.app}-token-signing", "TargetKeyId": _ref(TOKEN_KEY)},
        },
        # Page cursors are sealed with a key derived from this (zhtj.table.paging). Generated here,
        # never typed; replacing it only makes the cursors in flight start again from page one.
        CURSOR_SECRET: {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Description": "zhtj: seals page cursors (AES-SIV key derived by HKDF-SHA256)",
                "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
            },
        },
    }


def _layer(manifest: Manifest) -> Json:
    return {
        LAYER: {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "LayerName": manifest.app,
                "Description": "The zhtj package and its third-party dependencies",
                "ContentUri": "./layer",
                "CompatibleRuntimes": [RUNTIME],
            },
        }
    }


def _state_machines(manifest: Manifest) -> Json:
    if not manifest.state_machines:
        return {}
    resources: Json = {}
    statements: list[Json] = []
    for name, machine in manifest.state_machines.items():
        text = (ROOT / machine.definition).read_text(encoding="utf-8")
        placeholders = set(re.findall(r"\$\{(\w+)\}", text))
        if missing := placeholders - set(machine.substitutions) - {PARTITION_PLACEHOLDER}:
            raise ValueError(f"state machine {name}: no substitution for {sorted(missing)}")
        substitutions: Json = {}
        if PARTITION_PLACEHOLDER in placeholders and PARTITION_PLACEHOLDER not in machine.substitutions:
            # Service integrations are ARNs ("arn:${Partition}:states:::sqs:sendMessage"):
            # written with the placeholder, one ASL file serves both partitions.
            substitutions[PARTITION_PLACEHOLDER] = _ref("AWS::Partition")
        for placeholder, target in machine.substitutions.items():
            kind, _, target_name = target.partition(":")
            if kind == "queue" and target_name in manifest.queues:
                substitutions[placeholder] = _ref(queue_id(target_name))
                statements.append(
                    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": _arn(queue_id(target_name))}
                )
            elif kind == "table" and not target_name:
                substitutions[placeholder] = _ref(TABLE)
                statements.append(
                    {
                        "Effect": "Allow",
                        "Action": [
                            "dynamodb:GetItem",
                            "dynamodb:PutItem",
                            "dynamodb:UpdateItem",
                            "dynamodb:DeleteItem",
                            "dynamodb:Query",
                        ],
                        "Resource": _table_arns(),
                    }
                )
                statements.append(_audit_deny())
            elif kind == "function" and target_name in manifest.functions:
                substitutions[placeholder] = _arn(function_id(target_name))
                statements.append(
                    {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": _arn(function_id(target_name))}
                )
            else:
                raise ValueError(f"state machine {name}: cannot resolve {placeholder} -> {target}")
        properties: Json = {
            "StateMachineName": f"{manifest.app}-{name}",
            "StateMachineType": machine.type,
            "RoleArn": _arn(STATES_ROLE),
            "DefinitionString": text,
        }
        if substitutions:
            properties["DefinitionSubstitutions"] = substitutions
        resources[state_machine_id(name)] = {"Type": "AWS::StepFunctions::StateMachine", "Properties": properties}
    role: Json = {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    }
    unique = [json.loads(s) for s in dict.fromkeys(json.dumps(s, sort_keys=True) for s in statements)]
    if unique:
        role["Policies"] = [
            {"PolicyName": "state-machines", "PolicyDocument": {"Version": "2012-10-17", "Statement": unique}}
        ]
    resources[STATES_ROLE] = {"Type": "AWS::IAM::Role", "Properties": role}
    return resources


def _function_role(manifest: Manifest) -> Json:
    """One role for every function: least privilege on this system's own resources."""
    queues = [_arn(queue_id(q)) for q in manifest.queues]
    consumed = sorted({t.queue for _, t in manifest.sqs_functions().values()})
    statements: list[Json] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": _sub(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${AWS::StackName}-*"
            ),
        },
        {
            "Sid": "Table",
            "Effect": "Allow",
            # Transactions are authorized per action (there is no TransactWriteItems action).
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DescribeTable",
            ],
            "Resource": _table_arns(),
        },
        _audit_deny(),
        {
            "Sid": "SendToQueues",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
            "Resource": queues,
        },
        {
            "Sid": "Objects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": [_sub(f"${{{bucket_id(role)}.Arn}}/*") for role in BUCKETS],
        },
        {
            "Sid": "ListBuckets",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [_arn(bucket_id(role)) for role in BUCKETS],
        },
        {
            "Sid": "CursorKey",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": _ref(CURSOR_SECRET),
        },
        {
            "Sid": "PiiEnvelope",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": _arn(PII_KEY),
        },
        {
            "Sid": "BlindIndex",
            "Effect": "Allow",
            "Action": ["kms:GenerateMac"],
            "Resource": _arn(BLIND_INDEX_KEY),
            "Condition": {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_256"}},
        },
        {
            # IMPORT: a settled import's upload is removed for good, every version of it.
            "Sid": "ImportUploadVersions",
            "Effect": "Allow",
            "Action": ["s3:ListBucketVersions"],
            "Resource": _arn(bucket_id("uploads")),
        },
        {
            "Sid": "ImportUploadDelete",
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            "Resource": _sub(f"${{{bucket_id('uploads')}.Arn}}/{IMPORT_UPLOADS_PREFIX}*"),
        },
        {
            # CARD: a download link names one version; a render that lost to a newer one is removed.
            "Sid": "CardVersions",
            "Effect": "Allow",
            "Action": ["s3:GetObjectVersion", "s3:DeleteObjectVersion"],
            "Resource": _sub(f"${{{bucket_id('cards')}.Arn}}/cards/*"),
        },
        {
            "Sid": "CardSigning",
            "Effect": "Allow",
            "Action": ["kms:Sign", "kms:Verify", "kms:GetPublicKey"],
            "Resource": _arn(SIGNING_KEY),
        },
    ]
    if consumed:
        statements.append(
            {
                "Sid": "ConsumeQueues",
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
                "Resource": [_arn(queue_id(q)) for q in consumed],
            }
        )
    if streams := manifest.stream_functions():
        statements.append(
            {
                "Sid": "ReadTableStream",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                "Resource": _sub(f"${{{TABLE}.StreamArn}}"),
            }
        )
        statements.append(
            {
                "Sid": "StreamFailureDestinations",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [_arn(failures_id(n)) for n in streams],
            }
        )
    if manifest.state_machines:
        statements.append(
            {
                "Sid": "StartStateMachines",
                "Effect": "Allow",
                "Action": ["states:StartExecution"],
                "Resource": [_state_machine_arn(manifest, n) for n in manifest.state_machines],
            }
        )
        statements.append(
            {
                "Sid": "ReadExecutions",
                "Effect": "Allow",
                "Action": ["states:DescribeExecution"],
                "Resource": [_execution_arns(manifest, n) for n in manifest.state_machines],
            }
        )
    return {
        FUNCTION_ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": f"{manifest.app}-functions",
                        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                    }
                ],
            },
        }
    }


def _secret_arn(parameter: str) -> Json:
    """Exactly the secret a parameter names (Secrets Manager appends six random characters)."""
    return _sub(
        f"arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:${{{parameter}}}-??????"
    )


def payment_secret_arns() -> list[Json]:
    """Exactly the payment providers' secrets."""
    return [_secret_arn(p) for p in PAYMENT_SECRET_PARAMETERS.values()]


# What a function may do beyond every function's role, by grant: each grant's statements, and
# which functions hold it.
GRANTS: dict[str, frozenset[str]] = {
    "payments": PAYMENT_FUNCTIONS,
    "identity": IDENTITY_FUNCTIONS,
    "sms": SMS_FUNCTIONS,
    "wechat": WECHAT_FUNCTIONS,
    "token-signing": TOKEN_SIGNING_FUNCTIONS,
    "token-verifying": TOKEN_VERIFYING_FUNCTIONS,
}


def grant_statements(grant: str) -> list[Json]:
    if grant == "payments":
        return [
            {
                "Sid": "PaymentSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": payment_secret_arns(),
            }
        ]
    if grant == "identity":
        return [
            {
                "Sid": "IdentitySecret",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": _secret_arn(IDENTITY_SECRET_PARAMETER),
            }
        ]
    if grant == "sms":
        return [
            {
                "Sid": "SmsSecret",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": _secret_arn(SMS_SECRET_PARAMETER),
            }
        ]
    if grant == "wechat":
        return [
            {
                "Sid": "WechatSecret",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": _secret_arn(WECHAT_SECRET_PARAMETER),
            }
        ]
    if grant == "token-signing":
        return [
            {
                "Sid": "TokenSigning",
                "Effect": "Allow",
                "Action": ["kms:Sign"],
                "Resource": _arn(TOKEN_KEY),
                "Condition": {"StringEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256"}},
            }
        ]
    if grant == "token-verifying":
        return [
            {"Sid": "TokenPublicKey", "Effect": "Allow", "Action": ["kms:GetPublicKey"], "Resource": _arn(TOKEN_KEY)}
        ]
    raise ValueError(f"unknown grant {grant!r}")


def grants_of(function: str) -> tuple[str, ...]:
    """The grants a function holds, in GRANTS' order."""
    return tuple(grant for grant, functions in GRANTS.items() if function in functions)


def role_id(grants: tuple[str, ...]) -> str:
    """The logical id of the role holding exactly `grants` (FUNCTION_ROLE for none)."""
    return "".join(to_cfn_resource_name(g.replace("-", "_")) for g in grants) + FUNCTION_ROLE


def _grant_roles(manifest: Manifest) -> Json:
    """The functions' role plus each function's grants: one role per distinct set held."""
    resources: Json = {}
    for grants in sorted({grants_of(f) for g in GRANTS.values() for f in g}):
        role = copy.deepcopy(_function_role(manifest)[FUNCTION_ROLE])
        (policy,) = role["Properties"]["Policies"]
        policy["PolicyName"] = f"{manifest.app}-functions-{'-'.join(grants)}"
        for grant in grants:
            policy["PolicyDocument"]["Statement"].extend(grant_statements(grant))
        resources[role_id(grants)] = role
    return resources


def payment_environment() -> Json:
    """What PAYMENT_FUNCTIONS are told: the name of each provider's secret, and its gateway."""
    secrets = {SECRET_ENV[provider]: _ref(parameter) for provider, parameter in PAYMENT_SECRET_PARAMETERS.items()}
    gateways = {PAYMENT_GATEWAY_ENV[p]: _ref(parameter) for p, parameter in PAYMENT_GATEWAY_PARAMETERS.items()}
    return secrets | gateways


def grant_environment(grant: str) -> Json:
    """What a function holding `grant` is told (the secret or key it may use)."""
    if grant == "payments":
        return payment_environment()
    if grant == "identity":
        return {IDENTITY_SECRET_ENV: _ref(IDENTITY_SECRET_PARAMETER)}
    if grant == "sms":
        return {SMS_SECRET_ENV: _ref(SMS_SECRET_PARAMETER)}
    if grant == "wechat":
        return {WECHAT_SECRET_ENV: _ref(WECHAT_SECRET_PARAMETER)}
    if grant == "token-verifying":
        return {TOKEN_KEY_ENV: _arn(TOKEN_KEY)}
    return {}


def _sms_parameter() -> Json:
    """ACCT, MSG: no default, so a deployment names its SMS provider; a real adapter's name only."""
    return {
        "Type": "String",
        "AllowedValues": sorted(REAL_SENDERS),
        "Description": "The SMS provider, by the name of its adapter in layers/zhtj/integrations/sms "
        "(required; the local outbox cannot be selected).",
    }


def _identity_parameter() -> Json:
    """REG-5: no default, so a deployment must name its provider; a real adapter's name only."""
    parameter: Json = {
        "Type": "String",
        "Description": "REG-5: the real-name (实名核验) provider, by the name of its adapter in "
        "layers/zhtj/integrations/identity (required; no fake or simulator can be selected).",
    }
    if REAL_PROVIDERS:
        parameter["AllowedValues"] = sorted(REAL_PROVIDERS)
    else:  # no real adapter yet: any name but a stand-in's (an unknown one is refused at run time)
        parameter["AllowedPattern"] = IDENTITY_PROVIDER_PATTERN
        parameter["ConstraintDescription"] = "the name of a real identity provider adapter (never a fake's)"
    return parameter


def _parameters() -> Json:
    payments: Json = {
        parameter: {
            "Type": "String",
            "Default": DEFAULT_SECRET[provider],
            "Description": f"DUES-3: name of the Secrets Manager secret holding the {provider} merchant keys "
            "(format in layers/zhtj/integrations/payments/config.py; default aws/secretsmanager encryption key).",
        }
        for provider, parameter in PAYMENT_SECRET_PARAMETERS.items()
    }
    gateways: Json = {
        parameter: {
            "Type": "String",
            "Default": PAYMENT_GATEWAYS[provider][0],
            "AllowedValues": list(PAYMENT_GATEWAYS[provider]),
            "Description": f"DUES-3: the {provider} gateway the functions call (the provider's own addresses only).",
        }
        for provider, parameter in PAYMENT_GATEWAY_PARAMETERS.items()
    }
    return {
        **payments,
        **gateways,
        IDENTITY_PROVIDER: _identity_parameter(),
        PUBLIC_API_URL: {
            "Type": "String",
            "AllowedPattern": r"^https://[^/\s]+(/\S*[^/\s])?$",
            "ConstraintDescription": "an https:// address without a trailing slash",
            "Description": "The API's public base address (custom domain; ICP-filed in the China regions): "
            "the payment providers' notify_url and the member card QR code's link.",
        },
        IDENTITY_SECRET_PARAMETER: {
            "Type": "String",
            "Default": DEFAULT_IDENTITY_SECRET,
            "Description": "REG-5: name of the Secrets Manager secret holding the real-name provider's "
            "credentials (format in layers/zhtj/integrations/identity/config.py).",
        },
        SMS_PROVIDER: _sms_parameter(),
        SMS_SECRET_PARAMETER: {
            "Type": "String",
            "Default": DEFAULT_SMS_SECRET,
            "Description": "Name of the Secrets Manager secret holding the SMS provider's credentials, "
            "sign name and template ids (format in layers/zhtj/integrations/sms/config.py).",
        },
        WECHAT_PROVIDER: {
            "Type": "String",
            "Default": "",
            "AllowedValues": ["", *sorted(REAL_WECHAT_ADAPTERS)],
            "Description": "WEB-1, MSG-1: the WeChat official account (web authorization for JSAPI "
            "payments and subscribe notifications), by the name of the adapter in "
            "layers/zhtj/integrations/wechat (empty: none).",
        },
        WECHAT_SECRET_PARAMETER: {
            "Type": "String",
            "Default": DEFAULT_WECHAT_SECRET,
            "Description": "WEB-1, MSG-1: name of the Secrets Manager secret holding the WeChat official "
            "account's appid, AppSecret and template ids (format in layers/zhtj/integrations/wechat/config.py).",
        },
    }


def _conditions() -> Json:
    # On the region rather than AWS::Partition: cfn-lint resolves region conditions when it
    # checks that a resource type exists in the region it lints for.
    return {
        IN_CHINA: {"Fn::Or": [{"Fn::Equals": [_ref("AWS::Region"), r]} for r in CHINA_REGIONS]},
        **web_conditions(IN_CHINA),
    }


def _outputs(manifest: Manifest) -> Json:
    outputs: Json = {
        "TableName": {"Value": _ref(TABLE)},
        "LayerVersionArn": {"Value": _ref(LAYER)},
        "PiiKeyId": {"Value": _ref(PII_KEY)},
        "CardSigningKeyId": {"Value": _ref(SIGNING_KEY)},
        "TokenSigningKeyId": {"Value": _ref(TOKEN_KEY)},
        **web_outputs(),
    }
    for role in BUCKETS:
        outputs[f"{bucket_id(role)}Name"] = {"Value": _ref(bucket_id(role))}
    for name in manifest.queues:
        outputs[f"{queue_id(name)}Url"] = {"Value": _ref(queue_id(name))}
        outputs[f"{dlq_id(name)}Url"] = {"Value": _ref(dlq_id(name))}
    return outputs


def manifest_resources(manifest: Manifest) -> Json:
    """The template Chalice merges into its own: every resource the manifest declares."""
    resources: Json = {TABLE: _table()}
    for part in (
        _queues(manifest),
        _buckets(),
        _keys(manifest),
        _layer(manifest),
        _state_machines(manifest),
        _function_role(manifest),
        _grant_roles(manifest),
        web_resources(IN_CHINA),
    ):
        resources.update(part)
    return {
        "Description": f"{manifest.app} (智慧团建): functions, API, table, queues, keys, buckets",
        "Parameters": _parameters(),
        "Conditions": _conditions(),
        "Resources": resources,
        "Outputs": _outputs(manifest),
    }


# --- patches to what Chalice generated -------------------------------------------------


def function_environment(manifest: Manifest) -> Json:
    """What every function is told about its resources (secrets and the token key: only the
    functions holding the grant, `grant_environment`)."""
    env: Json = {
        "ZHTJ_TABLE": _ref(TABLE),
        "ZHTJ_PII_KEY_ID": _arn(PII_KEY),
        "ZHTJ_BLIND_INDEX_KEY_ID": _arn(BLIND_INDEX_KEY),
        "ZHTJ_SIGNING_KEY_ID": _ref(SIGNING_KEY),
        CURSOR_SECRET_ENV: _ref(CURSOR_SECRET),
        # Lambda has no X-Ray integration in the China regions.
        "POWERTOOLS_TRACE_DISABLED": _if(IN_CHINA, "true", "false"),
        PUBLIC_URL_ENV: _ref(PUBLIC_API_URL),
        IDENTITY_PROVIDER_ENV: _ref(IDENTITY_PROVIDER),
        SMS_PROVIDER_ENV: _ref(SMS_PROVIDER),
        WECHAT_PROVIDER_ENV: _ref(WECHAT_PROVIDER),
    }
    for role in BUCKETS:
        env[bucket_env(role)] = _ref(bucket_id(role))
    for name in manifest.state_machines:
        env[f"ZHTJ_STATE_MACHINE_{name.upper().replace('-', '_')}"] = _state_machine_arn(manifest, name)
    return env


def _manifest_queue_for(manifest: Manifest, queue_arn: Any) -> str:
    """The manifest queue behind the ARN Chalice wrote for an SQS event source."""
    text = queue_arn.get("Fn::Sub") if isinstance(queue_arn, dict) else queue_arn
    deployed = str(text).rsplit(":", 1)[-1]
    for name in manifest.queues:
        if manifest.queue_name(name) == deployed:
            return name
    raise ValueError(f"SQS event source on {queue_arn!r} is not a manifest queue")


def _patch_function(resource: Json, manifest: Manifest, env: Json) -> None:
    properties = resource["Properties"]
    properties["Role"] = _arn(FUNCTION_ROLE)
    properties["Layers"] = [_ref(LAYER)]
    properties.setdefault("Environment", {}).setdefault("Variables", {}).update(env)
    name = function_name(str(properties.get("Handler", "")))
    if name in manifest.functions:
        properties["Handler"] = f"{EVENT_ENTRY}.{name}"
    grants = grants_of(name)
    properties["Role"] = _arn(role_id(grants))
    for grant in grants:
        properties["Environment"]["Variables"].update(grant_environment(grant))
    function = manifest.functions.get(name)
    if function is not None:
        # Chalice takes these from .chalice/config.json; the manifest is where they are stated.
        properties["Timeout"] = function.timeout_seconds
        properties["MemorySize"] = function.memory_mb
    for event in properties.get("Events", {}).values():
        if event.get("Type") == "DynamoDB" and function is not None:
            _patch_stream_event(event["Properties"], name, function.trigger)
        if event.get("Type") != "SQS":
            continue
        event_properties = event["Properties"]
        queue = _manifest_queue_for(manifest, event_properties["Queue"])
        # A Ref to the queue instead of a name-built ARN: the mapping then waits for the queue.
        event_properties["Queue"] = _arn(queue_id(queue))
        # The handlers answer with batchItemFailures; without this Lambda ignores the answer.
        event_properties["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
        trigger = function.trigger if function is not None else None
        if isinstance(trigger, SqsTrigger) and trigger.maximum_concurrency is not None:
            event_properties["ScalingConfig"] = {"MaximumConcurrency": trigger.maximum_concurrency}


def _patch_stream_event(event_properties: Json, name: str, trigger: Any) -> None:
    """The table's stream, with the manifest's filter, retries and failure destination."""
    assert isinstance(trigger, StreamTrigger), name
    event_properties["Stream"] = _sub(f"${{{TABLE}.StreamArn}}")
    event_properties["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    event_properties["BisectBatchOnFunctionError"] = True
    event_properties["MaximumRetryAttempts"] = trigger.maximum_retry_attempts
    event_properties["ParallelizationFactor"] = trigger.parallelization_factor
    event_properties["DestinationConfig"] = {"OnFailure": {"Destination": _arn(failures_id(name))}}
    event_properties["FilterCriteria"] = {
        "Filters": [
            {"Pattern": json.dumps({"dynamodb": {side: {"kind": {"S": trigger.kinds}}}})}
            for side in ("NewImage", "OldImage")
        ]
    }


def _gateway_responses() -> Json:
    """Every answer API Gateway gives itself, in the shape of the API's own (zhtj.core.gateway_responses):
    fixed Chinese text, never $context.error.message (an unknown path's message quotes the
    Authorization header). In the API definition rather than as AWS::ApiGateway::GatewayResponse
    resources: the stage's deployment snapshots the definition, so the responses deploy with it
    (a separate resource would need a new deployment ordered after it to take effect)."""
    cors = {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
    responses: Json = {}
    for kind, answer in GATEWAY_RESPONSES.items():
        response: Json = {
            "responseParameters": cors,
            "responseTemplates": {"application/json": json.dumps(answer.body(), ensure_ascii=False)},
        }
        if answer.status is not None:
            response["statusCode"] = answer.status
        responses[kind] = response
    return responses


def _patch_api(resource: Json) -> None:
    properties = resource["Properties"]
    # Edge-optimized endpoints do not exist in the China regions; regional ones exist everywhere.
    properties["EndpointConfiguration"] = "REGIONAL"
    body = properties["DefinitionBody"]
    body["x-amazon-apigateway-gateway-responses"] = _gateway_responses()


def patch(template: Json, manifest: Manifest) -> Json:
    """Patch the merged template in place where Chalice's output falls short; returns it."""
    env = function_environment(manifest)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            _patch_function(resource, manifest, env)
        elif resource["Type"] == "AWS::Serverless::Api":
            _patch_api(resource)
    return template


# --- the build -------------------------------------------------------------------------


def build_layer(out_dir: Path, with_dependencies: bool = False) -> Path:
    """`<out>/layer/python/zhtj`, links resolved (chalicefile.json is one); with
    `with_dependencies`, the pinned third-party wheels for Lambda's platform beside it."""
    layer = out_dir / "layer"
    if layer.exists():
        shutil.rmtree(layer)
    python = layer / "python"
    shutil.copytree(
        LAYER_SOURCE,
        python / "zhtj",
        symlinks=False,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    if with_dependencies:
        # Lambda's platform, not this machine's: binary wheels only, so nothing is compiled here.
        platform = ["--platform", "manylinux2014_x86_64", "--implementation", "cp"]
        platform += ["--python-version", RUNTIME.removeprefix("python")]
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "-r", str(RUNTIME_REQUIREMENTS)]
        command += [*platform, "--only-binary=:all:", "--target", str(python)]
        if LOCK.exists():
            command += ["-c", str(LOCK)]
        subprocess.run(command, check=True)
    return layer


def _chalice_package(stage: str, out_dir: Path, merge_template: Path) -> Json:
    env = dict(os.environ)
    # Chalice makes (but does not call) AWS clients while packaging: any region will do, and
    # it must not wait on an instance metadata service for credentials.
    env.setdefault("AWS_DEFAULT_REGION", CHINA_REGIONS[0])
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    entry = "import sys; from chalice.cli import main; sys.exit(main())"
    command = [sys.executable, "-c", entry, "package", "--stage", stage, "--template-format", "json"]
    command += ["--merge-template", str(merge_template), str(out_dir)]
    result = subprocess.run(command, cwd=FUNCTIONS_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
    sam = out_dir / "sam.json"
    template: Json = json.loads(sam.read_text(encoding="utf-8"))
    sam.unlink()
    return template


def build(stage: str = "prod", out_dir: Path = DEFAULT_OUT, *, with_dependencies: bool = False) -> Path:
    """Write `<out>/template.json` with `deployment.zip` and `layer/` beside it; returns the
    template's path. Ready for `aws cloudformation package`, which uploads the two."""
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest()
    build_layer(out_dir, with_dependencies)
    with tempfile.TemporaryDirectory() as scratch:
        merge = Path(scratch) / "merge.json"
        merge.write_text(json.dumps(manifest_resources(manifest), ensure_ascii=False), encoding="utf-8")
        template = _chalice_package(stage, out_dir, merge)
    patch(template, manifest)
    path = out_dir / "template.json"
    path.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
