"""The ballot section most members share (meetings/ballots/shared_section.py): the same
section as each member's own before voting, handed out only against a valid pass, ready
in the cache when the chair acts, and holding nothing of any member."""

import html
import re
from urllib.parse import unquote

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import DelegateWeight
from meetings.ballots.shared_section import CSRF_PLACEHOLDER, PASS_AGE
from meetings.factories import BallotItemFactory
from meetings.proxies.models import Proxy
from tests.meeting_fixtures import choice, meeting_under_way
from tests.member_fixtures import member_with_account

pytestmark = pytest.mark.django_db

SECTION_URL = re.compile(r'data-section-url="([^"]+)"')
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
PERSONAL_ATTRIBUTES = re.compile(r' data-(section-url|csrf)="[^"]*"')


@pytest.fixture
def agm(home_page):
    agm = meeting_under_way(home_page, voters=2)
    agm["later"] = BallotItemFactory(meeting=agm["meeting"], title="Motion 2: the budget")
    return agm


def signed_in(member):
    client = Client()
    client.force_login(member.account)
    return client


def own_section(client, meeting):
    """The member's own ballot section, as the page's script fetches it."""
    response = client.get(meeting.url + "ballot/", headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200
    return response.content.decode()


def section_url(own):
    found = SECTION_URL.search(own)
    return html.unescape(found.group(1)) if found else None


def comparable(section):
    """Without what is each member's own: the pass, and the CSRF token's value."""
    return CSRF_INPUT.sub(r"\1TOKEN\2", PERSONAL_ATTRIBUTES.sub("", section))


def open_next(agm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        close_item(agm["item"], agm["chair"])
        open_item(agm["later"], agm["chair"])


def test_the_shared_section_is_each_members_own_before_they_vote(
    agm, django_capture_on_commit_callbacks
):
    voter = signed_in(agm["voter"])
    open_next(agm, django_capture_on_commit_callbacks)

    own = own_section(voter, agm["meeting"])
    shared = Client().get(section_url(own))

    assert shared.status_code == 200
    assert comparable(shared.content.decode()) == comparable(own)
    assert "Motion 2: the budget" in own and "Cast my vote" in own
    # The placeholder is what the page's script replaces with the member's own token.
    assert f'value="{CSRF_PLACEHOLDER}"' in shared.content.decode()


def test_the_shared_section_holds_no_members_vote_name_or_token(
    agm, django_capture_on_commit_callbacks
):
    first, second = agm["voters"]
    first_client = signed_in(first)
    cast_vote(first, agm["item"], [choice(agm["item"], "For")])
    own = own_section(first_client, agm["meeting"])
    assert "Your vote is recorded" in own

    shared = Client().get(section_url(own)).content.decode()

    assert "Your vote is recorded" not in shared and "Cast my vote" in shared
    for member in (first, second):
        assert member.family_name not in shared and member.member_id not in shared
    assert 'name="csrfmiddlewaretoken"' in shared
    assert re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', shared) == [CSRF_PLACEHOLDER]


def test_the_chairs_action_leaves_the_new_section_ready_in_the_cache(
    agm, django_capture_on_commit_callbacks
):
    own = own_section(signed_in(agm["voter"]), agm["meeting"])
    open_next(agm, django_capture_on_commit_callbacks)

    with CaptureQueriesContext(connection) as queries:
        shared = Client().get(section_url(own))

    assert "Motion 2: the budget" in shared.content.decode()
    assert "Voting is open" in shared.content.decode()
    assert len(queries) == 0
    # No session read or written: no cookie set, nothing varies by cookie.
    assert not shared.cookies and "Cookie" not in shared.get("Vary", "")
    assert "no-store" in shared["Cache-Control"] and "private" in shared["Cache-Control"]


def test_the_new_state_goes_out_even_if_the_section_cannot_be_rendered(
    agm, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from meetings.ballots import shared_section
    from meetings.ballots.live import cached_now_state

    def broken(*args, **kwargs):
        raise RuntimeError("template gone")

    monkeypatch.setattr(shared_section, "render_section", broken)
    open_next(agm, django_capture_on_commit_callbacks)

    assert cached_now_state(agm["meeting"].pk)["open"] == [agm["later"].pk]
    assert "was not rendered" in caplog.text


def test_a_section_fetched_after_the_agenda_moves_is_the_new_one(agm):
    """Also when the copy was rendered on a miss (another app server's cache entry gone)."""
    own = own_section(signed_in(agm["voter"]), agm["meeting"])
    url = section_url(own)
    assert "Motion 1: safe staffing" in Client().get(url).content.decode()

    close_item(agm["item"], agm["chair"])  # on_commit never runs: the state is rebuilt
    cache.clear()

    shared = Client().get(url).content.decode()
    assert "Voting closed" in shared and "Cast my vote" not in shared


def test_only_plain_eligible_members_get_a_pass(agm):
    meeting = agm["meeting"]
    heavy, holder = agm["voters"]
    giver = member_with_account(agm["chapter"])
    DelegateWeight.objects.create(meeting=meeting, member=heavy, weight=12)
    Proxy.objects.create(
        meeting=meeting,
        giver=giver,
        holder=holder,
        status=Proxy.Status.APPROVED,
        source=Proxy.Source.PAPER_FORM,
    )

    assert section_url(own_section(signed_in(giver), meeting))
    # A delegate's weight, a proxy holder's extra ballots: their own section only.
    assert section_url(own_section(signed_in(heavy), meeting)) is None
    assert section_url(own_section(signed_in(holder), meeting)) is None
    assert section_url(own_section(signed_in(agm["outsider"]), meeting)) is None
    assert section_url(own_section(Client(), meeting)) is None


def test_a_missing_forged_expired_or_other_meetings_pass_is_refused(agm, monkeypatch):
    meeting = agm["meeting"]
    url = section_url(own_section(signed_in(agm["voter"]), meeting))
    base, token = url.split("?pass=")
    token = unquote(token)
    window = signing.loads(token, salt="meetings.ballot-section-pass")
    other = signing.dumps([meeting.pk + 1, *window[1:]], salt="meetings.ballot-section-pass")
    forged = signing.dumps(window, key="not-this-site", salt="meetings.ballot-section-pass")
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - PASS_AGE - 5)
    expired = signing.dumps(window, salt="meetings.ballot-section-pass")
    monkeypatch.undo()

    assert Client().get(url).status_code == 200
    for refused in (base, f"{base}?pass=", f"{base}?pass={token[:-2]}", f"{base}?pass={forged}"):
        assert Client().get(refused).status_code == 403
    assert Client().get(f"{base}?pass={expired}").status_code == 403
    other_meeting = base.replace(f"/{meeting.pk}/", f"/{meeting.pk + 1}/")
    assert Client().get(f"{other_meeting}?pass={token}").status_code == 403
    assert Client().get(f"{base}?pass={other}").status_code == 403


def test_before_the_room_opens_the_shared_section_offers_no_form(agm):
    meeting = agm["meeting"]
    url = section_url(own_section(signed_in(agm["voter"]), meeting))
    base, token = url.split("?pass=")
    pk, opens, closes = signing.loads(unquote(token), salt="meetings.ballot-section-pass")
    later = signing.dumps([pk, closes, closes + 3600], salt="meetings.ballot-section-pass")

    shared = Client().get(f"{base}?pass={later}").content.decode()

    assert "Voting is possible once the meeting room opens" in shared
    assert "Cast my vote" not in shared
