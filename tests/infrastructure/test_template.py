"""The cloud template (infra/template.py): built once from the manifest, linted for both
partitions, and checked against the manifest and the table definition."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file

from infra import template as cloud
from zhtj.core.manifest import SqsTrigger, load_manifest
from zhtj.table.base import table_definition

# One region of each partition: cn-north-1 is aws-cn, us-east-1 is aws.
REGIONS = ("cn-north-1", "us-east-1")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cloud.build("prod", tmp_path_factory.mktemp("cloud"))


@pytest.fixture(scope="module")
def template(built: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(built.read_text(encoding="utf-8"))
    return loaded


def _lint(path: Path, region: str) -> list[str]:
    """cfn-lint's errors and warnings (informational findings are left out)."""
    matches = lint_file(path, config=ManualArgs(regions=[region]))
    return [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.id[:1] in ("E", "W")]


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _api_paths(template: dict[str, Any]) -> dict[str, Any]:
    (api,) = _of_type(template, "AWS::Serverless::Api").values()
    paths: dict[str, Any] = api["Properties"]["DefinitionBody"]["paths"]
    return paths


def _statements(template: dict[str, Any], role: str) -> list[Any]:
    policies = template["Resources"][role]["Properties"]["Policies"]
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        cloud.function_name(f["Properties"]["Handler"]): f["Properties"]
        for f in _of_type(template, "AWS::Serverless::Function").values()
    }


@pytest.mark.parametrize("region", REGIONS)
def test_cfn_lint_finds_nothing(built: Path, region: str) -> None:
    assert _lint(built, region) == []


def test_every_queue_has_a_dead_letter_queue_as_the_manifest_says(template: dict[str, Any]) -> None:
    manifest = load_manifest()
    queues = {r["Properties"]["QueueName"]: (k, r) for k, r in _of_type(template, "AWS::SQS::Queue").items()}
    for name, queue in manifest.queues.items():
        _, main = queues[manifest.queue_name(name)]
        dlq_logical, _ = queues[manifest.dlq_name(name)]
        properties = main["Properties"]
        assert properties["VisibilityTimeout"] == queue.visibility_timeout_seconds
        assert properties["MessageRetentionPeriod"] == queue.retention_days * 86400
        assert properties["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dlq_logical, "Arn"]},
            "maxReceiveCount": queue.max_receive_count,
        }


def test_every_sqs_event_source_reports_batch_item_failures(template: dict[str, Any]) -> None:
    manifest = load_manifest()
    sources = 0
    for function in _of_type(template, "AWS::Serverless::Function").values():
        name = cloud.function_name(function["Properties"]["Handler"])
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            sources += 1
            properties = event["Properties"]
            assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
            trigger = manifest.functions[name].trigger
            assert isinstance(trigger, SqsTrigger)
            assert properties["Queue"] == {"Fn::GetAtt": [cloud.queue_id(trigger.queue), "Arn"]}
            assert properties["BatchSize"] == trigger.batch_size
            if trigger.maximum_concurrency is not None:
                assert properties["ScalingConfig"] == {"MaximumConcurrency": trigger.maximum_concurrency}
    assert sources == len(manifest.sqs_functions())


def test_stat_1_the_stream_mapping_reads_the_tables_stream_filtered_with_a_failure_queue(
    template: dict[str, Any],
) -> None:
    manifest = load_manifest()
    mapped = 0
    for function in _of_type(template, "AWS::Serverless::Function").values():
        name = cloud.function_name(function["Properties"]["Handler"])
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "DynamoDB":
                continue
            mapped += 1
            properties, (_, trigger) = event["Properties"], manifest.stream_functions()[name]
            assert properties["Stream"] == {"Fn::Sub": "${Table.StreamArn}"}
            assert properties["StartingPosition"] == "TRIM_HORIZON"
            assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
            assert properties["BisectBatchOnFunctionError"] is True
            assert properties["MaximumRetryAttempts"] == trigger.maximum_retry_attempts
            failures = properties["DestinationConfig"]["OnFailure"]["Destination"]
            assert failures == {"Fn::GetAtt": [cloud.failures_id(name), "Arn"]}
            assert template["Resources"][cloud.failures_id(name)]["Type"] == "AWS::SQS::Queue"
            patterns = [json.loads(f["Pattern"]) for f in properties["FilterCriteria"]["Filters"]]
            assert patterns == [
                {"dynamodb": {side: {"kind": {"S": trigger.kinds}}}} for side in ("NewImage", "OldImage")
            ]
    assert mapped == len(manifest.stream_functions()) == 2  # the statistics and the work list (MSG-4)
    assert template["Resources"]["Table"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    }


