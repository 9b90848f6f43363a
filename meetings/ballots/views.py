"""The meeting page's ballot, the vote form, the chair's page and the polled state.

Every vote goes through `cast_vote`; every chair action through `open_item`,
`close_item` or `rerun_item`; who may chair is decided by `MeetingPage.may_chair`.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from cms.exports import PersonalData, csv_response, private_file
from meetings.attendance.quorum import quorum_now, quorums_at_opening
from meetings.attendance.register import present_count
from meetings.ballots.board import add_proxy_ballots, board
from meetings.ballots.casting import (
    REFUSED_AGAIN,
    VOTE_LIMIT_RETRY_AFTER,
    VOTE_LIMITED,
    VoteRefused,
    cast_vote,
    has_voted,
    over_vote_limit,
    receipt_from_signed,
    signed_receipt,
    vote_reads,
    vote_target,
)
from meetings.ballots.chairing import (
    ChairRefused,
    close_item,
    log_chair_action,
    open_item,
    rerun_item,
)
from meetings.ballots.declared import acclaim_item, add_outside_counts, enter_outside_count
from meetings.ballots.live import cached_now_state
from meetings.ballots.models import (
    BallotItem,
    ChairAction,
    RecordedVote,
    ScrutineerKey,
    VoterRecord,
    delegate_weight,
)
from meetings.ballots.ranked_items import RankingRefused, ranked_csv_rows, ranking_from_form
from meetings.ballots.results import (
    RECEIPT_CHECKS_LIMITED,
    closed_item,
    counted_receipts_text,
    over_receipt_check_limit,
    receipt_is_counted,
    receipt_shape,
)
from meetings.ballots.sealing import current_meeting_key, is_unlocked
from meetings.ballots.shared_section import (
    read_pass,
    section_pass,
    shared_section,
    shares_section,
)
from meetings.floor.business import (
    candidates_by_item,
    close_and_open_next,
    floor_records,
    move_down,
    move_up,
    next_draft,
)
from meetings.proxies.rules import member_proxies
from members.audience import signed_in_member, signed_in_voter


def is_fetch(request):
    """The page's script asks for the ballot fragment instead of a whole page."""
    return request.headers.get("X-Requested-With") == "fetch"


def section_rows(meeting, member):
    """The ballot section's rows for this member (None: for no member), in the order the
    section shows them: what the member must do now first, then results, then what is to
    come."""
    # Draft items are named alone (their titles), so their choices are not read.
    rows = board(meeting, member, drafts=False)
    open_rows = [row for row in rows if row.item.state == BallotItem.State.OPEN]
    closed_rows = [row for row in rows if row.item.state == BallotItem.State.CLOSED]
    return {
        "board": rows,
        "open_rows": open_rows,
        "closed_rows": closed_rows,
        # With nothing open, the latest result is the news: shown unfolded.
        "unfolded_result": closed_rows[-1].item.pk if closed_rows and not open_rows else None,
        "later": [row for row in rows if row.item.state == BallotItem.State.DRAFT],
    }


def ballot_context(request, meeting, eligibility, proxies=None):
    """What the ballot section shows the member. `proxies`: the member's
    `member_proxies`, when the page has read them already."""
    member = signed_in_member(request)
    # Read before the items: the section is then never older than the version it carries.
    now_version = cached_now_state(meeting.pk)["version"]
    # A receipt is shown once, on the page that follows the vote.
    receipts = receipts_to_show(request, meeting, member) if eligibility else {}
    context = section_rows(meeting, member if eligibility else None)
    for row in context["board"]:
        row.receipt = receipts.get(str(row.item.pk))
        if row.receipt:
            row.signed_receipt = signed_receipt(member, row.item, row.receipt)
    open_rows = context["open_rows"]
    if eligibility and proxies is None:
        proxies = member_proxies(meeting.pk, member)
    held = proxies.held if eligibility else ()
    if held and open_rows:
        add_proxy_ballots(open_rows, held)
        for row in open_rows:
            for ballot in row.proxy_ballots:
                key = receipt_cookie_key(row.item, ballot.held.giver_member_id)
                ballot.receipt = receipts.get(key)
    vote_weight = delegate_weight(meeting.pk, member) if eligibility else 1
    shares = shares_section(eligibility, held, vote_weight)
    context.update(
        can_vote=bool(eligibility) and meeting.room_is_open(),
        vote_weight=vote_weight,
        now_version=now_version,
        # The page's script fetches the shared section with this when the agenda moves.
        section_pass=section_pass(meeting) if shares else None,
    )
    return context


