"""The layer's AWS clients name the application in a fixed User-Agent (zhtj.table.clients)."""

from __future__ import annotations

from typing import Any

from zhtj.table import clients, pii, queues, unit_of_work
from zhtj.table.audit_record import AuditRecord
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork


def _sent_user_agents(client: Any) -> list[str]:
    sent: list[str] = []
    client.meta.events.register(
        "before-send", lambda request, **_: sent.append(request.headers["User-Agent"].decode("utf-8"))
    )
    return sent


def test_kms_and_the_transactions_send_the_applications_user_agent(aws: None) -> None:
    # Given the KMS client of the blind index and the transactions' DynamoDB client
    kms_sent = _sent_user_agents(pii._kms())
    table_sent = _sent_user_agents(unit_of_work._connection().client)
    # When an ID number is indexed and a change is written
    pii.blind_index("11010519491231002X")
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.audit("test.clients", "TEST", "t1", "o1")
    uow.commit()
    # Then each request named the application, as built once (not botocore's per-request header)
    assert len(kms_sent) == len(table_sent) == 1
    for sent in (kms_sent[0], table_sent[0]):
        assert sent.startswith(clients.USER_AGENT)
        assert "ua/2" not in sent
    assert AuditRecord.count("AUDIT#TEST#t1") == 1


def test_every_client_of_the_layer_is_built_with_it(aws: None) -> None:
    assert queues._sqs().meta.config.user_agent.startswith(clients.USER_AGENT)
    assert clients.aws("s3", signature_version="s3v4").meta.config.signature_version == "s3v4"