def test_stat_1_the_streams_kinds_are_what_the_counting_rules_count() -> None:
    from zhtj.stats.rules import STREAM_KINDS

    _, trigger = load_manifest().stream_functions()["stats_stream"]
    assert set(trigger.kinds) == set(STREAM_KINDS)


def test_msg_4_the_work_lists_stream_kinds_are_the_items_that_open_tasks() -> None:
    from zhtj.worklist.rules import SOURCE_KINDS

    _, trigger = load_manifest().stream_functions()["worklist_stream"]
    assert set(trigger.kinds) == set(SOURCE_KINDS)


def test_every_manifest_function_is_a_lambda_with_the_layer(template: dict[str, Any]) -> None:
    manifest = load_manifest()
    functions = {
        cloud.function_name(f["Properties"]["Handler"]): f["Properties"]
        for f in _of_type(template, "AWS::Serverless::Function").values()
    }
    assert set(manifest.functions) <= set(functions)
    for name, properties in functions.items():
        assert properties["Layers"] == [{"Ref": cloud.LAYER}], name
        role = cloud.role_id(cloud.grants_of(name))
        assert properties["Role"] == {"Fn::GetAtt": [role, "Arn"]}, name
        variables = properties["Environment"]["Variables"]
        assert variables["ZHTJ_TABLE"] == {"Ref": cloud.TABLE}
        assert not {"ZHTJ_JWKS_URL", "ZHTJ_USER_POOL_ID"} & set(variables), name  # Cognito is gone
        # The API function imports the app; each event function its own handler (chalicelib.entry).
        assert properties["Handler"] == (f"{cloud.EVENT_ENTRY}.{name}" if name in manifest.functions else "app.app")
        if name in manifest.functions:
            assert properties["Timeout"] == manifest.functions[name].timeout_seconds
            assert properties["MemorySize"] == manifest.functions[name].memory_mb


def test_the_layer_folder_holds_zhtj_with_links_resolved(built: Path) -> None:
    package = built.parent / "layer" / "python" / "zhtj"
    copied = package / "core" / "chalicefile.json"
    assert copied.is_file() and not copied.is_symlink()
    assert json.loads(copied.read_text(encoding="utf-8")) == json.loads(
        (cloud.ROOT / "chalicefile.json").read_text(encoding="utf-8")
    )
    assert (package / "core/manifest.py").is_file()
    assert not list(package.rglob("__pycache__"))


def test_no_arn_names_a_partition(template: dict[str, Any]) -> None:
    assert [s for s in _strings(template) if "arn:aws:" in s] == []


