"""Presigned S3 links are signed with SigV4 in every region: S3 refuses SigV2 on SSE-KMS objects
(the uploads bucket is encrypted with the PII key), and botocore still presigns with SigV2 in
some global regions."""

from __future__ import annotations

from zhtj.table import storage


def test_import_2_presigned_links_use_sigv4_whatever_the_region() -> None:
    # Given the data layer's S3 client / Then it signs with SigV4
    assert storage._s3().meta.config.signature_version == "s3v4"
