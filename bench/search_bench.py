"""STAT-3 search at demo scale, in-process: p50/p99 of each kind of query through the logic
layer (`search.search`: authorization, the query, the page) on the demo province at 100,000
members (~10,000 organisations), next to one GetItem of a member record in the same run and the
same moto.

Loading: `infra.local.demo.load` builds the province (the same builders the logic uses:
`set_index_keys`, `name_tokens`, `new_member`, `search_index.index_items`); its batch writes
are handed to moto's backend directly (the items serialized by PynamoDB, as BatchWriteItem
would carry them), which skips only the HTTP-shaped round trip of each 25 items. Then a sample
of members get ID numbers as approval leaves them: the sealed number, blind index and masked
form on the member, the REG-4 claim naming the member, the tokens re-put with the masked
number. A GetItem's cost does not depend on how many claims exist, so a sample suffices.

    .venv/bin/python -m bench.search_bench [members] [id_sample]
"""

from __future__ import annotations

import functools
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)

SAMPLES = 200
WARM_UP = 10


def _percentiles(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) / 1e6, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6, 2),
    }


@contextmanager
def _reads() -> Iterator[dict[str, int]]:
    """Count the AWS requests made meanwhile and the items DynamoDB evaluated for them: the
    figures that carry over to DynamoDB, whose Query reads only its page (moto's reads the
    whole partition)."""
    import botocore.client

    counts = {"requests": 0, "items_read": 0}
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        answer = original(self, operation_name, api_params)
        counts["requests"] += 1
        counts["items_read"] += int(answer.get("ScannedCount", 1 if answer.get("Item") else 0))
        return answer

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original


def _timed(calls: list[Callable[[], Any]]) -> dict[str, float]:
    """Warm up on the first WARM_UP calls (clients, caches), then time each of the others once."""
    warm, calls = calls[:WARM_UP], calls[WARM_UP:]
    for call in warm:
        call()
    samples = []
    with _reads() as counts:
        for call in calls:
            started = time.perf_counter_ns()
            call()
            samples.append(time.perf_counter_ns() - started)
    return {
        **_percentiles(samples),
        "requests_per_call": round(counts["requests"] / len(calls), 1),
        "items_read_per_call": round(counts["items_read"] / len(calls), 1),
    }