def test_audit_1_function_role_denies_changing_audit_records(template: dict[str, Any]) -> None:
    policies = template["Resources"][cloud.FUNCTION_ROLE]["Properties"]["Policies"]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    denies = [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Deny"]
    assert {
        "Sid": "Audit1AppendOnly",
        "Effect": "Deny",
        "Action": ["dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        "Resource": {"Fn::GetAtt": [cloud.TABLE, "Arn"]},
        "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["AUDIT#*"]}},
    } in denies


def test_dev_token_is_absent_from_the_cloud_api(template: dict[str, Any]) -> None:
    assert "/dev/token" not in _api_paths(template)


def test_public_paths_are_those_the_api_declares_public() -> None:
    from chalicelib.http import declared_routes

    assert {r.path for r in declared_routes() if r.public} == cloud.PUBLIC_PATHS


def test_no_cognito_and_no_gateway_authorizer_remain(template: dict[str, Any]) -> None:
    # Given the built template (one for both partitions; Cognito user pools are not in aws-cn)
    text = json.dumps(template)
    # Then nothing of a user pool is left: no resource, permission, variable, parameter or output
    assert "Cognito" not in text and "cognito-idp" not in text
    assert not {"ZHTJ_USER_POOL_ID", "ZHTJ_JWKS_URL", "TokenJwksUrl", "UserPoolId"} & set(_strings(template))
    # And API Gateway authorizes nothing itself: the app verifies the token on every route
    (api,) = _of_type(template, "AWS::Serverless::Api").values()
    assert "securityDefinitions" not in api["Properties"]["DefinitionBody"]
    assert not [(p, m) for p, item in _api_paths(template).items() for m, o in item.items() if "security" in o]


def test_the_token_signing_key_signs_for_the_api_alone_and_verifiers_read_its_public_key(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    # Given the token-signing key: ECC P-256 for signing, aliased alias/zhtj-token-signing
    key = resources[cloud.TOKEN_KEY]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    alias = resources[f"{cloud.TOKEN_KEY}Alias"]["Properties"]
    assert alias == {"AliasName": "alias/zhtj-token-signing", "TargetKeyId": {"Ref": cloud.TOKEN_KEY}}
    key_arn = {"Fn::GetAtt": [cloud.TOKEN_KEY, "Arn"]}
    for name, properties in _functions(template).items():
        statements = _statements(template, properties["Role"]["Fn::GetAtt"][0])
        on_key = [s for s in statements if s.get("Resource") == key_arn]
        actions = {action for s in on_key for action in s["Action"]}
        # Then only the API may sign with it (ES256 only), and every verifier reads its public key
        assert ("kms:Sign" in actions) is (name in cloud.TOKEN_SIGNING_FUNCTIONS), name
        assert ("kms:GetPublicKey" in actions) is (name in cloud.TOKEN_VERIFYING_FUNCTIONS), name
        assert actions <= {"kms:Sign", "kms:GetPublicKey"}, name
        signing = [s for s in on_key if "kms:Sign" in s["Action"]]
        assert all(s["Condition"] == {"StringEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256"}} for s in signing)
        # And the verifiers are told the key
        variables = properties["Environment"]["Variables"]
        assert (variables.get(cloud.TOKEN_KEY_ENV) == key_arn) is (name in cloud.TOKEN_VERIFYING_FUNCTIONS), name
    assert "app" in cloud.TOKEN_SIGNING_FUNCTIONS and {"app"} <= cloud.TOKEN_VERIFYING_FUNCTIONS


@pytest.mark.parametrize(
    ("grant", "parameter", "variable", "default"),
    [
        ("sms", cloud.SMS_SECRET_PARAMETER, "ZHTJ_SMS_SECRET", "zhtj/sms"),
        ("identity", cloud.IDENTITY_SECRET_PARAMETER, "ZHTJ_IDENTITY_SECRET", "zhtj/identity"),
    ],
)
def test_reg_5_provider_secrets_are_given_only_to_the_functions_that_call_the_provider(
    template: dict[str, Any], grant: str, parameter: str, variable: str, default: str
) -> None:
    from zhtj.core import settings

    manifest = load_manifest()
    holders = cloud.GRANTS[grant]
    # Given the functions that call the provider: real ones (a rename fails here)
    assert holders - {"app"} <= set(manifest.functions)
    # The secret is named by a parameter whose default is the name the code reads without one
    assert template["Parameters"][parameter]["Default"] == default
    assert variable in (settings.SMS_SECRET_ENV, settings.IDENTITY_SECRET_ENV)
    secret_arn = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${%s}-??????"
    reading = {"Fn::Sub": secret_arn % parameter}
    for name, properties in _functions(template).items():
        statements = _statements(template, properties["Role"]["Fn::GetAtt"][0])
        reads = any(s.get("Resource") == reading for s in statements)
        # Then exactly those functions' roles may read it, and only they are told its name
        assert reads is (name in holders), name
        assert (properties["Environment"]["Variables"].get(variable) == {"Ref": parameter}) is (name in holders)


def test_the_cloud_can_select_only_a_real_sms_provider(template: dict[str, Any], built: Path) -> None:
    from infra.local import sms_outbox
    from zhtj.core.settings import SMS_PROVIDER_ENV
    from zhtj.integrations.sms.registry import REAL_SENDERS

    # Given the SMS provider parameter: no default, the real adapters' names only (not the outbox)
    parameter = template["Parameters"][cloud.SMS_PROVIDER]
    assert "Default" not in parameter
    assert parameter["AllowedValues"] == sorted(REAL_SENDERS) == ["alibaba", "tencent"]
    assert sms_outbox.NAME not in parameter["AllowedValues"]
    # And every function is told it; the layer holds no part of infra/ (where the outbox lives)
    for name, properties in _functions(template).items():
        assert properties["Environment"]["Variables"][SMS_PROVIDER_ENV] == {"Ref": cloud.SMS_PROVIDER}, name
    assert not list((built.parent / "layer" / "python").rglob("sms_outbox.py"))


def test_table_is_the_table_definition(template: dict[str, Any]) -> None:
    table = template["Resources"][cloud.TABLE]
    expected = table_definition()
    assert table["DeletionPolicy"] == "Retain"
    for key in ("TableName", "KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode"):
        assert table["Properties"][key] == expected[key], key


def test_state_machines_get_their_substitutions_and_lint(built: Path, template: dict[str, Any], tmp_path: Path) -> None:
    """The manifest has no state machine yet: one is made up here, grafted onto the built
    template and linted, so the substitution path is proven before it is first used."""
    asl = tmp_path / "review.asl.json"
    asl.write_text(
        json.dumps(
            {
                "StartAt": "Enqueue",
                "States": {
                    "Enqueue": {
                        "Type": "Task",
                        "Resource": "arn:${Partition}:states:::sqs:sendMessage",
                        "Parameters": {"QueueUrl": "${Queue}", "MessageBody": {"table": "${TableName}"}},
                        "Next": "Work",
                    },
                    "Work": {"Type": "Task", "Resource": "${Worker}", "End": True},
                },
            }
        ),
        encoding="utf-8",
    )
    data = load_manifest().to_data()
    data["state_machines"] = {
        "review": {
            "definition": str(asl),
            "substitutions": {
                "Queue": "queue:tree-maintenance",
                "TableName": "table",
                "Worker": "function:tree_maintenance",
            },
        }
    }
    manifest = type(load_manifest()).from_data(data)
    resources = cloud.manifest_resources(manifest)["Resources"]
    machine = resources[cloud.state_machine_id("review")]["Properties"]
    assert machine["DefinitionSubstitutions"] == {
        "Partition": {"Ref": "AWS::Partition"},
        "Queue": {"Ref": cloud.queue_id("tree-maintenance")},
        "TableName": {"Ref": cloud.TABLE},
        "Worker": {"Fn::GetAtt": [cloud.function_id("tree_maintenance"), "Arn"]},
    }
    assert cloud.function_id("tree_maintenance") in template["Resources"]

    grafted = copy.deepcopy(template)
    grafted["Resources"].update({k: resources[k] for k in (cloud.state_machine_id("review"), cloud.STATES_ROLE)})
    path = tmp_path / "template.json"
    path.write_text(json.dumps(grafted), encoding="utf-8")
    for region in REGIONS:
        assert _lint(path, region) == [], region

    data["state_machines"]["review"]["substitutions"].pop("Worker")
    with pytest.raises(ValueError, match="Worker"):
        cloud.manifest_resources(type(manifest).from_data(data))


# --- DUES-3: the payment providers' secrets and the public address -------------------------


def test_dues_3_payment_functions_alone_read_exactly_the_providers_secrets(template: dict[str, Any]) -> None:
    from zhtj.core.settings import DEFAULT_PAYMENT_SECRET as DEFAULT_SECRET
    from zhtj.core.settings import PAYMENT_SECRET_ENV as SECRET_ENV
    from zhtj.core.settings import PUBLIC_API_URL_ENV as PUBLIC_URL_ENV

    manifest = load_manifest()
    # The payment functions are real: the API and manifest functions (a rename fails here)
    assert cloud.PAYMENT_FUNCTIONS - {"app"} <= set(manifest.functions)
    functions = {
        cloud.function_name(f["Properties"]["Handler"]): f["Properties"]
        for f in _of_type(template, "AWS::Serverless::Function").values()
    }
    # Each provider's secret is named by a parameter (defaulting to the name the code reads
    # without one) and given to exactly the payment functions, by the variable config reads
    for provider, parameter in cloud.PAYMENT_SECRET_PARAMETERS.items():
        assert template["Parameters"][parameter]["Default"] == DEFAULT_SECRET[provider]
        for name, properties in functions.items():
            variables = properties["Environment"]["Variables"]
            if name in cloud.PAYMENT_FUNCTIONS:
                assert variables[SECRET_ENV[provider]] == {"Ref": parameter}, name
            else:
                assert SECRET_ENV[provider] not in variables, name
    # Only the payments role may read the providers' secrets: GetSecretValue on those two, and
    # besides them only the page-cursor secret every function reads
    secret_arn = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${%s}-??????"
    cursor_key = {
        "Sid": "CursorKey",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": {"Ref": cloud.CURSOR_SECRET},
    }
    reading = [s for s in _statements(template, cloud.PAYMENTS_ROLE) if "secretsmanager" in json.dumps(s)]
    assert cloud.role_id(("payments",)) == cloud.PAYMENTS_ROLE
    assert reading == [
        cursor_key,
        {
            "Sid": "PaymentSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [{"Fn::Sub": secret_arn % p} for p in cloud.PAYMENT_SECRET_PARAMETERS.values()],
        },
    ]
    everyone = _statements(template, cloud.FUNCTION_ROLE)
    assert [s for s in everyone if "secretsmanager" in json.dumps(s)] == [cursor_key]
    # and otherwise it is the functions' role (the audit deny included)
    assert _statements(template, cloud.PAYMENTS_ROLE)[:-1] == everyone
    # and no function outside the payment functions holds a role that reads them
    payment_secrets = reading[-1]
    for name, properties in functions.items():
        statements = _statements(template, properties["Role"]["Fn::GetAtt"][0])
        assert (payment_secrets in statements) is (name in cloud.PAYMENT_FUNCTIONS), name
    # The public address is a parameter every function is told (notify_url, card QR codes)
    assert cloud.PUBLIC_URL_ENV == PUBLIC_URL_ENV
    assert "Default" not in template["Parameters"][cloud.PUBLIC_API_URL]
    for name, properties in functions.items():
        assert properties["Environment"]["Variables"][PUBLIC_URL_ENV] == {"Ref": cloud.PUBLIC_API_URL}, name


def test_dues_3_public_api_url_must_be_https_without_a_trailing_slash(template: dict[str, Any]) -> None:
    import re

    pattern = re.compile(template["Parameters"][cloud.PUBLIC_API_URL]["AllowedPattern"])
    for good in ("https://tuan.example.cn", "https://api.example.cn/prod"):
        assert pattern.fullmatch(good), good
    for bad in ("http://tuan.example.cn", "https://tuan.example.cn/", "https://", "tuan.example.cn"):
        assert not pattern.fullmatch(bad), bad


def test_import_2_the_uploads_bucket_is_encrypted_with_the_pii_key_and_expires_import_files(
    template: dict[str, Any],
) -> None:
    """Given the uploads bucket, where spreadsheets of plain ID numbers arrive: it is encrypted
    with the PII key (SSE-KMS, not S3's own key), and whatever an import leaves under
    `imports/` (current, earlier versions, delete markers) goes within a day; the functions may
    remove every version of those objects, and only of those."""
    from zhtj.table.storage import IMPORT_UPLOADS_PREFIX

    uploads = template["Resources"][cloud.bucket_id("uploads")]["Properties"]
    assert uploads["VersioningConfiguration"] == {"Status": "Enabled"}
    assert uploads["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {
            "ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": {"Fn::GetAtt": [cloud.PII_KEY, "Arn"]},
            },
            "BucketKeyEnabled": True,
        }
    ]
    rules = {r["Id"]: r for r in uploads["LifecycleConfiguration"]["Rules"]}
    expire = rules["expire-import-uploads"]
    assert (expire["Prefix"], expire["ExpirationInDays"], expire["NoncurrentVersionExpiration"]) == (
        IMPORT_UPLOADS_PREFIX,
        1,
        {"NoncurrentDays": 1},
    )
    assert rules["remove-import-delete-markers"]["ExpiredObjectDeleteMarker"] is True
    policies = template["Resources"][cloud.FUNCTION_ROLE]["Properties"]["Policies"]
    statements = {s.get("Sid"): s for p in policies for s in p["PolicyDocument"]["Statement"] if isinstance(s, dict)}
    assert statements["ImportUploadDelete"]["Resource"] == {
        "Fn::Sub": f"${{{cloud.bucket_id('uploads')}.Arn}}/{IMPORT_UPLOADS_PREFIX}*"
    }
    assert statements["PiiEnvelope"]["Action"] == ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]


