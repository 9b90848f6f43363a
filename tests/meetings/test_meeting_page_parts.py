"""The meeting page's shared parts (cms/shared_parts.py): what every member who may attend
sees alike is rendered once and shared; an editor's or a chair's change shows on the
next page load; nothing of one member reaches another, an outsider or a preview; and
a page load costs a fixed number of queries and cache round trips, however many items
and materials the meeting has."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import BallotItem, VoterRecord
from meetings.factories import BallotItemFactory, MeetingMaterialFactory
from meetings.floor.business import add_motion
from tests.meeting_fixtures import choice, meeting_under_way, receipt_shown
from tests.meetings.proxies.proxy_fixtures import approved, open_motion, proxy_meeting
from tests.staff_fixtures import signed_in, staff_member

pytestmark = pytest.mark.django_db


def client_of(member):
    client = Client()
    client.force_login(member.account)
    return client


def page(client, meeting):
    response = client.get(meeting.url)
    assert response.status_code == 200
    return response.content.decode()


def shown_from_the_parts(client, meeting):
    """Load the page until its parts are kept (a first view makes the site's settings,
    which moves the site version on), and return the page."""
    page(client, meeting)
    html = page(client, meeting)
    assert parts_entry(meeting), "no shared parts kept"
    return html


def parts_entry(meeting):
    """Every shared-parts entry kept for the meeting (the local-memory cache's keys)."""
    cache = caches["default"]
    return [
        cache.get(key.split(":", 2)[2])
        for key in list(cache._cache)
        if f"meeting-parts-{meeting.pk}-" in key
    ]


@pytest.fixture
def agm(home_page):
    agm = meeting_under_way(home_page, voters=2)
    meeting = agm["meeting"]
    MeetingMaterialFactory(meeting=meeting, title="Treasurer's report")
    meeting.agenda = "<p>Call to order; the treasurer's report.</p>"
    meeting.save_revision().publish()
    return agm


def test_a_second_member_gets_the_shared_parts_without_the_materials_query(agm):
    first, second = (client_of(member) for member in agm["voters"])
    meeting = agm["meeting"]
    first_html = shown_from_the_parts(first, meeting)

    with CaptureQueriesContext(connection) as queries:
        second_html = page(second, meeting)

    assert "Treasurer&#x27;s report" in second_html and "Call to order" in second_html
    assert not [q for q in queries.captured_queries if "meetings_meetingmaterial" in q["sql"]]
    # The same page for both but what is each member's own (the CSRF tokens).
    assert first_html.count("Treasurer&#x27;s report") == second_html.count(
        "Treasurer&#x27;s report"
    )


def test_no_member_sees_another_members_vote_receipt_or_token_through_the_parts(agm):
    first, second = agm["voters"]
    item = agm["item"]
    first_client, second_client = client_of(first), client_of(second)
    first_client.post(
        reverse("meetings:vote", args=[agm["meeting"].pk, item.pk]),
        {"choice": [choice(item, "For")]},
    )
    first_html = page(first_client, agm["meeting"])
    receipt = receipt_shown(first_html)
    page(first_client, agm["meeting"])  # the parts kept once the site version settled
    first_token = first_client.cookies["csrftoken"].value

    second_html = page(second_client, agm["meeting"])

    assert receipt and "Your vote is recorded" in first_html
    assert receipt not in second_html and "Your vote is recorded" not in second_html
    assert "Cast my vote" in second_html
    assert first_token not in second_html
    for _fingerprint, parts in parts_entry(agm["meeting"]):
        kept = "".join(parts.values())
        # The vote form and the account links are kept all but their CSRF tokens; whether
        # the member has voted, and their receipt, never.
        assert "csrfmiddlewaretoken" not in kept and receipt not in kept
        assert first_token not in kept and "Your vote is recorded" not in kept
        assert "data-csrf" not in kept and "?pass=" in kept  # the pass and token: each render's


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_each_members_vote_form_from_the_parts_carries_their_own_token_and_counts(agm):
    first, second = (client_of(member) for member in agm["voters"])
    meeting, item = agm["meeting"], agm["item"]
    shown_from_the_parts(first, meeting)
    kept_before = parts_entry(meeting)

    html = page(second, meeting)

    # The form came from the parts (nothing new kept) with the second member's token in it.
    assert parts_entry(meeting) == kept_before
    form = html[
        html.index('class="vote-form"') : html.index("</form>", html.index('class="vote-form"'))
    ]
    (token,) = CSRF_INPUT.findall(form)
    assert form.count('<input type="radio" name="choice"') == 3
    assert '<label for="choice-' in form and "<legend>Choose one</legend>" in form
    enforcing = Client(enforce_csrf_checks=True)
    enforcing.cookies = second.cookies
    response = enforcing.post(
        reverse("meetings:vote", args=[meeting.pk, item.pk]),
        {"choice": [choice(item, "For")], "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert VoterRecord.objects.filter(item=item, member=agm["voters"][1]).exists()
    assert "Your vote is recorded" in page(second, meeting)
    assert "Cast my vote" in page(first, meeting)


def test_an_open_items_text_changed_shows_at_once(agm):
    # No on_commit and no new state: the items as the page reads them are the parts'
    # fingerprint.
    client = client_of(agm["voter"])
    item = agm["item"]
    assert "Cast my vote" in shown_from_the_parts(client, agm["meeting"])

    item.text = "<p>That the Chapter asks for two nurses a ward at night.</p>"
    item.save()

    assert "two nurses a ward at night" in page(client, agm["meeting"])


def choice_reads(client, meeting):
    with CaptureQueriesContext(connection) as queries:
        html = page(client, meeting)
    return html, [q["sql"] for q in queries.captured_queries if "meetings_choice" in q["sql"]]


def test_opened_items_choices_are_read_once_and_an_item_that_opens_brings_its_own(agm):
    """An item's choices are made when it opens and never change after (only a draft can
    be edited), so the page keeps the opened items' choices with their opening times; a
    draft's are never read (the page names it alone), and an item that opens brings its
    own at once."""
    meeting, chair = agm["meeting"], agm["chair"]
    client = client_of(agm["voter"])
    later = BallotItemFactory(meeting=meeting, title="Motion 2: a hardship fund")
    page(client, meeting)
    page(client, meeting)

    html, reads = choice_reads(client, meeting)
    assert "Cast my vote" in html and "Motion 2: a hardship fund" in html
    assert reads == []

    close_item(agm["item"], chair)
    open_item(later, chair)

    html, reads = choice_reads(client, meeting)
    assert f'value="{choice(later, "For")}"' in html and "Cast my vote" in html
    assert reads  # read again (with the closed item's result, counted once)
    assert choice_reads(client, meeting)[1] == []


def test_a_proxy_holders_ballot_for_the_giver_is_never_shared(home_page):
    setup = proxy_meeting(home_page, started=True)
    giver, holder, other = setup["members"][:3]
    approved(setup["meeting"], giver, holder)
    meeting = setup["meeting"]
    open_motion(meeting, setup["chair"])
    shown_from_the_parts(client_of(other), meeting)

    html = page(client_of(holder), meeting)

    assert f"Voting as proxy for {giver.full_name}" in html
    assert html.count('class="vote-form"') == 2 and html.count("csrfmiddlewaretoken") >= 2
    # The giver's form is the giver's, not a copy of the member's own form.
    assert f'name="on_behalf_of" value="{giver.member_id}"' in html
    assert f"Cast the vote for {giver.full_name}" in html
    for _fingerprint, parts in parts_entry(meeting):
        kept = "".join(parts.values())
        assert giver.full_name not in kept and giver.member_id not in kept
        assert "on_behalf_of" not in kept


def test_an_outsider_never_gets_the_members_parts(agm):
    shown_from_the_parts(client_of(agm["voters"][0]), agm["meeting"])

    html = page(client_of(agm["outsider"]), agm["meeting"])

    assert "This meeting is for" in html
    assert "Treasurer&#x27;s report" not in html and "Join the meeting" not in html


def test_an_editors_published_change_shows_on_the_next_page_load(agm):
    client = client_of(agm["voter"])
    meeting = agm["meeting"]
    assert "Call to order" in shown_from_the_parts(client, meeting)

    meeting.title = "Riverside AGM, moved online"
    meeting.agenda = "<p>Elections first.</p>"
    meeting.save_revision().publish()
    MeetingMaterialFactory(meeting=meeting, title="Nomination forms")
    meeting.save_revision().publish()

    html = page(client, meeting)
    assert "Riverside AGM, moved online" in html and "Elections first." in html
    assert "Nomination forms" in html and "Call to order" not in html


def test_a_draft_seen_in_preview_never_reaches_the_members_page(agm):
    client = client_of(agm["voter"])
    meeting = agm["meeting"]
    shown_from_the_parts(client, meeting)
    meeting.agenda = "<p>A draft agenda nobody has approved.</p>"
    meeting.save_revision()
    editor = signed_in(staff_member("editor"))
    url = reverse(
        "wagtailadmin_pages:revisions_view", args=(meeting.pk, meeting.latest_revision_id)
    )

    assert "A draft agenda" in editor.get(url).content.decode()
    html = page(client, meeting)
    assert "A draft agenda" not in html and "Call to order" in html


def test_a_chairs_close_shows_the_result_at_once_even_before_the_state_is_published(agm):
    # No on_commit here: the polled state is not republished, yet the items as the page
    # reads them change the parts' fingerprint.
    client = client_of(agm["voter"])
    item = agm["item"]
    cast_vote(agm["voter"], item, [choice(item, "For")])
    assert "Carried" not in shown_from_the_parts(client, agm["meeting"])

    close_item(item, agm["chair"])

    html = page(client, agm["meeting"])
    assert "Carried" in html and "Cast my vote" not in html


def test_an_agenda_change_from_the_floor_shows_at_once(agm, django_capture_on_commit_callbacks):
    client = client_of(agm["voter"])
    page(client_of(agm["voters"][1]), agm["meeting"])  # mover and seconder both present
    assert "Later on the agenda" not in shown_from_the_parts(client, agm["meeting"])

    with django_capture_on_commit_callbacks(execute=True):
        add_motion(
            agm["meeting"],
            agm["chair"],
            title="Motion from the floor: a hardship fund",
            text="That the Chapter sets up a hardship fund.",
            mover=agm["voters"][0],
            seconder=agm["voters"][1],
        )

    html = page(client, agm["meeting"])
    assert "Later on the agenda" in html and "a hardship fund" in html


class CacheCalls:
    """Counts the calls to the shared cache (each one Redis round trip in production)."""

    METHODS = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr")

    def __init__(self, monkeypatch):
        self.count = self.depth = 0
        cache = caches["default"]
        for name in self.METHODS:
            monkeypatch.setattr(cache, name, self._counted(getattr(cache, name)))

    def _counted(self, method):
        def counted(*args, **kwargs):
            # The local-memory cache's get_many calls its get: count the outer call only.
            self.count += self.depth == 0
            self.depth += 1
            try:
                return method(*args, **kwargs)
            finally:
                self.depth -= 1

        return counted


def costs(client, meeting, monkeypatch):
    page(client, meeting)  # settles the site version (a first view makes the settings)
    page(client, meeting)  # fills the shared entries; count the next load
    with monkeypatch.context() as patch, CaptureQueriesContext(connection) as queries:
        calls = CacheCalls(patch)
        page(client, meeting)
    return len(queries), calls.count


def test_a_page_load_costs_the_same_few_queries_and_cache_calls_with_many_items(agm, monkeypatch):
    meeting = agm["meeting"]
    client = client_of(agm["voter"])
    few = costs(client, meeting, monkeypatch)

    for n in range(6):
        item = open_item(BallotItemFactory(meeting=meeting, title=f"Budget line {n}"), agm["chair"])
        cast_vote(agm["voters"][1], item, [choice(item, "For")])
        close_item(item, agm["chair"])
        MeetingMaterialFactory(meeting=meeting, title=f"Annex {n}")
    BallotItemFactory(meeting=meeting, title="Still to come")
    meeting.save_revision().publish()
    many = costs(client, meeting, monkeypatch)

    assert BallotItem.objects.filter(meeting=meeting, state="closed").count() == 6
    # The page, the user with their member (one query), their items and choices (and
    # here the session, which production reads from the cache; the materials only with
    # the parts). The cache: the site version with the site and the route (one read; in
    # production the session too), and one read of all the page needs.
    assert few == many
    queries, calls = many
    assert queries <= 5 and calls <= 2, many
