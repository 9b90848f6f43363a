"""Voting on the meeting page: the form (with and without JavaScript), receipts, results,
the polled state and the chair's page."""

import csv
import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import (
    BallotItem,
    ChairAction,
    Choice,
    VoterRecord,
)
from meetings.factories import BallotItemFactory
from tests.meeting_fixtures import (
    chair_account,
    chapter_meeting_begun,
    receipt_shown,
    recorded,
    unlock,
)
from tests.member_fixtures import give_account, member_of, member_with_account, two_chapters

pytestmark = pytest.mark.django_db


@pytest.fixture
def agm(home_page):
    chapter_a, chapter_b = two_chapters()
    chair_user = chair_account()
    meeting = chapter_meeting_begun(home_page, chapter_a, chairs=[chair_user])
    voter = member_with_account(chapter_a, given_name="Ada")
    outsider = member_with_account(chapter_b)
    item = BallotItemFactory(meeting=meeting, title="Motion 1: safe staffing")
    return {
        "meeting": meeting,
        "voter": voter,
        "outsider": outsider,
        "item": item,
        "chair": chair_user,
    }


def page(client, agm):
    return client.get(agm["meeting"].url).content.decode()


def vote_url(agm, item):
    """Where the page's form posts a vote."""
    return reverse("meetings:vote", args=[agm["meeting"].pk, item.pk])


def for_choice(item):
    return Choice.objects.get(item=item, label="For").pk


def voted_for(agm, item):
    """The eligible member votes For with the page's form; their signed-in client."""
    voter_client = Client()
    voter_client.force_login(agm["voter"].account)
    voter_client.post(vote_url(agm, item), {"choice": [for_choice(item)]})
    return voter_client


def opened(agm, item):
    """The chair opens the item and a scrutineer unlocks the ballots (so it can be counted)."""
    item = open_item(item, agm["chair"])
    unlock(agm["meeting"])
    return item


def test_member_votes_with_the_plain_form_and_sees_the_receipt_once(client, agm):
    item = opened(agm, agm["item"])
    client.force_login(agm["voter"].account)
    assert "Cast my vote" in page(client, agm)

    response = client.post(vote_url(agm, item), {"choice": [for_choice(item)]})

    assert response.status_code == 302 and response["Location"].endswith("#ballot")
    after = page(client, agm)
    receipt = receipt_shown(after)
    assert "Your vote is recorded" in after and receipt
    again = page(client, agm)
    assert "Your vote is recorded" in again and receipt not in again


def test_the_receipt_waits_in_a_signed_cookie_of_the_meeting_page_never_in_the_session(client, agm):
    item = opened(agm, agm["item"])
    client.force_login(agm["voter"].account)

    response = client.post(vote_url(agm, item), {"choice": [for_choice(item)]})

    cookie = response.cookies[f"ballot-receipt-{item.pk}"]
    receipt = cookie.value.split(":")[0]
    assert cookie["path"] == agm["meeting"].url and cookie["httponly"]
    assert receipt in cookie.value and cookie.value != receipt  # signed
    # The session (in the database and the cache) never holds the account beside the code.
    assert receipt not in repr(dict(client.session.items()))
    shown = client.get(agm["meeting"].url)
    assert receipt in shown.content.decode()
    assert shown.cookies[f"ballot-receipt-{item.pk}"]["max-age"] == 0


def test_a_receipt_cookie_is_shown_only_to_the_member_who_voted(client, agm):
    item = opened(agm, agm["item"])
    other = member_of(agm["voter"].chapter, given_name="Bea")
    give_account(other)
    client.force_login(agm["voter"].account)
    client.post(vote_url(agm, item), {"choice": [for_choice(item)]})
    receipt = client.cookies[f"ballot-receipt-{item.pk}"].value.split(":")[0]
    forged = client.cookies[f"ballot-receipt-{item.pk}"].value.replace(receipt, "AAAAAAAAAA")

    client.force_login(other.account)  # the same browser, another member
    assert receipt not in page(client, agm)
    client.force_login(agm["voter"].account)
    client.cookies[f"ballot-receipt-{item.pk}"] = forged
    assert "AAAAAAAAAA" not in page(client, agm)