def test_page_cursors_are_sealed_with_a_generated_secret_every_function_is_told(template: dict[str, Any]) -> None:
    """Given the template, then the page-cursor secret is generated (never typed) and every
    function gets its ARN by the variable zhtj.core.settings reads."""
    from zhtj.core.settings import CURSOR_SECRET_ENV

    secret = template["Resources"][cloud.CURSOR_SECRET]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert "SecretString" not in secret["Properties"]
    for function in _of_type(template, "AWS::Serverless::Function").values():
        assert function["Properties"]["Environment"]["Variables"][CURSOR_SECRET_ENV] == {"Ref": cloud.CURSOR_SECRET}


def test_gateway_answers_are_chinese_code_message_field_and_never_echo_the_request(template: dict[str, Any]) -> None:
    """Given the API, then every gateway response type (unknown path or method,
    refused token, throttling, oversized request, the 4XX/5XX defaults...) answers a fixed
    {code, message, field} in Chinese, with CORS, and no template reads $context or the
    request (an unknown path's default message quotes the whole Authorization header)."""
    (api,) = _of_type(template, "AWS::Serverless::Api").values()
    responses = api["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    every_type = {
        "DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND", "UNAUTHORIZED",
        "EXPIRED_TOKEN", "ACCESS_DENIED", "INVALID_SIGNATURE", "INVALID_API_KEY", "WAF_FILTERED", "THROTTLED",
        "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "BAD_REQUEST_PARAMETERS",
        "BAD_REQUEST_BODY", "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "API_CONFIGURATION_ERROR",
        "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT",
    }  # fmt: skip
    assert set(responses) == every_type
    for kind, response in responses.items():
        (text,) = response["responseTemplates"].values()
        assert "$" not in text and "#" not in text, kind  # no VTL: nothing of the request
        body = json.loads(text)
        assert set(body) == {"code", "message", "field"}, kind
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), kind
        assert response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == 404
    assert (
        responses["UNAUTHORIZED"]["statusCode"],
        json.loads(responses["UNAUTHORIZED"]["responseTemplates"]["application/json"])["field"],
    ) == (401, "Authorization")
    assert responses["THROTTLED"]["statusCode"] == 429 and responses["REQUEST_TOO_LARGE"]["statusCode"] == 413
    assert "statusCode" not in responses["DEFAULT_4XX"] and "statusCode" not in responses["DEFAULT_5XX"]