@contextmanager
def _straight_into_moto() -> Iterator[None]:
    """Item.batch_write() for the seeding code, storing each item (serialized by PynamoDB, as
    BatchWriteItem carries it) in moto's table at once: no request round trip, no per-item
    validation or stream record (a seeding tool writes no stream, as demo.load's docstring
    says of audit records). moto's index files are dropped after, so queries rebuild them."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.dynamo_type import Item as StoredItem

    from infra import moto_patches
    from zhtj.core.settings import get_settings
    from zhtj.table.base import Item

    settings = get_settings()
    table = dynamodb_backends["123456789012"][settings.region].tables[settings.table_name]

    class Direct:
        def __enter__(self) -> Direct:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def save(self, item: Any) -> None:
            attrs = item.serialize()
            pk, sk = DynamoType(attrs["pk"]), DynamoType(attrs["sk"])
            table.items[pk][sk] = StoredItem(pk, sk, attrs)

    original = Item.batch_write
    Item.batch_write = classmethod(lambda cls, *a, **k: Direct())  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Item.batch_write = original  # type: ignore[method-assign]
        table.__dict__.pop(moto_patches._FILES, None)


def _id_number(i: int) -> str:
    from zhtj.core.identity import check_character

    day = i // 1000  # unique for i below 1000 x 12 x 28 x 8
    body = f"440106{1998 + day // 336 % 8:04d}{1 + day % 12:02d}{1 + day // 12 % 28:02d}{i % 1000:03d}"
    return body + check_character(body)


def _give_id_numbers(members: list[Any], branches: dict[str, Any]) -> list[str]:
    """What approval leaves for a registrant with an ID number, for each sampled member."""
    from zhtj.core.identity import mask_id_number
    from zhtj.names import index as search_index
    from zhtj.registration.models import Claim
    from zhtj.table import keys, pii

    numbers = []
    with _straight_into_moto():
        from zhtj.table.base import Item

        with Item.batch_write() as batch:
            for i, member in enumerate(members):
                number = _id_number(i)
                numbers.append(number)
                member.id_index = pii.blind_index(number)
                member.id_masked = mask_id_number(number)
                member.id_sealed = pii.seal(number, {"purpose": "id_number", "member": member.member_id})
                batch.save(member)
                claim_pk = keys.id_claim_pk(member.id_index)
                batch.save(Claim(claim_pk, keys.META, owner_kind="MEMBER", owner_id=member.member_id))
                for token in search_index.tokens(member, branches[member.branch_id]):
                    batch.save(token)
    return numbers


def run(members: int = 100_000, id_sample: int = 2_000) -> dict[str, Any]:
    from moto import mock_aws

    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)
    from infra import moto_patches

    moto_patches.apply()
    with mock_aws():
        from infra.local import demo
        from infra.provision import provision
        from tests.support.moto_state import reset_caches
        from zhtj.members.models import Member
        from zhtj.orgs.models import Org
        from zhtj.search import service as search
        from zhtj.signin.tokens import Principal
        from zhtj.table import keys, pii

        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
        provision()
        started = time.perf_counter()
        with _straight_into_moto():
            logins = demo.load(members)
        loaded_seconds = round(time.perf_counter() - started, 1)

        # Who searches: the province's administrator (the widest scope) and a city's.
        account_of = {}
        for token_name in ("province_admin", "city_admin"):
            from zhtj.signin.tokens import verify

            account_of[token_name] = verify(f"Bearer {logins[token_name]}").account_id
        province = Principal(account_of["province_admin"], logins["root_org_id"])
        city = Principal(account_of["city_admin"], logins["city_org_id"])

        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends["123456789012"]["cn-north-1"].tables["zhtj"]
        listed: list[Member] = []
        orgs: dict[str, Org] = {}
        token_items = name_token_items = 0
        for item in table.all_items():
            kind = item.attrs.get("kind")
            kind_name = kind.value if kind is not None else None
            if kind_name == "Member":
                listed.append(Member.from_raw_data(item.to_json()["Attributes"]))
            elif kind_name == "Org":
                org = Org.from_raw_data(item.to_json()["Attributes"])
                orgs[org.org_id] = org
            elif kind_name == "MemberNameToken":
                token_items += 1
            elif kind_name == "NameToken":
                name_token_items += 1
        rng = random.Random(7)
        sample = rng.sample(listed, min(id_sample, len(listed)))
        started = time.perf_counter()
        numbers = _give_id_numbers(sample, orgs)
        id_seconds = round(time.perf_counter() - started, 1)

        calls = SAMPLES + WARM_UP
        queried = rng.sample(listed, calls)
        branches = [o for o in orgs.values() if o.org_type == "BRANCH" and not o.system]
        stems = [o.short_name[len(o.short_name) // 3 :][:3] for o in rng.sample(branches, min(calls, len(branches)))]
        in_city = [m for m in listed if orgs[m.branch_id].path.startswith(orgs[logins["city_org_id"]].path)]
        city_queried = rng.sample(in_city, min(calls, len(in_city)))

        pii.reset_clients()  # the indexes computed while giving the numbers: each search pays its KMS call

        def page(principal: Principal, q: str, kind: search.Kind = "member") -> Callable[[], Any]:
            return lambda: search.search(principal, q, kind, None, None, 20)

        # Timed: an ID-number look-up with its audit record and count, not the reader's daily limit.
        daily_limit, search.ID_SEARCHES_PER_DAY = search.ID_SEARCHES_PER_DAY, calls + 1

        figures: dict[str, dict[str, float]] = {
            "baseline_getitem": _timed(
                [functools.partial(Member.get, keys.member_pk(m.member_id), keys.META) for m in queried]
            ),
            "id_number": _timed([page(province, n) for n in rng.sample(numbers, min(calls, len(numbers)))]),
            "member_whole_name": _timed([page(province, m.name) for m in queried]),
            "member_surname_1_char": _timed([page(province, m.name[0]) for m in queried]),
            "member_given_name_fragment": _timed([page(province, m.name[1:3]) for m in queried]),
            "member_whole_name_in_a_city": _timed([page(city, m.name) for m in city_queried]),
            "branch_name_fragment": _timed([page(province, stem, "branch") for stem in stems]),
        }
        hits = search.search(province, queried[0].name, "member", None, None, 20)[0]
        assert any(h.id == queried[0].member_id for h in hits), "a sampled member is not found by their name"
        assert search.search(province, numbers[0], "member", None, None, 20)[0][0].id == sample[0].member_id
        search.ID_SEARCHES_PER_DAY = daily_limit
        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
    baseline = figures["baseline_getitem"]
    rows = [
        [
            f"search {kind.replace('_', ' ')} (in-process moto, {members:,} members), {q[:3]}",
            f"{value[q]} ms",
            f"GetItem {baseline[q]} ms",
            f"{value[q] / max(baseline[q], 0.001):.1f}x",
        ]
        for kind, value in figures.items()
        if kind != "baseline_getitem"
        for q in ("p50_ms", "p99_ms")
    ]
    rows += [
        [
            f"search {kind.replace('_', ' ')}: requests (items read) per query",
            f"{value['requests_per_call']} ({value['items_read_per_call']})",
            f"GetItem {baseline['requests_per_call']} ({baseline['items_read_per_call']})",
            f"{value['items_read_per_call'] / max(baseline['items_read_per_call'], 0.001):.1f}x items",
        ]
        for kind, value in figures.items()
        if kind != "baseline_getitem"
    ]
    return {
        "members": len(listed),
        "organisations": len(orgs),
        "member_token_items": token_items,
        "tokens_per_member": round(token_items / max(1, len(listed)), 2),
        "org_name_token_items": name_token_items,
        "load_seconds": loaded_seconds,
        "id_numbers_given": len(numbers),
        "id_seconds": id_seconds,
        "figures": figures,
        "rows": rows,
    }


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    print(json.dumps(run(*arguments), ensure_ascii=False))
