"""zhtj (智慧团建): the Chalice app. Registers one blueprint per capability, attaches
powertools once as middleware, and wires every event handler from chalicefile.json."""

from __future__ import annotations

from zhtj.core import heap

# The API's cold start: no garbage collection while its code loads (zhtj.core.heap.loading).
with heap.loading():
    import zhtj.registry  # noqa: F401  (every item class known to the table's type discriminator)
    from chalicelib import openapi
    from chalicelib.accounts import auth
    from chalicelib.accounts import routes as accounts
    from chalicelib.accounts import wechat as accounts_wechat
    from chalicelib.annual import routes as annual
    from chalicelib.audit import routes as audit
    from chalicelib.awards import routes as awards
    from chalicelib.cards import qr as cards_qr
    from chalicelib.cards import routes as cards
    from chalicelib.changes import deletions, edits, exits
    from chalicelib.deadlines import routes as deadlines
    from chalicelib.dues import offline as dues_offline
    from chalicelib.dues import providers as dues_providers
    from chalicelib.dues import routes as dues
    from chalicelib.http import chalice_answers, register
    from chalicelib.imports import routes as imports
    from chalicelib.life import routes as life
    from chalicelib.members import routes as members
    from chalicelib.messages import routes as messages
    from chalicelib.notices import routes as notices
    from chalicelib.orgs import public as orgs_public
    from chalicelib.orgs import routes as orgs
    from chalicelib.party import routes as party
    from chalicelib.registration import routes as registration
    from chalicelib.search import routes as search
    from chalicelib.stats import routes as stats
    from chalicelib.sweeps import routes as sweeps
    from chalicelib.timers import routes as timers
    from chalicelib.transfers import batches as transfer_batches
    from chalicelib.transfers import proposals as transfer_proposals
    from chalicelib.transfers import routes as transfers
    from chalicelib.wiring import new_app, wire
    from chalicelib.worklist import routes as worklist
    from zhtj.core.manifest import load_manifest

    manifest = load_manifest()
    # Chalice's own answers (405, 500) in the API's shape: the first middleware, so that it wraps
    # the others (the Lambda context in the log, the metrics, the tracer: chalicelib.wiring).
    app = new_app(http_middleware=[chalice_answers])

    # The order of registration is the OpenAPI document's order of paths, and of a path's methods
    # (tests/snapshots/openapi.json holds it byte for byte): add a blueprint at the end.
    for blueprint in (
        cards.bp,  # CARD: the member card, its download and public verification
        cards_qr.bp,  # CARD-2/WEB-1: the verification QR code the member shows on the phone
        accounts.bp,
        accounts_wechat.bp,  # WEB-1, MSG-1: the openid under the official account (JSAPI payments, notifications)
        audit.bp,
        deadlines.bp,  # REV-2: overdue reviews
        timers.bp,  # the working-day calendar the deadlines count in
        dues.bp,
        dues_providers.bp,  # DUES-3: the providers' notifications, reconciliation, anomalies
        imports.bp,
        edits.bp,  # EDIT: a member's edits after approval, join-month corrections
        deletions.bp,  # DEL
        exits.bp,  # EXIT
        openapi.bp,
        orgs.bp,
        registration.bp,
        transfers.bp,
        transfer_batches.bp,  # XFER-6: graduation and batches
        transfer_proposals.bp,  # XFER-2: proposed by an organisation outside the member's subtree
        awards.bp,  # AWARD
        annual.bp,  # the annual records the card shows
        search.bp,  # STAT-3: members and organisations by name fragment or ID number
        stats.bp,  # STAT-1..2: subtree figures, the daily bulletin, findings
        sweeps.bp,  # SWEEP: compliance sweeps and their history
        life.bp,  # LIFE-1: organisation life (三会两制一课)
        party.bp,  # PARTY-1: recommendation to the Party (推优入党)
        dues_offline.bp,  # DUES-5: the online start month, months paid offline, 帮TA交
        auth.bp,  # ACCT: signing up, in and out, password resets, cadres' invitations
        messages.bp,  # MSG-1..2: in-app messages, notification preferences, 催交
        notices.bp,  # MSG-3: notices (通知公告) with attachments and read counts
        worklist.bp,  # MSG-4: the work list (待办)
        orgs_public.bp,  # WEB-1: the public branch lookup and a branch's registration QR link
        members.bp,  # WEB-1: the member's own branch (我的组织) and branch mates (帮TA交)
    ):
        register(app, blueprint)

    # Lambda finds each handler as `app.<name>` (chalice package writes that handler string; the
    # cloud template points the event functions at chalicelib.entry instead, which imports only
    # their own handler). Here a handler module is imported at its function's first event.
    globals().update({name: wire(app, name) for name in manifest.functions})
