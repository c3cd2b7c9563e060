"""The local stack (`./dev up`) as a developer meets it: a process serving the API over real
HTTP, on a moto server that executes state machines, with the runner consuming queues and
firing schedules; and Ctrl-C stopping all of it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests.support.stack import ROOT, RunningStack, start_stack

pytestmark = pytest.mark.e2e


def aws(stack: RunningStack, service: str) -> Any:
    return boto3.client(service, endpoint_url=stack.aws_url, region_name="cn-north-1")


def wait_for(condition: Any, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_the_stack_serves_health_over_real_http(stack: RunningStack) -> None:
    response = requests.get(f"{stack.api_url}/health", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")


def test_the_stack_serves_the_openapi_document(stack: RunningStack) -> None:
    response = requests.get(f"{stack.api_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/health" in document["paths"]


def test_the_stack_provisioned_the_manifest_resources_on_its_moto(stack: RunningStack) -> None:
    assert aws(stack, "dynamodb").describe_table(TableName="zhtj")["Table"]["TableStatus"] == "ACTIVE"
    names = {url.rsplit("/", 1)[1] for url in aws(stack, "sqs").list_queues()["QueueUrls"]}
    assert {"zhtj-tree-maintenance", "zhtj-tree-maintenance-dlq"} <= names


def test_state_machines_really_execute_on_the_stacks_moto(stack: RunningStack) -> None:
    sfn = aws(stack, "stepfunctions")
    definition = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "ResultPath": "$.echoed", "End": True}}}
    arn = sfn.create_state_machine(
        name="e2e-echo", definition=json.dumps(definition), roleArn="arn:aws-cn:iam::123456789012:role/e2e"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=f"e2e-{time.time_ns()}", input='{"a": 1}')
    assert wait_for(lambda: sfn.describe_execution(executionArn=execution["executionArn"])["status"] != "RUNNING")
    result = sfn.describe_execution(executionArn=execution["executionArn"])
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"a": 1, "echoed": {"a": 1}}


def test_the_runner_delivers_queue_messages_to_the_real_handler(stack: RunningStack) -> None:
    sqs = aws(stack, "sqs")
    url = sqs.get_queue_url(QueueName="zhtj-tree-maintenance")["QueueUrl"]
    # A move job that does not exist: the handler finishes it at once.
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"job_id": "e2e-no-such-job"}))
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]

    def drained() -> bool:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return all(attributes[n] == "0" for n in names)

    assert wait_for(drained), stack.log()[-3000:]
    assert wait_for(lambda: "tree_maintenance" in stack.log()), stack.log()[-3000:]


def test_the_runner_fires_the_scheduled_watchdog_at_start(stack: RunningStack) -> None:
    assert wait_for(lambda: "tree_jobs_watchdog" in stack.log() and "scheduled" in stack.log()), stack.log()[-3000:]


def test_demo_logins_open_the_provinces_children(stack: RunningStack) -> None:
    if not stack.demo:
        pytest.skip("the shared stack runs without demo data")
    token = stack.demo["province_admin"]
    response = requests.get(
        f"{stack.api_url}/orgs/{stack.demo['root_org_id']}/children",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_acct_1_acct_3_sign_up_with_the_code_from_the_sms_outbox_then_sign_in(stack: RunningStack) -> None:
    # Given a person asking the local stack for a sign-up code
    phone = "+8613912348888"
    asked = requests.post(f"{stack.api_url}/auth/sms-codes", json={"phone": phone, "purpose": "sign_up"}, timeout=10)
    assert asked.status_code == 202, asked.text
    # When they read it where the local stack keeps what it sent, and sign up with it
    sent = requests.get(f"{stack.api_url}/dev/sms-outbox", params={"phone": phone}, timeout=10).json()["messages"]
    code = sent[0]["params"]["code"]
    body = {"phone": phone, "code": code, "password": "abc12345"}
    signed_up = requests.post(f"{stack.api_url}/auth/sign-up", json=body, timeout=30)
    assert signed_up.status_code == 201, signed_up.text
    # Then they are signed in, and sign in again with the password
    headers = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
    assert requests.get(f"{stack.api_url}/me", headers=headers, timeout=10).status_code == 200
    again = requests.post(f"{stack.api_url}/auth/sign-in", json={"login": phone, "password": "abc12345"}, timeout=30)
    assert again.status_code == 200, again.text


def test_unknown_paths_and_methods_answer_code_message_field_and_never_the_token(stack: RunningStack) -> None:
    """Given the stack, when a path no route has is asked for (with and without a
    token), or a declared path with a method it does not have, then the answer is the API's
    {code, message, field} in Chinese, as the cloud's gateway responses give it, and no
    part of the token comes back (chalice's stand-in for API Gateway used to quote it)."""
    token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1LXRlc3QifQ.c2lnbmF0dXJlLXNlY3JldA"
    cases = [
        ("GET", "/nope", {}, 404, "ROUTE_NOT_FOUND"),
        ("GET", "/nope", {"Authorization": f"Bearer {token}"}, 404, "ROUTE_NOT_FOUND"),
        ("DELETE", "/orgs/o-any", {"Authorization": f"Bearer {token}"}, 405, "METHOD_NOT_ALLOWED"),
    ]
    for method, path, headers, status, code in cases:
        response = requests.request(method, f"{stack.api_url}{path}", headers=headers, timeout=10)
        answer = response.json()
        assert (response.status_code, answer["code"], answer["field"]) == (status, code, None), answer
        assert set(answer) == {"code", "message", "field"}
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["message"]), answer
        assert response.headers["Content-Type"].startswith("application/json")
        assert not any(part in response.text for part in token.split(".")), response.text


