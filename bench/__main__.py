"""The benchmark report: `./dev bench` (or `python -m bench`).

Every figure is printed next to a baseline measured in the same run on the same machine and
the same moto, and written as JSON to bench/results/latest.json so that runs can be compared.
Figures, not verdicts: nothing here fails on a number. `./dev bench --only import,cold_import`
runs and reports those parts alone (their figures replace theirs in latest.json).

- registration burst: registrations/s end to end (HTTP -> queue -> worker -> table, through the
  local stack's runner) next to the raw PutItem rate of the same moto server, and the CPU both
  processes spend per registration next to per raw PutItem (what bounds the rate on a CPU-bound
  machine, whatever else the machine runs); both measured once the stack has settled (the demo's
  leftovers take 60-130 % of a core for ≈ 15 s after it starts); moto's server keeps
  connections alive (infra/local/moto_process.py). Why the ratio stays near 1 / (the ≈ 7 AWS
  requests of a registration): docs/capacity.md, "The burst through the local stack";
- DynamoDB requests per register + approve, counted at botocore's request level, next to the
  items the use case must write (the floor);
- bulk import: rows/s of a 10,000-row workbook through the import worker (in-process moto), next
  to the raw PutItem rate; and the process's CPU per row next to per raw PutItem (the rate on a
  machine whose cores other work shares);
- payment notifications: p50/p99 of verify (+ decrypt for WeChat) per notification in-process,
  per provider, next to a bare RSA verification of the same signed bytes (bench/payments_bench.py);
- dues notifications: p50/p99 of verify + apply (the webhook path, one transaction) per
  notification in-process, next to verify alone on the same notifications (bench/dues_bench.py);
- cold import: every function of the manifest imported in a fresh interpreter as Lambda imports
  it (an event function's `chalicelib.entry.<name>`, the API's `app.app`), CPU time, next to
  importing boto3, powertools, pynamodb and pydantic alone (and alone without garbage collection,
  as our entries import); the heaviest event function and the API are printed, the API twice: its
  import, and its import with its first request served (its route's module is imported then:
  chalicelib/routing.py) (bench/cold_import.py);
- statistics and sweep: the DynamoDB requests (and time) of reading the root's figures next to
  a branch's, and the whole compliance sweep next to one bare parallel Scan of the same table
  (bench/stats_bench.py);
- member card: render time and PDF size of a long-history card next to a minimal one-page PDF
  from the same library and font, and the worker's whole step per card (bench/card_bench.py);
- search (STAT-3): p50/p99 of each kind of query (ID number, whole name, one character, a
  fragment, in a city, an organisation name) on the demo province at 100,000 members, and the
  requests and items each reads, next to one GetItem (bench/search_bench.py);
- graduation batch (XFER-6): a class of 300 graduates moved in one batch (5% refused for
  unpaid dues), time per graduate next to a batch of 30 in the same run (bench/graduation_bench.py);
- messages (MSG-1): the requests of one's unread count and of a page of messages; the
  notification worker's deliveries/s (in-app and SMS) next to the raw SendMessage and PutItem
  rates of the same moto (bench/messages_bench.py);
- web (WEB-1..3): each app's first screen, gzipped JavaScript and CSS from the Vite manifest,
  next to Vue + the router alone built in the same run; Lighthouse's desktop performance and
  accessibility scores of both sign-in pages on a local stack (bench/web_bench.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]


@contextmanager
def counted_requests() -> Iterator[Counter[str]]:
    """Count every AWS request this process sends, by service and operation (a hook on the
    request-created event of every botocore client made meanwhile)."""
    import botocore.client

    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        counts[f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original


def requests_per_register_and_approve() -> dict[str, Any]:
    """In-process moto: one registration submitted, written by the worker, approved."""
    from moto import mock_aws

    import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)
    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)
    from bench import people
    from infra import moto_patches

    moto_patches.apply()
    with mock_aws():
        from chalice.test import Client

        from app import app
        from infra.provision import provision
        from tests.support import build_world
        from tests.support.sessions import applicant_headers
        from zhtj.registration import service as registration
        from zhtj.registration.messages import REGISTRATION
        from zhtj.table import queues
        from zhtj.table.queues import queue_url

        provision()
        world = build_world()
        branch = world.orgs["huajing"]
        with Client(app) as client:
            client.http.post(
                "/registrations",
                headers=applicant_headers(),
                body=json.dumps(people.person(0, branch)),
            )  # warm caches (KMS data key, clients)
            applicant = applicant_headers()
            import boto3

            sqs = boto3.client("sqs")
            url = queue_url(REGISTRATION.name)
            for m in sqs.receive_message(QueueUrl=url).get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            with counted_requests() as submit_counts:
                answer = client.http.post(
                    "/registrations",
                    headers=applicant,
                    body=json.dumps(people.person(1, branch)),
                )
                registration_id = json.loads(answer.body)["registration_id"]
            message = sqs.receive_message(QueueUrl=url)["Messages"][0]
            with counted_requests() as worker_counts:
                registration.apply_submission(REGISTRATION.parse(message["Body"]))
            # Signed in before the count (signing in is not the approval); the approval's check of
            # that session is counted.
            reviewer = world.headers("huajing")
            with counted_requests() as approve_counts:
                client.http.post(f"/registrations/{registration_id}/approve", headers=reviewer)
        queues.reset_clients()

    def dynamo(counts: Counter[str]) -> int:
        return sum(n for op, n in counts.items() if op.startswith("dynamodb:"))

    total = dynamo(submit_counts) + dynamo(worker_counts) + dynamo(approve_counts)
    return {
        "dynamodb_requests": {
            "submit": dynamo(submit_counts),
            "worker": dynamo(worker_counts),
            "approve": dynamo(approve_counts),
            "total": total,
        },
        "all_requests": {"submit": dict(submit_counts), "worker": dict(worker_counts), "approve": dict(approve_counts)},
        # The floor: the worker's one transaction and the approval's one transaction.
        "floor_transactions": 2,
    }


def _cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of process `pid` (Linux: /proc), in seconds."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def registration_burst(count: int) -> dict[str, Any]:
    """Through the local stack (moto server, HTTP API, runner), in this process. Besides the
    rates, the CPU both processes (this one: the API, the runner and the posting threads; moto's)
    spend per registration and per raw PutItem: what bounds the rate on a CPU-bound machine, and
    what the machine's other load does not change."""
    import boto3
    import requests

    from bench import people
    from infra.local.stack import LocalStack
    from tests.support.sessions import applicant_headers

    with LocalStack(aws_port=0, api_port=0, demo_scale=20) as stack:
        assert stack.demo is not None
        branch = stack.demo["branch_org_id"]
        moto_pid = stack.moto_pid()

        def cpu() -> float:
            return _cpu_seconds() + _cpu_seconds(moto_pid)

        settled_after = _settle(cpu)
        table = boto3.client("dynamodb", endpoint_url=stack.aws_url)

        def put(i: int) -> None:
            table.put_item(
                TableName="zhtj", Item={"pk": {"S": f"BENCH#{i}"}, "sk": {"S": "META"}, "payload": {"S": "x" * 600}}
            )

        spent = cpu()
        raw = _rate(put, count, threads=8)
        put_cpu = (cpu() - spent) / count

        def pending() -> int:
            total = 0
            for page in table.get_paginator("query").paginate(
                TableName="zhtj",
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :b",
                ExpressionAttributeValues={":b": {"S": f"BRANCHREG#{branch}"}},
                Select="COUNT",
            ):
                total += page["Count"]
            return total

        # ACCT-2: each registration comes from its own signed-in account (made before the clock starts).
        applicants = [applicant_headers() for _ in range(count)]
        session = requests.Session()
        spent = cpu()
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda i: session.post(
                        f"{stack.api_url}/registrations",
                        json=people.person(i, branch),
                        headers=applicants[i],
                        timeout=60,
                    ),
                    range(count),
                )
            )
        accepted = time.perf_counter() - started
        while pending() < count:
            time.sleep(0.5)
        settled = time.perf_counter() - started
        registration_cpu = (cpu() - spent) / count
    return {
        "registrations": count,
        "accepted_per_second": round(count / accepted, 1),
        "end_to_end_per_second": round(count / settled, 1),
        "raw_putitem_per_second": raw,
        "end_to_end_vs_putitem": round(count / settled / raw, 3),
        # CPU of both processes (milliseconds): a registration end to end, a raw PutItem.
        "cpu_ms_per_registration": round(registration_cpu * 1000, 2),
        "cpu_ms_per_putitem": round(put_cpu * 1000, 2),
        "putitem_vs_registration_cpu": round(put_cpu / registration_cpu, 3),
        "settled_after_seconds": settled_after,
    }