def test_the_script_gets_the_items_recorded_part_back_after_voting(client, agm):
    item = opened(agm, agm["item"])
    client.force_login(agm["voter"].account)

    response = client.post(
        vote_url(agm, item),
        {"choice": [for_choice(item)]},
        headers={"X-Requested-With": "fetch"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div class="ballot-item__voted"')  # see test_fetch_vote.py
    assert "Your vote is recorded" in html


# A second vote is answered with the recorded state instead (test_fetch_vote.py).
@pytest.mark.parametrize("case", ["closed", "outsider", "unknown"])
def test_refusals_through_the_page_form_show_a_message_and_change_nothing(client, agm, case):
    item = opened(agm, agm["item"])
    member = agm["voter"]
    choice_ids = [for_choice(item)]
    if case == "closed":
        close_item(item, agm["chair"])
    elif case == "outsider":
        member = agm["outsider"]
    elif case == "unknown":
        choice_ids = ["999999"]
    client.force_login(member.account)
    before = recorded(item)

    response = client.post(
        vote_url(agm, item),
        {"choice": choice_ids},
        headers={"X-Requested-With": "fetch"},
    )

    assert 'role="alert"' in response.content.decode()
    assert recorded(item) == before


def test_the_vote_form_needs_a_csrf_token(agm):
    item = opened(agm, agm["item"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(agm["voter"].account)

    response = client.post(vote_url(agm, item), {"choice": [for_choice(item)]})

    assert response.status_code == 403
    assert not VoterRecord.objects.exists()


def test_polled_state_changes_when_the_chair_opens_and_needs_no_database(
    client, agm, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = f"/meeting-state/{agm['meeting'].pk}/"
    before = client.get(url).json()
    with django_assert_num_queries(0):
        assert client.get(url).json() == before

    with django_capture_on_commit_callbacks(execute=True):
        opened(agm, agm["item"])

    with django_assert_num_queries(0):
        after = client.get(url).json()
    assert after["open"] == [agm["item"].pk] and after["version"] != before["version"]


def test_results_and_receipts_show_on_the_page_after_close(client, agm):
    item = opened(agm, agm["item"])
    client.force_login(agm["voter"].account)
    client.post(vote_url(agm, item), {"choice": [for_choice(item)]})
    receipt = receipt_shown(page(client, agm))
    close_item(item, agm["chair"])

    html = page(client, agm)

    assert "Carried" in html and receipt in html
    # The check form and the full list are offered for every closed item (test_receipts.py).
    assert (
        f"receipts/{item.pk}/check/" in html
        and f'href="{agm["meeting"].url}receipts/{item.pk}/"' in html
    )


def test_only_the_meetings_chairs_open_the_chair_page(client, agm):
    client.force_login(agm["voter"].account)
    assert client.get(agm["meeting"].url + "chair/").status_code == 403
    response = client.post(agm["meeting"].url + f"chair/open/{agm['item'].pk}/")
    assert response.status_code == 403
    agm["item"].refresh_from_db()
    assert agm["item"].state == BallotItem.State.DRAFT


def test_chair_opens_and_closes_items_from_the_chair_page_and_each_action_is_logged(client, agm):
    client.force_login(agm["chair"])
    meeting = agm["meeting"]

    console = client.get(meeting.url + "chair/").content.decode()
    client.post(meeting.url + f"chair/open/{agm['item'].pk}/")
    agm["item"].refresh_from_db()
    assert "Open voting" in console
    assert agm["item"].state == BallotItem.State.OPEN

    client.post(meeting.url + f"chair/close/{agm['item'].pk}/", {"confirmed": "yes"})
    agm["item"].refresh_from_db()
    assert agm["item"].state == BallotItem.State.CLOSED
    actions = list(ChairAction.objects.values_list("action", "actor_id"))
    assert sorted(actions) == sorted([("open", agm["chair"].pk), ("close", agm["chair"].pk)])


def test_chair_page_shows_live_turnout_presence_and_quorum(client, agm):
    item = opened(agm, agm["item"])
    agm["meeting"].quorum = 2
    agm["meeting"].save()
    voter_client = voted_for(agm, item)
    page(voter_client, agm)  # the member has the page open
    client.force_login(agm["chair"])

    html = client.get(agm["meeting"].url + "chair/").content.decode()

    assert "Turnout: <strong>1</strong> of 1 eligible member" in html
    assert "<dt>Members present</dt><dd>1 of 2 needed for quorum" in html
    assert "no quorum yet" in html


def test_results_csv_has_the_counts_and_is_logged(client, agm):
    item = opened(agm, agm["item"])
    voted_for(agm, item)
    close_item(item, agm["chair"])
    client.force_login(agm["chair"])

    response = client.get(agm["meeting"].url + "chair/results/")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    votes = {row["choice"]: row["votes"] for row in rows}
    assert votes["For"] == "1" and votes["Against"] == "0"
    assert rows[0]["outcome"] == "Carried."
    assert ChairAction.objects.filter(action=ChairAction.Action.EXPORT).exists()


def test_a_member_can_have_their_receipt_emailed_and_only_their_own(client, agm, mailoutbox):
    item = opened(agm, agm["item"])
    client.force_login(agm["voter"].account)
    client.post(vote_url(agm, item), {"choice": [for_choice(item)]})
    shown = page(client, agm)
    receipt = receipt_shown(shown)
    signed = re.search(r'name="receipt" value="([^"]+)"', shown).group(1)
    assert signed.startswith(receipt + ":")

    # A code the site did not issue to this member for this item is never mailed: made up,
    # unsigned, or signed for another item.
    for forged in ("AAAAAAAAAA", receipt, signed.replace(receipt, "AAAAAAAAAA")):
        client.post(f"{agm['meeting'].url}receipt/{item.pk}/", {"receipt": forged})
    assert mailoutbox == []

    client.post(f"{agm['meeting'].url}receipt/{item.pk}/", {"receipt": signed})
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [agm["voter"].email]
    assert receipt in mailoutbox[0].body
    assert "For" not in mailoutbox[0].body  # the choice itself is never mailed


def test_rerunning_a_majority_election_drops_the_elected_and_the_lowest(agm):
    from meetings.ballots.chairing import rerun_item
    from meetings.factories import CandidateFactory
    from tests.member_fixtures import give_account as account

    item = BallotItemFactory(
        meeting=agm["meeting"],
        kind=BallotItem.Kind.ELECTION,
        seats=2,
        requires_majority=True,
        title="Chapter officers",
    )
    for name in ["Ana", "Ben", "Chloé", "Dev"]:
        CandidateFactory(item=item, name=name)
    voters = [agm["voter"]] + [member_of(agm["voter"].chapter) for _ in range(4)]
    for voter in voters[1:]:
        account(voter)
    item = opened(agm, item)
    pick = {c.label: c.pk for c in Choice.objects.filter(item=item)}
    # Ana wins a majority; Ben, Chloé and Dev share the rest without one.
    for voter, names in zip(
        voters,
        [["Ana", "Ben"], ["Ana", "Chloé"], ["Ana", "Dev"], ["Ana", "Ben"], ["Chloé"]],
        strict=True,
    ):
        cast_vote(voter, item, [pick[n] for n in names])
    close_item(item, agm["chair"])

    rerun = rerun_item(item, agm["chair"])

    assert rerun.rerun_of == item and rerun.seats == 1 and rerun.state == BallotItem.State.DRAFT
    assert sorted(c.name for c in rerun.candidates.all()) == ["Ben", "Chloé"]
    item.refresh_from_db()
    assert item.state == BallotItem.State.CLOSED
    assert ChairAction.objects.filter(action=ChairAction.Action.RERUN, item=rerun).exists()


def test_the_form_posts_to_the_lean_vote_url_which_checks_item_and_meeting(client, agm):
    item = opened(agm, agm["item"])
    client.force_login(agm["voter"].account)
    url = reverse("meetings:vote", args=[agm["meeting"].pk, item.pk])
    assert f'action="{url}"' in page(client, agm)

    wrong_meeting = client.post(
        reverse("meetings:vote", args=[agm["meeting"].pk + 999, item.pk]),
        {"choice": [for_choice(item)]},
    )
    assert wrong_meeting.status_code == 404
    assert not VoterRecord.objects.exists()

    response = client.post(
        url, {"choice": [for_choice(item)]}, headers={"X-Requested-With": "fetch"}
    )
    receipt = receipt_shown(response.content.decode())
    assert receipt
    # The script's path shows the receipt at once and keeps it nowhere else.
    assert receipt not in repr(dict(client.session.items()))
    assert not any(name.startswith("ballot-receipt-") for name in response.cookies)
    # The meeting page's own route for votes is gone: only this URL records a vote.
    second = BallotItemFactory(meeting=agm["meeting"], title="Motion 2")
    second = opened(agm, second)
    old_route = client.post(f"{agm['meeting'].url}vote/{second.pk}/", {"choice": ["1"]})
    assert old_route.status_code == 404
    assert not VoterRecord.objects.filter(item=second).exists()


def test_a_refused_chair_page_explains_itself_in_the_site_layout(client, agm):
    client.force_login(agm["voter"].account)

    response = client.get(agm["meeting"].url + "chair/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "Only this meeting&#x27;s chairs and scrutineers can open this page." in html
    assert "Northwind Workers' Union" in html


def test_the_vote_url_follows_the_chair_and_the_page_at_once(
    client, agm, django_capture_on_commit_callbacks
):
    client.force_login(agm["voter"].account)
    item = agm["item"]
    # A vote on the draft item is refused (and what the vote needs of it is now cached) …
    client.post(vote_url(agm, item), {"choice": ["1"]})
    with django_capture_on_commit_callbacks(execute=True):
        item = opened(agm, item)

    # … yet once the chair opens it, the next vote counts.
    response = client.post(vote_url(agm, item), {"choice": [for_choice(item)]})
    assert response.status_code == 302 and "messages" not in response.cookies
    assert VoterRecord.objects.filter(item=item).count() == 1

    # Unpublishing the meeting, or giving it another audience, also counts at once.
    other = member_of(agm["voter"].chapter, given_name="Bea")
    give_account(other)
    client.force_login(other.account)
    meeting = agm["meeting"]
    meeting.audience_chapter = agm["outsider"].chapter
    with django_capture_on_commit_callbacks(execute=True):
        meeting.save_revision().publish()
    refused = client.post(vote_url(agm, item), {"choice": [for_choice(item)]})
    assert refused.status_code == 302 and "messages" in refused.cookies
    with django_capture_on_commit_callbacks(execute=True):
        meeting.unpublish()
    assert client.post(vote_url(agm, item), {"choice": [for_choice(item)]}).status_code == 404
    assert VoterRecord.objects.filter(item=item).count() == 1


def test_following_the_meeting_writes_nothing_to_the_database(agm):
    """The page every member loads at once, its ballot fragment and the poll only read:
    attendance is the register's job (check-in), not a write per page load."""
    opened(agm, agm["item"])
    client = Client()
    client.force_login(agm["voter"].account)
    client.get(agm["meeting"].url)  # the session's first save is sign-in's, not the page's
    cache.clear()  # also later, when every cached entry has expired
    fragment = agm["meeting"].url + "ballot/"
    poll = reverse("meetings:meeting_now", args=[agm["meeting"].pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(agm["meeting"].url).status_code == 200
        assert client.get(fragment, headers={"X-Requested-With": "fetch"}).status_code == 200
        assert client.get(poll).status_code == 200
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []


def test_the_outcome_is_worded_once_for_the_page_the_csv_and_the_api(client, agm):
    item = opened(agm, agm["item"])
    voter_client = voted_for(agm, item)
    close_item(item, agm["chair"])
    client.force_login(agm["chair"])

    page = voter_client.get(agm["meeting"].url).content.decode()
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(agm["meeting"].url + "chair/results/").content.decode("utf-8-sig")
            )
        )
    )
    api = voter_client.get(f"/api/member/v1/meetings/{agm['meeting'].pk}/ballot/").json()

    outcome = api["closed_items"][0]["result"]["outcome"]
    assert outcome == "Carried."
    assert f'<p class="result__outcome"><strong>{outcome}</strong>' in page
    assert {row["outcome"] for row in rows if row["choice"] != "ballots cast"} == {outcome}


def test_results_csv_cannot_run_formulas_in_a_spreadsheet(client, agm):
    from meetings.ballots.models import Candidate

    election = BallotItem.objects.create(
        meeting=agm["meeting"],
        position=5,
        kind=BallotItem.Kind.ELECTION,
        seats=1,
        title="@SUM(1+1) Treasurer",
    )
    Candidate.objects.create(item=election, name='=HYPERLINK("http://evil.example","Ada")')
    Candidate.objects.create(item=election, name="+Grace Lee")
    opened(agm, election)
    close_item(election, agm["chair"])
    client.force_login(agm["chair"])

    text = client.get(agm["meeting"].url + "chair/results/").content.decode("utf-8-sig")

    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'@SUM(1+1) Treasurer" in cells
    assert '\'=HYPERLINK("http://evil.example","Ada")' in cells and "'+Grace Lee" in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)
