"""Helpers shared by the tests (no test module imports another, nor a conftest): one module per
subject. The names most tests use are re-exported here (`from tests.support import World, call`);
the others are imported from their module (`from tests.support.transfers import start`).

- world.py: the small province (`World`, `build_world`, `org_body`), members as the system
  makes them (`enrol`, `without_cards`, `han_number`, `world_registrations`)
- http.py: a request through the Chalice test client (`call`), a member's own headers
- queues.py: a queue or the table's stream delivered in-process (`drain`, `drain_stream`)
- registration.py: ID numbers (`make_id`, `complete_id`), the form, a registration delivered
- transfers.py, awards.py, dues.py, cards.py, imports.py, stats.py, deadlines.py, life.py: each
  capability's steps through the API, and what its tests read back
- faults.py: redelivery and dead letters for the fault tests (`settle`, `assert_poison_only`)
- sessions.py: sessions opened through the sign-in logic, never over HTTP (`session_token`,
  `applicant_headers`, `applicant_principal`); accounts.py: signing up and cadre invitations
  through the API (`signed_up`, `invite`, `invited_cadre`)
- sms.py: the SMS outbox every test sends to (`outbox`, `last_code`, `clear`), and the
  providers' HTTP intercepted (`intercept_http`) for the adapters' tests
- messages.py: notifications delivered at a chosen China time (`deliver`, the `settled` fixture),
  an inbox (`inbox`, `of_kind`), a member owing dues (`owe_dues`); wechat.py: the WeChat
  simulator every test sends to (`outbox`, `bind` an openid over HTTP, `refuse`)
- stack.py: the local stack in a subprocess, for the e2e tests (`start_stack`, `applicants` made
  on its moto)
- moto_state.py: saved in-process moto states (the `aws` fixture's speed)
- plaintext_ids.py: the whole run watched for plaintext ID numbers (tests/conftest.py)
- chalice_wsgi.py: the Chalice app as a WSGI app, for schemathesis
"""

from tests.support.cards import card_verify_urls
from tests.support.dues import pay_dues
from tests.support.http import call
from tests.support.queues import drain, drain_stream
from tests.support.world import World, build_world, enrol, han_number, org_body, without_cards, world_registrations

__all__ = [
    "World",
    "build_world",
    "call",
    "card_verify_urls",
    "drain",
    "drain_stream",
    "enrol",
    "han_number",
    "org_body",
    "pay_dues",
    "without_cards",
    "world_registrations",
]