def _settle(cpu: Callable[[], float], quiet: float = 0.15, limit: float = 90.0) -> float:
    """Wait until the stack is idle: the demo's leftovers (first cards, the statistics stream,
    the schedules' first firings) take ≈ 15 s of one to two cores after the stack starts, and
    would be counted against whichever figure runs meanwhile. Idle: both processes together
    under `quiet` of a core over a second (the runner's idle long polls take ≈ 6 %). Returns
    the seconds waited (`limit` at most)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        before, at = cpu(), time.perf_counter()
        time.sleep(1.0)
        if (cpu() - before) / (time.perf_counter() - at) < quiet:
            break
    return round(time.perf_counter() - started, 1)


def _rate(operation: Callable[[int], None], count: int, threads: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(operation, range(count)))
    return round(count / (time.perf_counter() - started), 1)


def import_rows(rows: int) -> dict[str, Any]:
    """The import runs against in-process moto, so its baseline is PutItem on in-process moto."""
    import boto3
    from moto import mock_aws

    from bench import import_bench
    from infra.provision import create_table

    figures = import_bench.run(rows)
    with mock_aws():
        session = boto3.Session()
        create_table(session)
        table = session.client("dynamodb")

        def put(i: int) -> None:
            table.put_item(
                TableName="zhtj", Item={"pk": {"S": f"BENCH#{i}"}, "sk": {"S": "META"}, "payload": {"S": "x" * 600}}
            )

        cpu = time.process_time()
        figures["raw_putitem_per_second"] = _rate(put, 2000, threads=1)
        figures["cpu_ms_per_putitem"] = round((time.process_time() - cpu) / 2000 * 1000, 3)
    figures["putitem_vs_row_cpu"] = round(figures["cpu_ms_per_putitem"] / figures["cpu_ms_per_row"], 3)
    return figures


def _payments_verify() -> dict[str, Any]:
    from bench import payments_bench

    return payments_bench.run(2000)


def _dues_apply() -> dict[str, Any]:
    from bench import dues_bench

    return dues_bench.run(200)


def _sign_in() -> dict[str, Any]:
    from bench import signin_bench

    return signin_bench.run(50)


def _search(members: int) -> dict[str, Any]:
    from bench import search_bench

    return search_bench.run(members)


def _card_render() -> dict[str, Any]:
    from bench import card_bench

    return card_bench.run(30)


def _cold_import() -> dict[str, Any]:
    from bench import cold_import

    return cold_import.run(5)


def _graduation(graduates: int) -> dict[str, Any]:
    from bench import graduation_bench

    return graduation_bench.run(graduates)


def _messages() -> dict[str, Any]:
    from bench import messages_bench

    return messages_bench.run(300)


def _notices(members: int) -> dict[str, Any]:
    from bench import notices_bench

    return notices_bench.one_scale(members)


def _web() -> dict[str, Any]:
    from bench import web_bench

    return web_bench.run()


def _stats_sweep(members: int) -> dict[str, Any]:
    from bench import stats_bench

    return stats_bench.run(members)


PARTS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "requests_per_register_approve": lambda args: requests_per_register_and_approve(),
    "registration_burst": lambda args: registration_burst(args.registrations),
    "import": lambda args: import_rows(args.import_rows),
    "payments_verify": lambda args: _payments_verify(),
    "card_render": lambda args: _card_render(),
    "dues_apply": lambda args: _dues_apply(),
    "stats_sweep": lambda args: _stats_sweep(args.stats_members),
    "cold_import": lambda args: _cold_import(),
    "search": lambda args: _search(args.search_members),
    "graduation_batch": lambda args: _graduation(args.graduates),
    "sign_in": lambda args: _sign_in(),
    "messages": lambda args: _messages(),
    "notices": lambda args: _notices(args.notices_members),
    "web": lambda args: _web(),
}


def _rows(figures: dict[str, Any]) -> list[tuple[str, ...]]:
    """The report's rows (figure, value, baseline, ratio) of the parts run."""
    rows: list[tuple[str, ...]] = []
    if "registration_burst" in figures:
        burst = figures["registration_burst"]
        rows += [
            (
                "registration burst, end to end",
                f"{burst['end_to_end_per_second']}/s",
                f"raw PutItem {burst['raw_putitem_per_second']}/s",
                f"{burst['end_to_end_vs_putitem']}x",
            ),
            (
                "registration burst, accepted (HTTP 202)",
                f"{burst['accepted_per_second']}/s",
                f"raw PutItem {burst['raw_putitem_per_second']}/s",
                f"{burst['accepted_per_second'] / burst['raw_putitem_per_second']:.3f}x",
            ),
            (
                "registration burst, CPU per registration (both processes)",
                f"{burst['cpu_ms_per_registration']} ms",
                f"per raw PutItem {burst['cpu_ms_per_putitem']} ms",
                f"{burst['putitem_vs_registration_cpu']}x",
            ),
        ]
    if "import" in figures:
        imported = figures["import"]
        rows.append(
            (
                "bulk import, rows (in-process moto)",
                f"{imported['rows_per_second']}/s",
                f"raw PutItem {imported['raw_putitem_per_second']}/s",
                f"{imported['rows_per_second'] / imported['raw_putitem_per_second']:.3f}x"
                f" ({imported['rows']} rows, {imported['seconds']}s)",
            )
        )
        rows.append(
            (
                "bulk import, CPU per row (in-process moto)",
                f"{imported['cpu_ms_per_row']} ms",
                f"per raw PutItem {imported['cpu_ms_per_putitem']} ms",
                f"{imported['putitem_vs_row_cpu']}x",
            )
        )
    if "requests_per_register_approve" in figures:
        counted = figures["requests_per_register_approve"]
        rows.append(
            (
                "DynamoDB requests per register+approve (submit+worker+approve)",
                "{total} ({submit}+{worker}+{approve})".format(**counted["dynamodb_requests"]),
                f"floor {counted['floor_transactions']} transactions",
                f"{counted['dynamodb_requests']['total'] / counted['floor_transactions']:.1f}x",
            )
        )
    for part in ("payments_verify", "card_render", "dues_apply", "cold_import"):
        if part in figures:
            rows += [tuple(row) for row in figures[part]["rows"]]
    if "stats_sweep" in figures:
        swept = figures["stats_sweep"]
        root, branch = swept["read_root"], swept["read_branch"]
        rows += [
            (
                f"statistics read at the root ({swept['members']} members), DynamoDB requests",
                str(root["dynamodb_requests"]),
                f"a branch: {branch['dynamodb_requests']}",
                f"{root['dynamodb_requests'] / branch['dynamodb_requests']:.1f}x",
            ),
            (
                "statistics read at the root, p50",
                f"{root['p50_ms']} ms",
                f"a branch: {branch['p50_ms']} ms",
                f"{root['p50_ms'] / branch['p50_ms']:.1f}x",
            ),
            (
                f"compliance sweep + recount ({swept['table_items']} items)",
                f"{swept['sweep_seconds']}s",
                f"parallel Scan {swept['scan_seconds']}s",
                f"{swept['sweep_vs_scan']}x (drift {swept['drift']})",
            ),
        ]
    for part in ("search", "graduation_batch"):
        if part in figures:
            rows += [tuple(row) for row in figures[part]["rows"]]
    if "notices" in figures:
        notices = figures["notices"]
        rows.append(
            (
                f"notice published to the root's subtree ({notices['members']} members)",
                f"{notices['publish_ms']} ms ({notices['publish_cpu_ms']} ms CPU)",
                f"one PutItem {notices['one_put_item_ms']} ms ({notices['one_put_item_cpu_ms']} ms CPU)",
                f"{round(notices['publish_cpu_ms'] / max(notices['one_put_item_cpu_ms'], 0.001), 1)}x CPU",
            )
        )
    if "web" in figures:
        from bench import web_bench

        rows += web_bench.rows(figures["web"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--registrations", type=int, default=500, help="registrations in the burst")
    parser.add_argument("--import-rows", type=int, default=10000, help="rows of the bulk-import workbook")
    parser.add_argument("--search-members", type=int, default=100_000, help="members of the STAT-3 search province")
    parser.add_argument("--stats-members", type=int, default=100_000, help="demo members for the statistics part")
    parser.add_argument("--graduates", type=int, default=300, help="graduates in the XFER-6 graduation batch")
    parser.add_argument(
        "--notices-members",
        type=int,
        default=100_000,
        help="demo members for the notices part (its load ≈ 4 minutes of CPU at 100,000)",
    )
    parser.add_argument("--part", choices=sorted(PARTS), help="run one part and print its JSON (used internally)")
    parser.add_argument(
        "--only", type=lambda text: text.split(","), help="comma-separated parts: the report of those alone"
    )
    args = parser.parse_args()
    if args.part:
        print(json.dumps(PARTS[args.part](args)))
        return
    unknown = set(args.only or ()) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))} (parts: {', '.join(PARTS)})")
    # Each part in its own process: the local stack points a whole process at its moto server.
    figures: dict[str, Any] = {}
    for part in [p for p in PARTS if not args.only or p in args.only]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench",
                "--part",
                part,
                "--registrations",
                str(args.registrations),
                "--import-rows",
                str(args.import_rows),
                "--search-members",
                str(args.search_members),
                "--stats-members",
                str(args.stats_members),
                "--graduates",
                str(args.graduates),
                "--notices-members",
                str(args.notices_members),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        figures[part] = json.loads(done.stdout.strip().splitlines()[-1])
    rows = _rows(figures)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{width}}  {'value':>12}  {'baseline (same run)':<28}  ratio")
    for name, value, baseline, ratio in rows:
        print(f"{name:<{width}}  {value:>12}  {baseline:<28}  {ratio}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if args.only and RESULTS.exists():  # the other parts' last figures stay
        figures = {**json.loads(RESULTS.read_text(encoding="utf-8")), **figures}
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
