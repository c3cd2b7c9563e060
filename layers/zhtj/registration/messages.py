"""The registration queue and its message: a registration accepted over HTTP (or a row of an
import), written by the registration worker (registration/worker.py)."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from zhtj.table.queues import Message, Queue


class Person(Message, frozen=True, kw_only=True):
    """The stored form of a person: the ID number only sealed, indexed and masked (every key
    written, a null too)."""

    name: str
    id_sealed: str
    id_index: str
    id_masked: str
    birth_date: str
    sex: str
    ethnicity: str
    political_status: str
    join_month: str
    development_number: str | None
    identity_proof: str | None
    is_cadre: bool
    education: str | None
    occupation: str | None
    income_band: str | None
    phone: str | None


class WriteRegistration(Message, frozen=True, kw_only=True):
    """Write registration `registration_id` of this person at `branch_id` (ISO times and dates).
    Every key is written, a null too, but `paced` until it is set."""

    registration_id: str
    # ACCT-2: the signed-in account it is bound to (None: a row of an import, which has none).
    account_id: str | None = None
    branch_id: str
    previous_id: str | None = None
    submitted_at: str
    admitted_on: str | None = None
    person: Person
    # REG-5: how many times the real-name provider's rate sent it back to the queue (its next
    # delay doubles); UNSET, absent from the JSON, until then (msgspec leaves UNSET fields out).
    paced: int | UnsetType = UNSET


REGISTRATION: Queue[WriteRegistration] = Queue("registration", WriteRegistration)
