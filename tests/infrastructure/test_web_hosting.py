"""WEB-1, WEB-2 in the cloud: the apps from a private bucket and the API behind one CloudFront
distribution (infra/web_hosting.py), and the deep-link rewrite run as CloudFront runs it."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from infra import web_hosting
from infra.template import IN_CHINA, manifest_resources
from infra.web import NODE
from zhtj.core.manifest import load_manifest


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    resources: dict[str, Any] = manifest_resources(load_manifest())["Resources"]
    return resources


def test_web_1_apps_and_api_share_one_distribution(resources: dict[str, Any]) -> None:
    config = resources[web_hosting.DISTRIBUTION]["Properties"]["DistributionConfig"]
    # The API is the default: every method, nothing cached, the token passed on
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "api" and default["MaxTTL"] == 0 and "POST" in default["AllowedMethods"]
    assert "Authorization" in default["ForwardedValues"]["Headers"]
    # Each app's path reads the bucket, read-only, through the origin access identity
    apps = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(apps) == {"/m/*", "/console/*"}
    assert all(b["TargetOriginId"] == "apps" and b["AllowedMethods"] == ["GET", "HEAD"] for b in apps.values())
    # And the bucket is private: only the identity reads it, over TLS
    bucket = resources[web_hosting.BUCKET]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = resources[web_hosting.BUCKET_POLICY]["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in statements if s["Effect"] == "Allow"] == ["s3:GetObject"]
    # CloudFront Functions do not exist in the China regions: the rewrite is conditional there
    assert resources[web_hosting.REWRITE]["Condition"] == f"Not{IN_CHINA}"


def test_web_1_the_apps_may_put_files_to_presigned_upload_addresses(resources: dict[str, Any]) -> None:
    # The uploads bucket lets the apps' origin (the public domain) PUT, and nothing else
    from infra.template import PUBLIC_API_URL, bucket_id

    rules = resources[bucket_id("uploads")]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert [(r["AllowedMethods"], r["AllowedOrigins"]) for r in rules] == [(["PUT"], [{"Ref": PUBLIC_API_URL}])]


@pytest.mark.parametrize(
    ("uri", "served"),
    [
        ("/m/join/o01abc", "/m/index.html"),
        ("/m/", "/m/index.html"),
        ("/console/orgs/o01abc/members", "/console/index.html"),
        ("/m/assets/index-abc123.js", "/m/assets/index-abc123.js"),
        ("/console/favicon.ico", "/console/favicon.ico"),
    ],
)
def test_web_1_deep_links_answer_the_apps_index(uri: str, served: str) -> None:
    # When CloudFront's viewer-request function sees the path (run by node, as cloudfront-js runs it)
    script = (
        web_hosting.REWRITE_CODE + f"\nconsole.log(JSON.stringify(handler({{request: {{uri: {json.dumps(uri)}}}}})));"
    )
    result = subprocess.run([str(NODE), "-e", script], capture_output=True, text=True, check=True)
    # Then an app route is served its index.html and a file is served as it is
    assert json.loads(result.stdout)["uri"] == served