def receipt_cookie_key(item, on_behalf_of=None):
    """What follows the cookie prefix: the item, and the giver for a proxy's ballot."""
    return f"{item.pk}-for-{on_behalf_of}" if on_behalf_of else str(item.pk)


def ballot_fragment(request, meeting):
    member = signed_in_member(request)
    eligibility = meeting.eligibility(member)
    context = {"page": meeting, "eligibility": eligibility, "request": request}
    context.update(ballot_context(request, meeting, eligibility))
    # The closed items' results, as on the page (cms/shared_parts.py).
    parts = context["shared_parts"] = meeting.shared_parts(
        request, eligibility, meeting.room_is_open(), context["board"]
    )
    response = render(request, "meetings/includes/ballot.html", context)
    if parts is not None:
        parts.save()
    patch_cache_control(response, private=True, no_cache=True)
    forget_shown_receipts(request, response)
    return response


# Receipts after the plain form --------------------------------------------------------
#
# Without JavaScript the vote redirects back to the meeting page, which shows the receipt
# once. The receipt waits for it in a signed cookie in the member's own browser, scoped to
# the meeting page's path: never in the session, where the database (and the session cache)
# would hold the account beside a code that names the ballot.

RECEIPT_COOKIE_PREFIX = "ballot-receipt-"
RECEIPT_COOKIE_AGE = 600  # seconds: the redirect follows at once


def _receipt_salt(member):
    # A receipt cookie left in a shared browser is never shown to another member.
    return f"ballot-receipt:{member.pk}"


def _meeting_path(meeting):
    return urlsplit(meeting.url).path


