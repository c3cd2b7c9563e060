"""ID numbers at rest (zhtj.dal.pii) against in-process moto's KMS: sealing, blind index, caching."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra.kms import BLIND_INDEX_KEY_ALIAS, create_keys
from zhtj.core.errors import ValidationError
from zhtj.table import pii

ID = "11010519491231002X"  # the standard's own example
OTHER_ID = "440524188001010014"
CONTEXT = {"purpose": "id_number", "member": "m-001"}


@pytest.fixture
def kms(aws: None) -> Iterator[Counter[str]]:
    """The keys (create_keys is idempotent, provision() may have made them) and a counter of
    KMS operations the data layer's client sends."""
    create_keys(boto3.Session())
    pii.reset_clients()
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    pii._kms().meta.events.register("before-call.kms", count)
    yield calls
    pii.reset_clients()


def _new_process(calls: Counter[str]) -> None:
    """Forget everything a process caches, as a fresh Lambda environment would."""
    pii.reset_clients()
    calls.clear()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    pii._kms().meta.events.register("before-call.kms", count)


def test_round_trip(kms: Counter[str]) -> None:
    sealed = pii.seal(ID, CONTEXT)
    assert sealed.startswith("v1.")
    assert pii.unseal(sealed, dict(reversed(list(CONTEXT.items())))) == ID  # key order is irrelevant
    assert pii.unseal(pii.seal("", CONTEXT), CONTEXT) == ""
    assert pii.unseal(pii.seal("张三 身份证", CONTEXT), CONTEXT) == "张三 身份证"


@pytest.mark.parametrize(
    "other",
    [
        {"purpose": "id_number", "member": "m-002"},
        {"purpose": "id_number", "registration": "m-001"},
        {"purpose": "phone", "member": "m-001"},
        {"purpose": "id_number", "member": "m-001", "extra": ""},
    ],
)
def test_a_value_moved_to_another_record_does_not_open(kms: Counter[str], other: dict[str, str]) -> None:
    sealed = pii.seal(ID, CONTEXT)
    with pytest.raises(pii.UnsealError):
        pii.unseal(sealed, other)


def test_an_empty_context_is_refused(kms: Counter[str]) -> None:
    with pytest.raises(ValueError):
        pii.seal(ID, {})
    with pytest.raises(ValueError):
        pii.unseal(pii.seal(ID, CONTEXT), {})


def _flip(part: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize("part", [1, 2, 3], ids=["wrapped-key", "nonce", "ciphertext"])
def test_a_tampered_value_does_not_open(kms: Counter[str], part: int) -> None:
    parts = pii.seal(ID, CONTEXT).split(".")
    parts[part] = _flip(parts[part])
    with pytest.raises(pii.UnsealError):
        pii.unseal(".".join(parts), CONTEXT)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-4],  # truncated ciphertext
        lambda s: s.replace("v1.", "v2.", 1),
        lambda s: s.rsplit(".", 1)[0],  # a part missing
        lambda s: s + ".AAAA",
        lambda s: s.replace(".", ".!", 1),
        lambda s: "",
        lambda s: ID,
    ],
    ids=["truncated", "version", "missing-part", "extra-part", "bad-character", "empty", "plaintext"],
)
def test_a_malformed_value_does_not_open(kms: Counter[str], mangle: Any) -> None:
    with pytest.raises(pii.UnsealError):
        pii.unseal(mangle(pii.seal(ID, CONTEXT)), CONTEXT)


def test_sealing_twice_differs_but_the_blind_index_is_the_same(kms: Counter[str]) -> None:
    first, second = pii.seal(ID, CONTEXT), pii.seal(ID, CONTEXT)
    assert first != second  # random nonce
    assert pii.unseal(first, CONTEXT) == pii.unseal(second, CONTEXT) == ID
    assert pii.blind_index(ID) == pii.blind_index(ID)


def test_the_sealed_value_shows_nothing_of_the_id_number(kms: Counter[str]) -> None:
    sealed = pii.seal(ID, CONTEXT)
    windows = {ID[i : i + 6] for i in range(len(ID) - 5)}
    assert not any(window in sealed for window in windows)
    assert ID[:6] not in sealed and ID[6:14] not in sealed
    # A compact ASCII string for a DynamoDB attribute.
    assert sealed.isascii() and len(sealed) < 1024


def test_reg_4_the_blind_index_tells_people_apart(kms: Counter[str]) -> None:
    index = pii.blind_index(ID)
    assert index != pii.blind_index(OTHER_ID)
    assert len(index) == 32 and set(index) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert ID not in index


@pytest.mark.parametrize(
    "typed",
    [" 11010519491231002x ", "１１０１０５１９４９１２３１００２Ｘ", "110105 1949 1231 002X"],
)
def test_reg_4_the_blind_index_is_the_same_however_the_number_is_typed(kms: Counter[str], typed: str) -> None:
    assert pii.blind_index(typed) == pii.blind_index(ID)


def test_reg_4_the_legacy_15_digit_form_indexes_like_its_18_character_form(kms: Counter[str]) -> None:
    assert pii.blind_index("110105491231002") == pii.blind_index(ID)


