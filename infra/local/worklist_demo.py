"""Demo data for the work list (MSG-4): what awaits the demo branch after `./dev up`, made
through the system's own paths (the transfer waiting on it is infra/local/transfer_demo.py's):

- a registration pending review, written by the registration worker's own code
  (`registration.worker.apply_submission`: the real-name check, the REG-4 claims, the review
  deadline of 5 working days, REV-2's timer, the audit record), of a synthetic applicant;
- an edit request (EDIT-2: a change of political status) opened by the branch's secretary as a
  member, through `changes.edits.edit`;
- at another branch (so that the demo branch's work list keeps its one registration), a
  registration whose real-name check failed twice (REG-5), waiting for the branch to check the
  person offline with a photo: the provider's two "no" answers for its facts are kept as the
  provider's verdicts are (RealNameVerdict), then the registration worker's own code writes it
  (its first check served by the kept verdict: re-check scheduled) and the re-check runs as its
  timer runs it (`identity_check.recheck`: failed again).

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
from zhtj.registration import identity_check
from zhtj.registration import service as registration
from zhtj.registration.form import read_form
from zhtj.registration.messages import WriteRegistration
from zhtj.registration.models import Claim, RealNameVerdict
from zhtj.registration.rules import check_submission
from zhtj.registration.worker import apply_submission
from zhtj.signin.tokens import Principal
from zhtj.table import keys, pii

APPLICANT_NAME = "欧阳晓琳"
FAILED_APPLICANT_NAME = "司徒雅婷"
# Development numbers the province's demo members never use (theirs: <year>44xxxxxx).
DEVELOPMENT_NUMBER_BASE = 49_000_000


def _free_id_number(rng: random.Random, born: date) -> str:
    """A valid ID number (a woman's) no claim holds yet."""
    while True:
        body = f"440106{born:%Y%m%d}{rng.randrange(0, 500) * 2:03d}"
        number = body + check_character(body)
        if Claim.count(keys.id_claim_pk(pii.blind_index(number))) == 0:
            return number


def pending_registration(branch_id: str, rng: random.Random, name: str = APPLICANT_NAME) -> str:
    """A registration pending review at the branch; returns its id."""
    return _submit(branch_id, rng, name, refused_twice=False)


def failed_registration(branch_id: str, rng: random.Random) -> str:
    """REG-5: a registration pending review at the branch whose real-name check failed twice
    (awaiting the branch's offline check with a photo); returns its id."""
    registration_id = _submit(branch_id, rng, FAILED_APPLICANT_NAME, refused_twice=True)
    identity_check.recheck(registration_id)  # the second attempt, as its timer runs it
    return registration_id


def _submit(branch_id: str, rng: random.Random, name: str, refused_twice: bool) -> str:
    today = today_in_china()
    born = date(today.year - 20, 3, 1)
    joined = date(max(born.year + 15, 2017), 5, 1)
    id_number, phone = _free_id_number(rng, born), f"139{rng.randrange(10**8):08d}"
    submission, _ = read_form(
        {
            "name": name,
            "id_number": id_number,
            "ethnicity": "汉族",
            "political_status": "03",
            "join_month": f"{joined:%Y-%m}",
            "branch_id": branch_id,
            "is_cadre": False,
            "development_number": f"{joined.year}{DEVELOPMENT_NUMBER_BASE + rng.randrange(10**6):08d}",
            "phone": phone,
        }
    )
    facts = check_submission(submission, today)
    registration_id = new_id("r")
    index = pii.blind_index(facts.identity.id_number)
    person = registration.person_fields(facts, registration_id, index)
    if refused_twice:  # the provider's two answers for these facts, kept as identity_check keeps them
        at = now()
        facts_key = pii.facts_index(person.name, facts.identity.id_number, person.phone)
        RealNameVerdict(
            keys.realname_verdict_pk(facts_key),
            keys.META,
            first=False,
            second=False,
            checked_at=at,
            expires_at=at + identity_check.VERDICT_KEEP,
        ).save()
    apply_submission(
        WriteRegistration(
            registration_id=registration_id,
            account_id=None,
            branch_id=branch_id,
            previous_id=None,
            submitted_at=now().isoformat(),
            admitted_on=None,
            person=person,
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


def load(
    branch_id: str, secretary_account_id: str, secretary_member_id: str, seed: int, offline_branch_id: str | None = None
) -> dict[str, str]:
    """The demo branch's pending registration and edit request, and another branch's
    registration awaiting the offline check; their ids by name."""
    rng = random.Random(seed)
    work = {
        "pending_registration_id": pending_registration(branch_id, rng),
        "edit_request_id": edit_request(secretary_account_id, secretary_member_id),
    }
    if offline_branch_id:
        work["failed_registration_id"] = failed_registration(offline_branch_id, rng)
    return work