def remember_receipt(response, meeting, member, item, receipt, on_behalf_of=None):
    response.set_signed_cookie(
        f"{RECEIPT_COOKIE_PREFIX}{receipt_cookie_key(item, on_behalf_of)}",
        receipt,
        salt=_receipt_salt(member),
        max_age=RECEIPT_COOKIE_AGE,
        path=_meeting_path(meeting),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def receipts_to_show(request, meeting, member):
    """{item id: receipt} waiting in this browser for the member. `forget_shown_receipts`
    then removes the cookies from the response, so each receipt is shown once."""
    receipts = {}
    names = [name for name in request.COOKIES if name.startswith(RECEIPT_COOKIE_PREFIX)]
    for name in names:
        receipt = request.get_signed_cookie(
            name, default=None, salt=_receipt_salt(member), max_age=RECEIPT_COOKIE_AGE
        )
        if receipt:
            receipts[name.removeprefix(RECEIPT_COOKIE_PREFIX)] = receipt
    if names:
        request._shown_receipt_cookies = (_meeting_path(meeting), names)
    return receipts


def forget_shown_receipts(request, response):
    """Remove the receipt cookies this response shows (or found unusable)."""
    path, names = getattr(request, "_shown_receipt_cookies", (None, ()))
    for name in names:
        response.delete_cookie(name, path=path, samesite="Lax")


# Voting ----------------------------------------------------------------------------------


def vote_on_item(request, meeting_id, item_id):
    """The vote form's target: a plain URL, outside Wagtail's page routing, because a vote
    is the busiest request of a meeting and needs nothing the page tree knows."""
    posted = request.method == "POST"
    # The one vote rate limit, before the vote is looked at: a refused request changes nothing.
    limited = posted and over_vote_limit(request)
    member = signed_in_voter(request) if posted else None
    with vote_reads(meeting_id, item_id, member):
        item = vote_target(meeting_id, item_id)
        if item is None:
            raise Http404("No such item on this meeting's ballot.")
        if not posted:
            return HttpResponseRedirect(item.meeting.url + "#ballot")
        if limited:
            return vote_limited(request, item.meeting, item)
        return vote(request, item.meeting, item, member)


def vote(request, meeting, item, member):
    """Cast a vote from the page's form. Without JavaScript it redirects back to the page
    (so a refresh never resubmits) and the page shows the receipt; the page's script gets
    only the item's answer instead (`vote_answer`)."""
    refusal = None
    already_voted = False
    # A proxy holder's ballot for a giver names the giver by member ID (`cast_vote` checks
    # that the member holds that giver's approved proxy).
    on_behalf_of = request.POST.get("on_behalf_of", "").strip() or None
    try:
        receipt = cast_vote(
            member, item, submitted_choices(request, item), on_behalf_of=on_behalf_of
        )
    except VoteRefused as error:
        refusal = f"{item.title}: {error.message}"
        receipt = None
        # From a second tab: the page's script shows the recorded state, not the form again.
        already_voted = error.code == REFUSED_AGAIN
    if is_fetch(request):
        proxy_for = ""
        if on_behalf_of:
            held = member_proxies(meeting.pk, member).holding_from(on_behalf_of)
            proxy_for = held.giver_name if held else ""
        return vote_answer(
            request,
            meeting,
            item,
            receipt,
            refusal,
            member,
            already_voted=already_voted,
            proxy_for=proxy_for,
        )
    if refusal:
        messages.error(request, refusal)
    # A vote from the light voting page (`light_page`) gets its answer there.
    answer_at = "vote/" if request.POST.get("light") else "#ballot"
    response = HttpResponseRedirect(meeting.url + answer_at)
    if receipt:
        remember_receipt(response, meeting, member, item, receipt, on_behalf_of)
    return response


def submitted_choices(request, item):
    """The form's choices: the ticked ones, or a ranked item's menus in rank order."""
    if not item.is_ranked:
        return request.POST.getlist("choice")
    try:
        return ranking_from_form(request.POST.getlist("rank"))
    except RankingRefused as refused:
        raise VoteRefused(refused.message, refused.code) from None


def vote_answer(
    request, meeting, item, receipt, refusal, member=None, already_voted=False, proxy_for=""
):
    """The page script's answer to a vote: only the item's "your vote is recorded" part with
    the receipt (or, for a member who had already voted, without it), or the refusal, made
    from what the vote already loaded (no query, and no context processors: they read the
    shared cache)."""
    context = {
        "item": item,
        "receipt": receipt,
        "already_voted": already_voted,
        "signed_receipt": signed_receipt(member, item, receipt) if receipt else "",
        "proxy_for": proxy_for,
        "refusal": refusal,
        # meeting.url comes from Wagtail's cached site paths; routablepageurl would look up
        # the request's Site in the database.
        "receipt_url": meeting.url + meeting.reverse_subpage("email_receipt", args=[item.pk]),
        "csrf_token": get_token(request),
    }
    response = HttpResponse(render_to_string("meetings/includes/vote_answer.html", context))
    patch_cache_control(response, private=True, no_cache=True)
    return response


def vote_limited(request, meeting, item):
    """The answer to a vote over the rate limit: 429, nothing recorded, the reason said
    (to the page's script, in the item's place, like any other refusal)."""
    if is_fetch(request):
        response = vote_answer(request, meeting, item, None, VOTE_LIMITED)
    else:
        response = render(
            request, "meetings/vote_limited.html", {"page": meeting, "message": VOTE_LIMITED}
        )
    response.status_code = 429
    response["Retry-After"] = str(VOTE_LIMIT_RETRY_AFTER)
    return response


def email_receipt(request, meeting, item_id):
    """Email a member the receipt code they were just shown, because they asked."""
    member = signed_in_member(request)
    item = BallotItem.objects.filter(pk=item_id, meeting=meeting).first()
    if request.method != "POST" or item is None or member is None or not member.email:
        return HttpResponseRedirect(meeting.url + "#ballot")
    # Only a receipt the site issued to this member for this item is mailed.
    code = receipt_from_signed(member, item, request.POST.get("receipt", ""))
    if code is not None and has_voted(member, item):
        send_mail(
            subject=f"{settings.EMAIL_SUBJECT_PREFIX}Your receipt: {item.title}",
            message=render_to_string(
                "meetings/email/receipt.txt",
                {"member": member, "item": item, "code": code, "meeting": meeting},
            ),
            from_email=None,
            recipient_list=[member.email],
        )
        messages.success(request, f"We emailed your receipt for “{item.title}” to {member.email}.")
    else:
        messages.error(request, "That receipt could not be sent.")
    return HttpResponseRedirect(meeting.url + "#ballot")


# Counted receipts ----------------------------------------------------------------------


def closed_item_for_results(request, meeting, item_id):
    """A closed item of the meeting, for someone who may see its results: the meeting's
    eligible members (as on the page and in the API) and its chairs (the chair's page)."""
    if not meeting.may_see_results(request.user, signed_in_member(request)):
        raise PermissionDenied(
            "Only members who may attend this meeting, and its chairs, can see its results."
        )
    item = closed_item(meeting, item_id)
    if item is None:
        raise Http404("No closed item with that number on this meeting's ballot.")
    return item


@require_GET
def receipt_list(request, meeting, item_id):
    """Every counted receipt of a closed item, as plain text, sorted, one a line."""
    item = closed_item_for_results(request, meeting, item_id)
    return private_file(
        counted_receipts_text(item),
        content_type="text/plain; charset=utf-8",
        filename=f"{meeting.slug}-receipts-{item.pk}.txt",
        inline=True,
    )


RECEIPT_SHAPE_MESSAGE = (
    "That is not a receipt code: a receipt is 10 letters and digits, as shown when you voted."
)


@require_GET
def receipt_check(request, meeting, item_id):
    """Whether one receipt code is among a closed item's counted ballots, and nothing else.

    The code is neither logged nor stored: it would name the ballot beside the account.
    """
    item = closed_item_for_results(request, meeting, item_id)
    typed = request.GET.get("receipt", "").strip()
    code = receipt_shape(typed)
    context = {"page": meeting, "item": item, "typed": typed, "code": code}
    status = 200
    if typed and over_receipt_check_limit(request):
        context.update(code=None, error=RECEIPT_CHECKS_LIMITED)
        status = 429
    elif code:
        context["counted"] = receipt_is_counted(item, code)
    elif typed:
        context["error"] = RECEIPT_SHAPE_MESSAGE
        status = 400
    response = render(request, "meetings/receipt_check.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    patch_cache_control(response, private=True, no_store=True)
    # Links onwards never carry the code in their Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def meeting_section(request, meeting_id):
    """The ballot section every eligible member without proxies or delegate weight shares
    (`shared_section`), for the page's script when the agenda moves; the pass it got with
    its own render is the key. No session, no database query on a hit."""
    room_open = read_pass(meeting_id, request.GET.get("pass"), timezone.now())
    if room_open is None:
        response = HttpResponse("Reload the meeting page.", status=403, content_type="text/plain")
    else:
        response = HttpResponse(shared_section(meeting_id, room_open))
    patch_cache_control(response, private=True, no_store=True)
    return response


def meeting_now(request, meeting_id):
    """What every member's page polls: open and closed item ids and a version.

    Served from the shared cache: no database query, no session, no personal data.
    """
    response = JsonResponse(cached_now_state(meeting_id))
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


# Chairing --------------------------------------------------------------------------


def _require_chair(request, meeting):
    if not meeting.may_chair(request.user):
        raise PermissionDenied("Only this meeting's chairs can run its ballot.")


def chair_context(meeting, user):
    items = board(meeting, None)
    open_ids = [row.item.pk for row in items if row.item.state == BallotItem.State.OPEN]
    turnout = {}
    if open_ids:
        for item_id in open_ids:
            turnout[item_id] = VoterRecord.objects.filter(item_id=item_id).count()
    eligible = meeting.eligible_members().count()
    taken = quorums_at_opening(meeting)
    floors, candidates = floor_records(meeting), candidates_by_item(meeting)
    for row in items:
        row.turnout = turnout.get(row.item.pk)
        row.quorum_at_opening = taken.get(row.item.pk)
        row.floor = floors.get(row.item.pk)
        row.candidates = candidates.get(row.item.pk, [])
        if row.item.state == BallotItem.State.OPEN:
            row.next_item = next_draft([other.item for other in items], row.item)
    # Present means in the attendance register and not signed out.
    present = present_count(meeting)
    quorum = quorum_now(meeting, eligible=eligible, present=present)
    return {
        "page": meeting,
        "board": items,
        "eligible": eligible,
        "present": present,
        "quorum_met": quorum.held,
        "quorum": quorum,
        "actions": ChairAction.objects.filter(meeting=meeting).select_related("item")[:20],
        "is_chair": meeting.may_chair(user),
        "confirm_labels": CONFIRMED_ACTIONS,
        **ballot_key_status(meeting, user),
    }


def ballot_key_status(meeting, user):
    """What the chair's page says about the sealed ballots' key, and what a scrutineer
    may do about it."""
    meeting_key = current_meeting_key(meeting)
    scrutineers = list(meeting.scrutineers.all())
    with_keys = set(
        ScrutineerKey.objects.filter(user__in=scrutineers).values_list("user_id", flat=True)
    )
    return {
        "ballot_key": meeting_key,
        "ballots_unlocked": is_unlocked(meeting_key),
        "is_scrutineer": meeting.may_scrutinise(user),
        "scrutineers": [(person, person.pk in with_keys) for person in scrutineers],
    }


def chair_console(request, meeting):
    """The chair's page: for the meeting's chairs, and its scrutineers (who unlock the
    sealed ballots here but do not run the vote)."""
    if not (meeting.may_chair(request.user) or meeting.may_scrutinise(request.user)):
        raise PermissionDenied("Only this meeting's chairs and scrutineers can open this page.")
    context = chair_context(meeting, request.user)
    template = (
        "meetings/includes/chair_console.html" if is_fetch(request) else "meetings/chair_page.html"
    )
    response = render(request, template, context)
    patch_cache_control(response, private=True, no_store=True)
    return response


CHAIR_ACTIONS = {
    "open": open_item,
    "close": close_item,
    "rerun": rerun_item,
    # Running the agenda (meetings.floor.business).
    "next": close_and_open_next,
    "up": move_up,
    "down": move_down,
    "acclaim": acclaim_item,
    "outside_in": add_outside_counts,
}
# Chair actions that take the form's fields as well.
CHAIR_FORM_ACTIONS = {"outside": enter_outside_count}

# Chair actions that cannot be undone ask first, and what their "Yes, …" button does.
# With JavaScript the chair's page asks in a dialog; without it, `chair_confirmation`.
CONFIRMED_ACTIONS = {
    "close": "close voting",
    "rerun": "re-run it",
    "end_voting": "destroy the ballot key",
    "next": "close it and open the next",
}


def is_confirmed(request):
    """The chair has answered "Yes" to the question (the form carries `confirmed`)."""
    return request.method == "POST" and request.POST.get("confirmed") == "yes"


def chair_confirmation(request, meeting, action, item=None):
    """The page that asks before an action that cannot be undone: for a GET, and for a
    POST without `confirmed` (which changes nothing). Its form posts back with it."""
    context = {
        "page": meeting,
        "action": action,
        "item": item,
        "confirm_label": CONFIRMED_ACTIONS[action],
        # What the chair's form sent besides (a reason to open without quorum, say) goes
        # back with the answer.
        "carried": [
            (name, value)
            for name, value in request.POST.items()
            if name not in ("csrfmiddlewaretoken", "confirmed")
        ],
    }
    response = render(request, "meetings/chair_confirm.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


def chair_act(request, meeting, action, item_id):
    _require_chair(request, meeting)
    if action not in CHAIR_ACTIONS.keys() | CHAIR_FORM_ACTIONS:
        return HttpResponseRedirect(meeting.url + "chair/")
    item = BallotItem.objects.filter(pk=item_id, meeting=meeting).first()
    if item is None:
        raise Http404("No such item on this meeting's ballot.")
    if action in CONFIRMED_ACTIONS and not is_confirmed(request):
        return chair_confirmation(request, meeting, action, item)
    if request.method != "POST":
        return HttpResponseRedirect(meeting.url + "chair/")
    options = {}
    if action in ("open", "next") and request.POST.get("without_quorum"):
        # The chair ticked "Open this vote without quorum": the reason must come with it.
        options["without_quorum"] = request.POST.get("without_quorum_reason", "")
    try:
        if action in CHAIR_FORM_ACTIONS:
            CHAIR_FORM_ACTIONS[action](item, request.user, request.POST)
        else:
            CHAIR_ACTIONS[action](item, request.user, **options)
    except ChairRefused as refusal:
        messages.error(request, refusal.message)
    if is_fetch(request):
        return chair_console(request, meeting)
    return HttpResponseRedirect(meeting.url + "chair/")


RESULT_COLUMNS = ["item", "kind", "choice", "votes", "percent", "outcome"]


def results_rows(meeting):
    """The closed items' results, a row per choice and one for the ballots cast."""
    for row in board(meeting, None):
        result = row.result
        if result is None:
            continue
        item, kind = row.item.title, row.item.get_kind_display()
        outcome = result.outcome + (" (tie)" if result.tie else "")
        for choice in result.choices:
            percent = "" if choice.percent is None else choice.percent
            yield [item, kind, choice.label, choice.votes, percent, outcome]
        yield [item, kind, "ballots cast", result.ballots_cast, "", ""]
        if result.ranked:
            yield from ranked_csv_rows(item, kind, result)
        yield from floor_csv_rows(item, kind, result)


def floor_csv_rows(item, kind, result):
    """Rows for counts taken outside the site and a recorded vote's names."""
    for count in result.outside_counts:
        added = "added to the totals" if result.outside_added else "not in the totals"
        source = f"{count['method']} (entered by {count['entered_by']}; {added})"
        for label, votes in count["votes"].items():
            yield [item, kind, f"outside the site: {label}", votes, "", source]
        yield [item, kind, "outside the site: members voting", count["voters"], "", source]
    for vote in result.recorded_votes:
        yield [item, kind, f"recorded vote: {vote['member']}", "", "", vote["choices"]]


def recorded_votes_seen(meeting):
    """For the access log: the members named in the meeting's recorded votes, if any (the
    results CSV is otherwise free of personal information)."""
    named = list(
        RecordedVote.objects.filter(item__meeting=meeting).values_list(
            "member__member_id", flat=True
        )
    )
    if not named:
        return None
    return PersonalData(
        what=f"Recorded votes in the results of {meeting.title} (CSV)",
        members=named,
        role="meeting chair",
        reason=f"Results of meeting {meeting.pk}",
    )


def results_csv(request, meeting):
    _require_chair(request, meeting)
    response = csv_response(
        request,
        filename=f"{meeting.slug}-results",
        header=RESULT_COLUMNS,
        rows=list(results_rows(meeting)),
        personal=recorded_votes_seen(meeting),
    )
    log_chair_action(meeting, None, ChairAction.Action.EXPORT, request.user)
    return response