def test_reg_4_the_blind_index_is_refused_for_an_invalid_number(kms: Counter[str]) -> None:
    with pytest.raises(ValidationError) as refused:
        pii.blind_index("110105194912310020")  # checksum
    assert refused.value.code == "ID_CHECKSUM"


def test_reg_4_every_process_computes_the_same_blind_index(kms: Counter[str]) -> None:
    index = pii.blind_index(ID)
    _new_process(kms)
    assert pii.blind_index(ID) == index
    assert kms["GenerateMac"] == 1


def test_reg_4_the_blind_index_is_hmac_sha256_under_the_kms_key(kms: Counter[str]) -> None:
    """The documented construction, checked against the key material moto holds (in the cloud
    the material never leaves KMS)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.kms.models import kms_backends

    backend = kms_backends[DEFAULT_ACCOUNT_ID]["cn-north-1"]
    key = backend.keys[backend.any_id_to_key_id(BLIND_INDEX_KEY_ALIAS)]
    mac = hmac.new(key.key_material, b"zhtj:id_number:" + ID.encode(), hashlib.sha256).digest()
    assert pii.blind_index(ID) == base64.b32encode(mac[:20]).decode()


def test_one_data_key_per_process_not_per_seal(kms: Counter[str]) -> None:
    sealed = [pii.seal(ID, {"purpose": "id_number", "member": f"m-{n}"}) for n in range(5)]
    assert [pii.unseal(s, {"purpose": "id_number", "member": f"m-{n}"}) for n, s in enumerate(sealed)] == [ID] * 5
    # Values this process sealed open without asking KMS.
    assert kms == Counter({"GenerateDataKey": 1})


def test_another_process_unwraps_each_data_key_once(kms: Counter[str]) -> None:
    # Given
    sealed = [pii.seal(ID, {"purpose": "id_number", "member": f"m-{n}"}) for n in range(5)]
    # When
    _new_process(kms)
    # Then
    for _ in range(2):
        for n, value in enumerate(sealed):
            assert pii.unseal(value, {"purpose": "id_number", "member": f"m-{n}"}) == ID
    assert kms == Counter({"Decrypt": 1})
    # Sealing there takes that process's own data key, once.
    pii.seal(ID, CONTEXT)
    pii.seal(ID, CONTEXT)
    assert kms == Counter({"Decrypt": 1, "GenerateDataKey": 1})


def test_the_blind_index_asks_kms_once_per_number(kms: Counter[str]) -> None:
    for _ in range(3):
        pii.blind_index(ID)
        pii.blind_index(" 11010519491231002x")
        pii.blind_index(OTHER_ID)
    assert kms == Counter({"GenerateMac": 2})


def test_the_data_key_is_bound_to_its_purpose(kms: Counter[str]) -> None:
    """The wrapped data key inside a sealed value opens only with the PII encryption context."""
    wrapped_part = pii.seal(ID, CONTEXT).split(".")[1]
    wrapped = base64.urlsafe_b64decode(wrapped_part + "=" * (-len(wrapped_part) % 4))
    client = boto3.client("kms")
    assert client.decrypt(CiphertextBlob=wrapped, EncryptionContext=pii.DATA_KEY_CONTEXT)["Plaintext"]
    with pytest.raises(client.exceptions.InvalidCiphertextException):
        client.decrypt(CiphertextBlob=wrapped, EncryptionContext={"app": "zhtj", "purpose": "other"})


def test_reg_5_the_facts_index_is_keyed_by_the_whole_id_mac_and_asks_kms_nothing_more(kms: Counter[str]) -> None:
    """REG-5's verdict key: an HMAC of name and phone under the ID number's whole KMS HMAC, of
    which the blind index (stored in the table) shows only the first 20 bytes; checked against
    the key material moto holds."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.kms.models import kms_backends

    # Given the ID number indexed once (one GenerateMac)
    index = pii.blind_index(ID)
    # When the facts of that person are indexed, typed in other forms, and with another phone
    facts = pii.facts_index("李晓明", ID, "+8613800138000")
    again = pii.facts_index(" 李晓明 ", " 11010519491231002x", "+8613800138000")
    other_phone = pii.facts_index("李晓明", ID, "+8613900139000")
    # Then no further KMS call was made, equal facts index equally, other facts differently
    assert kms == Counter({"GenerateMac": 1})
    assert facts == again and facts not in (other_phone, index)
    # And the construction is the documented one
    backend = kms_backends[DEFAULT_ACCOUNT_ID]["cn-north-1"]
    key = backend.keys[backend.any_id_to_key_id(BLIND_INDEX_KEY_ALIAS)]
    id_mac = hmac.new(key.key_material, b"zhtj:id_number:" + ID.encode(), hashlib.sha256).digest()
    message = b"zhtj:real-name-facts:" + json.dumps(["李晓明", "+8613800138000"], ensure_ascii=False).encode()
    expected = base64.b32encode(hmac.new(id_mac, message, hashlib.sha256).digest()).decode().rstrip("=")
    assert facts == expected
