"""Demo data for the work list (MSG-4): what awaits the demo branch after `./dev up`, made
through the system's own paths (the transfer waiting on it is infra/local/transfer_demo.py's):

- a registration pending review, written by the registration worker's own code
  (`registration.worker.apply_submission`: the real-name check, the REG-4 claims, the review
  deadline of 5 working days, REV-2's timer, the audit record), of a synthetic applicant;
- an edit request (EDIT-2: a change of political status) opened by the branch's secretary as a
  member, through `changes.edits.edit`.

The work list itself is kept by the table's stream (worklist_stream), which the local runner
reads from its beginning: the items appear once the stack runs.
"""

from __future__ import annotations

import random
from datetime import date

from zhtj.changes import edits
from zhtj.core.clock import new_id, now, today_in_china
from zhtj.core.identity import check_character
from zhtj.members.models import Member
from zhtj.registration import service as registration
from zhtj.registration.form import read_form
from zhtj.registration.messages import WriteRegistration
from zhtj.registration.models import Claim
from zhtj.registration.rules import check_submission
from zhtj.registration.worker import apply_submission
from zhtj.signin.tokens import Principal
from zhtj.table import keys, pii

APPLICANT_NAME = "欧阳晓琳"
# Development numbers the province's demo members never use (theirs: <year>44xxxxxx).
DEVELOPMENT_NUMBER_BASE = 49_000_000


def _free_id_number(rng: random.Random, born: date) -> str:
    """A valid ID number (a woman's) no claim holds yet."""
    while True:
        body = f"440106{born:%Y%m%d}{rng.randrange(0, 500) * 2:03d}"
        number = body + check_character(body)
        if Claim.count(keys.id_claim_pk(pii.blind_index(number))) == 0:
            return number


def pending_registration(branch_id: str, rng: random.Random) -> str:
    """A registration pending review at the branch; returns its id."""
    today = today_in_china()
    born = date(today.year - 20, 3, 1)
    joined = date(max(born.year + 15, 2017), 5, 1)
    submission, _ = read_form(
        {
            "name": APPLICANT_NAME,
            "id_number": _free_id_number(rng, born),
            "ethnicity": "汉族",
            "political_status": "03",
            "join_month": f"{joined:%Y-%m}",
            "branch_id": branch_id,
            "is_cadre": False,
            "development_number": f"{joined.year}{DEVELOPMENT_NUMBER_BASE + rng.randrange(10**6):08d}",
            "phone": f"139{rng.randrange(10**8):08d}",
        }
    )
    facts = check_submission(submission, today)
    registration_id = new_id("r")
    index = pii.blind_index(facts.identity.id_number)
    apply_submission(
        WriteRegistration(
            registration_id=registration_id,
            account_id=None,
            branch_id=branch_id,
            previous_id=None,
            submitted_at=now().isoformat(),
            admitted_on=None,
            person=registration.person_fields(facts, registration_id, index),
        )
    )
    return registration_id


def edit_request(account_id: str, member_id: str) -> str:
    """The member (signed in as themself) asks to change their political status; returns the
    request's id."""
    member = Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)
    wanted = "中共党员" if member.political_status == "02" else "中共预备党员"
    _, request = edits.edit(Principal(account_id, None, member_id=member_id), member_id, {"political_status": wanted})
    assert request is not None
    return str(request.request_id)


def load(branch_id: str, secretary_account_id: str, secretary_member_id: str, seed: int) -> dict[str, str]:
    """The demo branch's pending registration and edit request; their ids by name."""
    rng = random.Random(seed)
    return {
        "pending_registration_id": pending_registration(branch_id, rng),
        "edit_request_id": edit_request(secretary_account_id, secretary_member_id),
    }
