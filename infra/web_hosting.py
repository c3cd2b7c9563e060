"""The two web apps in the cloud (WEB-1, WEB-2): a private S3 bucket behind one CloudFront
distribution that also fronts the API, so the apps and the API share one origin (no CORS) as
they do locally (infra/local/web_apps.py).

- /m/* and /console/*: the bucket (`aws s3 sync web/dist/member s3://<WebBucket>/m/` and
  `web/dist/console` to `console/`: docs/deploy.md), read through an origin access identity
  (OAI exists in both partitions). A viewer-request CloudFront Function answers a path that is
  not a file with the app's index.html, so deep links (/m/join/<branch_id>) open the app; the
  China regions have no CloudFront Functions, so there the apps are reached at their root
  (docs/deploy.md says how).
- everything else: the API's regional endpoint, never cached, with the Authorization header
  and the query string passed on.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

BUCKET = "WebBucket"
BUCKET_POLICY = "WebBucketPolicy"
IDENTITY = "WebOriginAccessIdentity"
REWRITE = "WebSpaRewrite"
DISTRIBUTION = "WebDistribution"
API = "RestAPI"  # Chalice's API resource; its stage is "api"
APP_PREFIXES = ("m", "console")

# A path under an app that names no file (no dot in its last part) is the app's own route.
REWRITE_CODE = """function handler(event) {
  var request = event.request;
  var parts = request.uri.split('/');
  var last = parts[parts.length - 1];
  if (last.indexOf('.') === -1) {
    request.uri = '/' + parts[1] + '/index.html';
  }
  return request;
}"""


def web_resources(in_china: str) -> Json:
    """The resources, given the name of the template's in-China condition."""
    not_china = f"Not{in_china}"
    app_behaviours = [
        {
            "PathPattern": f"/{prefix}/*",
            "TargetOriginId": "apps",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD"],
            "Compress": True,
            "ForwardedValues": {"QueryString": False},
            "FunctionAssociations": {
                "Fn::If": [
                    in_china,
                    {"Ref": "AWS::NoValue"},
                    [
                        {
                            "EventType": "viewer-request",
                            "FunctionARN": {"Fn::GetAtt": [REWRITE, "FunctionMetadata.FunctionARN"]},
                        }
                    ],
                ]
            },
        }
        for prefix in APP_PREFIXES
    ]
    return {
        BUCKET: {
            "Type": "AWS::S3::Bucket",
            "Properties": {
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
            },
        },
        IDENTITY: {
            "Type": "AWS::CloudFront::CloudFrontOriginAccessIdentity",
            "Properties": {"CloudFrontOriginAccessIdentityConfig": {"Comment": "zhtj web apps"}},
        },
        BUCKET_POLICY: {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": BUCKET},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudFrontReads",
                            "Effect": "Allow",
                            "Principal": {"CanonicalUser": {"Fn::GetAtt": [IDENTITY, "S3CanonicalUserId"]}},
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": f"${{{BUCKET}.Arn}}/*"},
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [{"Fn::GetAtt": [BUCKET, "Arn"]}, {"Fn::Sub": f"${{{BUCKET}.Arn}}/*"}],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                },
            },
        },
        REWRITE: {
            "Type": "AWS::CloudFront::Function",
            "Condition": not_china,
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-spa-rewrite"},
                "AutoPublish": True,
                "FunctionCode": REWRITE_CODE,
                "FunctionConfig": {
                    "Comment": "zhtj: an app's own routes answer its index.html",
                    "Runtime": "cloudfront-js-2.0",
                },
            },
        },
        DISTRIBUTION: {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Comment": "zhtj: the members' app, the console and the API on one origin",
                    "Enabled": True,
                    "HttpVersion": "http2",
                    "PriceClass": {"Fn::If": [in_china, {"Ref": "AWS::NoValue"}, "PriceClass_All"]},
                    "Origins": [
                        {
                            "Id": "apps",
                            "DomainName": {"Fn::GetAtt": [BUCKET, "RegionalDomainName"]},
                            "S3OriginConfig": {
                                "OriginAccessIdentity": {
                                    "Fn::Sub": f"origin-access-identity/cloudfront/${{{IDENTITY}}}"
                                }
                            },
                        },
                        {
                            "Id": "api",
                            "DomainName": {"Fn::Sub": f"${{{API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"},
                            "OriginPath": "/api",
                            "CustomOriginConfig": {
                                "OriginProtocolPolicy": "https-only",
                                "OriginSSLProtocols": ["TLSv1.2"],
                            },
                        },
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "api",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                        "ForwardedValues": {"QueryString": True, "Headers": ["Authorization", "Content-Type"]},
                        "DefaultTTL": 0,
                        "MaxTTL": 0,
                        "MinTTL": 0,
                    },
                    "CacheBehaviors": app_behaviours,
                }
            },
        },
    }


def web_conditions(in_china: str) -> Json:
    return {f"Not{in_china}": {"Fn::Not": [{"Condition": in_china}]}}


def web_outputs() -> Json:
    return {
        "WebBucketName": {"Value": {"Ref": BUCKET}},
        "WebDomainName": {"Value": {"Fn::GetAtt": [DISTRIBUTION, "DomainName"]}},
    }
