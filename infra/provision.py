"""Create the system's AWS resources from the manifest on an endpoint the local stack or a
test points at (moto). The cloud template (infra/template.py) is built from the same
sources: zhtj.table.base.table_definition() and chalicefile.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

import boto3

from infra.kms import PII_KEY_ALIAS, create_keys
from zhtj.core.manifest import Manifest, load_manifest
from zhtj.core.settings import get_settings
from zhtj.notices.rules import ATTACHMENT_KEPT_DAYS
from zhtj.notices.rules import ATTACHMENTS_PREFIX as NOTICE_ATTACHMENTS_PREFIX
from zhtj.table.base import table_definition
from zhtj.table.storage import IMPORT_UPLOADS_DAYS, IMPORT_UPLOADS_PREFIX

ROOT = Path(__file__).resolve().parents[1]
# Buckets the functions use, by role.
BUCKETS = ("uploads", "documents", "cards")
# Buckets whose objects keep their earlier versions (CARD: one current card, the past ones kept;
# the uploads bucket, as in the cloud, where every bucket is versioned).
VERSIONED_BUCKETS = frozenset({"cards", "uploads"})
# IMPORT: the uploads bucket holds spreadsheets of ID numbers: encrypted with the PII key, and
# whatever an import leaves under its prefix expires within a day, every version of it
# (infra/template.py states the same rules in CloudFormation's words).
UPLOADS_LIFECYCLE_RULES: list[dict[str, Any]] = [
    {
        "ID": "expire-import-uploads",
        "Status": "Enabled",
        "Filter": {"Prefix": IMPORT_UPLOADS_PREFIX},
        "Expiration": {"Days": IMPORT_UPLOADS_DAYS},
        "NoncurrentVersionExpiration": {"NoncurrentDays": IMPORT_UPLOADS_DAYS},
    },
    {
        "ID": "remove-import-delete-markers",
        "Status": "Enabled",
        "Filter": {"Prefix": IMPORT_UPLOADS_PREFIX},
        "Expiration": {"ExpiredObjectDeleteMarker": True},
    },
    # MSG-3: notice attachments, kept three years from their upload (readers see them expired
    # after that, zhtj.notices.rules.attachments_expired); never-published uploads go the same way.
    {
        "ID": "expire-notice-attachments",
        "Status": "Enabled",
        "Filter": {"Prefix": NOTICE_ATTACHMENTS_PREFIX},
        "Expiration": {"Days": ATTACHMENT_KEPT_DAYS},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
    },
]


def bucket_name(role: str, account: str = "local") -> str:
    return f"zhtj-{role}-{account}"


def create_table(session: boto3.Session) -> None:
    definition = table_definition()
    client = session.client("dynamodb")
    create = {
        k: definition[k]
        for k in ("TableName", "BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
    }
    client.create_table(**create, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    client.get_waiter("table_exists").wait(TableName=definition["TableName"])
    ttl = definition["TimeToLiveSpecification"]
    client.update_time_to_live(TableName=definition["TableName"], TimeToLiveSpecification=ttl)


def create_queues(session: boto3.Session, manifest: Manifest) -> dict[str, str]:
    """Every queue with its dead-letter queue. Returns manifest queue name -> URL."""
    sqs = session.client("sqs")
    urls: dict[str, str] = {}
    for name, queue in manifest.queues.items():
        dlq_url = sqs.create_queue(
            QueueName=manifest.dlq_name(name), Attributes={"MessageRetentionPeriod": str(14 * 86400)}
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        urls[name] = sqs.create_queue(
            QueueName=manifest.queue_name(name),
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout_seconds),
                "MessageRetentionPeriod": str(queue.retention_days * 86400),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
                ),
            },
        )["QueueUrl"]
    return urls


def create_stream_failure_queues(session: boto3.Session, manifest: Manifest) -> dict[str, str]:
    """A stream function's failure destination (its DLQ): where a batch that kept failing is
    described. Returns function name -> URL."""
    sqs = session.client("sqs")
    return {
        name: sqs.create_queue(
            QueueName=manifest.stream_failures_name(name), Attributes={"MessageRetentionPeriod": str(14 * 86400)}
        )["QueueUrl"]
        for name in manifest.stream_functions()
    }


def state_machine_definition(manifest: Manifest, name: str, resolve: dict[str, str]) -> str:
    """An ASL file with its ${placeholders} filled from `resolve` (placeholder -> value)."""
    machine = manifest.state_machines[name]
    text = (ROOT / machine.definition).read_text(encoding="utf-8")
    for placeholder, value in resolve.items():
        text = text.replace("${" + placeholder + "}", value)
    return text


def create_state_machines(session: boto3.Session, manifest: Manifest, queue_urls: dict[str, str]) -> dict[str, str]:
    """Returns state machine name -> ARN."""
    client = session.client("stepfunctions")
    partition = session.get_partition_for_region(session.region_name or "cn-north-1")
    role = f"arn:{partition}:iam::123456789012:role/zhtj-local-states"
    arns: dict[str, str] = {}
    for name, machine in manifest.state_machines.items():
        # As the template does (DefinitionSubstitutions): service integration ARNs are written
        # "arn:${Partition}:states:::sqs:sendMessage", filled unless the manifest says otherwise.
        resolve = {"Partition": partition}
        for placeholder, target in machine.substitutions.items():
            kind, _, ref = target.partition(":")
            resolve[placeholder] = {"queue": lambda r: queue_urls[r], "table": lambda r: manifest.table}[kind](ref)
        definition = state_machine_definition(manifest, name, resolve)
        arns[name] = client.create_state_machine(
            name=f"{manifest.app}-{name}", definition=definition, roleArn=role, type=machine.type
        )["stateMachineArn"]
    return arns


def create_buckets(session: boto3.Session) -> None:
    s3 = session.client("s3")
    region = session.region_name
    for role in BUCKETS:
        kwargs: dict[str, Any] = {"Bucket": bucket_name(role)}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
        if role in VERSIONED_BUCKETS:
            s3.put_bucket_versioning(Bucket=bucket_name(role), VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket_name("uploads"),
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": PII_KEY_ALIAS},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket_name("uploads"), LifecycleConfiguration={"Rules": UPLOADS_LIFECYCLE_RULES}
    )


def create_payment_secrets(session: boto3.Session, gateway: str | None = None) -> None:
    """The two providers' merchant secrets (what zhtj.integrations.payments.config reads) and the simulator's
    provider-side keys, from keys generated once per process. `gateway` (the local stack's
    simulator URL) replaces the in-process one."""
    from infra.local.payments_simulator import (
        ALIPAY_PATH,
        DEFAULT_SIMULATOR_SECRET,
        SIMULATOR_SECRET_ENV,
        local_material,
    )
    from zhtj.core.settings import payment_secret_name as secret_name

    material = local_material()
    documents = {secret_name(name): dict(material[name]) for name in ("wechatpay", "alipay")}
    if gateway:
        documents[secret_name("wechatpay")]["gateway"] = gateway
        documents[secret_name("alipay")]["gateway"] = gateway.rstrip("/") + ALIPAY_PATH
    documents[os.environ.get(SIMULATOR_SECRET_ENV) or DEFAULT_SIMULATOR_SECRET] = material["simulator"]
    client = session.client("secretsmanager")
    for name, document in documents.items():
        try:
            client.create_secret(Name=name, SecretString=json.dumps(document))
        except client.exceptions.ResourceExistsException:
            client.put_secret_value(SecretId=name, SecretString=json.dumps(document))


def create_cursor_secret(session: boto3.Session) -> None:
    """The secret page cursors are sealed with (zhtj.table.paging): fresh random text, as the
    cloud template's generated secret is; an existing one is kept, so cursors stay valid."""
    client = session.client("secretsmanager")
    with contextlib.suppress(client.exceptions.ResourceExistsException):
        client.create_secret(Name=get_settings().cursor_secret, SecretString=secrets.token_urlsafe(48))


def provision(session: boto3.Session | None = None, manifest: Manifest | None = None) -> dict[str, Any]:
    """Create everything; returns the queue URLs and state machine ARNs."""
    session = session or boto3.Session()
    manifest = manifest or load_manifest()
    create_table(session)
    urls = create_queues(session, manifest)
    create_stream_failure_queues(session, manifest)
    arns = create_state_machines(session, manifest, urls)
    create_keys(session)  # before the buckets: the uploads bucket is encrypted with the PII key
    create_buckets(session)
    create_payment_secrets(session)
    create_cursor_secret(session)
    return {"queues": urls, "state_machines": arns}