def test_reg_5_the_cloud_has_no_way_to_select_a_fake_identity_provider(template: dict[str, Any], built: Path) -> None:
    import re

    from infra.local import fake_identity
    from zhtj.core.settings import IDENTITY_PROVIDER_ENV
    from zhtj.integrations.identity.registry import REAL_PROVIDERS

    # Given the built template's identity parameter
    parameter = template["Parameters"][cloud.IDENTITY_PROVIDER]
    # Then a deployment must name a provider (no default to fall back on)
    assert "Default" not in parameter
    # And the only names it accepts are real adapters' (none yet: then no stand-in's name)
    stand_ins = [fake_identity.NAME, "FakeIdentityProvider", "simulator", "local-fake", "mock", "stub", "test", ""]
    if "AllowedValues" in parameter:
        assert set(parameter["AllowedValues"]) == set(REAL_PROVIDERS)
        assert not set(stand_ins) & set(parameter["AllowedValues"])
    else:
        assert not REAL_PROVIDERS
        pattern = re.compile(parameter["AllowedPattern"])
        for name in stand_ins:
            assert not pattern.fullmatch(name), name
        assert pattern.fullmatch("gov-realname")  # the kind of name an adapter gets
    # And every function is told the parameter, and nothing about a fake's shares
    for name, function in _of_type(template, "AWS::Serverless::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables[IDENTITY_PROVIDER_ENV] == {"Ref": cloud.IDENTITY_PROVIDER}, name
        assert not [v for v in variables if v.startswith("ZHTJ_FAKE")], name
    # And the layer the functions run with holds no part of infra/ (where the fake lives)
    layer = built.parent / "layer" / "python"
    assert not list(layer.rglob("fake_identity.py")) and not (layer / "infra").exists()


def test_dues_3_the_cloud_has_no_way_to_select_the_payments_simulator(template: dict[str, Any]) -> None:
    from zhtj.core.settings import PAYMENT_GATEWAY_ENV

    functions = {
        cloud.function_name(f["Properties"]["Handler"]): f["Properties"]
        for f in _of_type(template, "AWS::Serverless::Function").values()
    }
    for provider, name in cloud.PAYMENT_GATEWAY_PARAMETERS.items():
        # Given each provider's gateway parameter
        parameter = template["Parameters"][name]
        # Then it accepts the provider's own https addresses only, the official one by default
        assert parameter["Default"] == parameter["AllowedValues"][0]
        for gateway in parameter["AllowedValues"]:
            assert gateway.startswith("https://") and ("weixin.qq.com" in gateway or "alipay.com" in gateway)
            assert "simulat" not in gateway and "localhost" not in gateway and "127.0.0.1" not in gateway
        # And the payment functions are told it, so the secret's gateway is not what they call
        for function, properties in functions.items():
            if function in cloud.PAYMENT_FUNCTIONS:
                assert properties["Environment"]["Variables"][PAYMENT_GATEWAY_ENV[provider]] == {"Ref": name}


def test_msg_3_the_uploads_bucket_expires_notice_attachments_after_their_retention(template: dict[str, Any]) -> None:
    """Given the uploads bucket: notice attachments (`notices/`) go three years after their upload,
    and readers are shown them expired before that (zhtj.notices.rules)."""
    from zhtj.notices import rules as notice_rules

    uploads = template["Resources"][cloud.bucket_id("uploads")]["Properties"]
    rules = {r["Id"]: r for r in uploads["LifecycleConfiguration"]["Rules"]}
    expire = rules["expire-notice-attachments"]
    assert (expire["Prefix"], expire["ExpirationInDays"]) == (
        notice_rules.ATTACHMENTS_PREFIX,
        notice_rules.ATTACHMENT_KEPT_DAYS,
    )
    assert notice_rules.ATTACHMENT_SHOWN_DAYS < notice_rules.ATTACHMENT_KEPT_DAYS