def test_stat_1_the_runner_reads_the_table_stream_into_the_statistics(stack: RunningStack) -> None:
    """The demo province's members reach the root's counters through the stream reader of the
    local runner (stats_stream) and moto server's DynamoDB Streams."""
    if not stack.demo:
        pytest.skip("the shared stack runs without demo data")
    token = stack.demo["province_admin"]

    def members() -> int:
        response = requests.get(
            f"{stack.api_url}/orgs/{stack.demo['root_org_id']}/stats",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return int(response.json()["members"]["normal"])

    assert wait_for(lambda: members() >= 20, timeout=90), (members(), stack.log()[-3000:])


def test_msg_4_after_dev_up_the_demo_branch_work_list_shows_its_waiting_tasks(stack: RunningStack) -> None:
    """The demo branch's work list, kept by the runner's second stream reader (worklist_stream),
    over real HTTP: the pending registration, the edit request and the transfer step waiting on
    the branch, counted by kind."""
    if not stack.demo:
        pytest.skip("the shared stack runs without demo data")
    token = stack.demo["branch_secretary"]

    def waiting() -> dict[str, Any]:
        response = requests.get(
            f"{stack.api_url}/orgs/{stack.demo['branch_org_id']}/work-list",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    # A small demo may have no member to move (transfer_demo): then no transfer step.
    expected = {"REGISTRATION", "EDIT"} | ({"TRANSFER"} if "transfer_id" in stack.demo else set())
    assert wait_for(lambda: waiting()["counts"]["total"] >= len(expected), timeout=90), stack.log()[-3000:]
    page = waiting()
    assert {item["kind"] for item in page["items"]} == expected
    assert (page["counts"]["registration"], page["counts"]["edit"]) == (1, 1)


def test_check_mode_starts_checks_and_stops_with_exit_code_0() -> None:
    command = [sys.executable, "-m", "infra.local", "--check", "--no-demo"]
    command += ["--aws-port", "0", "--api-port", "0", "--payments-port", "0"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-check passed" in done.stderr


def test_ctrl_c_stops_the_stack_cleanly_and_frees_its_ports(tmp_path: Path) -> None:
    running = start_stack(tmp_path)
    assert requests.get(f"{running.api_url}/health", timeout=10).status_code == 200
    assert running.interrupt() == 0, running.log()
    log = running.log()
    assert "stopped" in log
    assert "threads still running" not in log
    assert "Traceback" not in log, log
    for url in (running.api_url, running.aws_url):
        host, port = url.removeprefix("http://").split(":")
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, int(port)))


def test_local_stack_stop_leaves_no_thread_running_and_restores_the_environment() -> None:
    # In a process of its own: the stack takes over the process's AWS environment.
    script = textwrap.dedent(
        """
        import os, threading, requests
        from infra.local.stack import LocalStack
        os.environ.pop("AWS_ENDPOINT_URL", None)
        before = set(threading.enumerate())
        with LocalStack(aws_port=0, api_port=0) as stack:
            assert requests.get(stack.api_url + "/health", timeout=10).status_code == 200
            assert stack.runner is not None and stack.runner.running
            assert os.environ["AWS_ENDPOINT_URL"] == stack.aws_url
        left = [t.name for t in threading.enumerate() if t not in before]
        assert not left, left
        assert "AWS_ENDPOINT_URL" not in os.environ
        print("clean")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "clean" in done.stdout, done.stdout + done.stderr
