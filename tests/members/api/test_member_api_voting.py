"""Voting through the member API: the meeting's ballot, and casting a vote with `cast_vote`.

Who may see the ballot (the meeting page's own eligibility rule), that a vote
goes through the one path the page uses and every refusal records nothing,
how programs and browsers authenticate (token; session with a CSRF token), the
vote rate limit, and the schema.
"""

import ast
import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings.ballots import casting as voting
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import Ballot, BallotItem, Choice, VoterRecord
from meetings.factories import (
    BallotItemFactory,
    CandidateFactory,
    MeetingIndexPageFactory,
    MeetingPageFactory,
)
from meetings.models import AudienceKind
from members.api import views
from members.api.serializers import VOTE_REFUSAL_CODES
from members.models import Standing
from tests.meeting_fixtures import choice, unlock
from tests.member_fixtures import give_account, member_of, two_chapters

pytestmark = pytest.mark.django_db

API = "/api/member/v1/"
TOKEN_PAGE = "/my-union/api-token/"


@pytest.fixture
def agm(home_page):
    """A Chapter AGM, a second meeting of the same Chapter, and another Chapter's meeting."""
    chapter_a, chapter_b = two_chapters()
    index = MeetingIndexPageFactory(parent=home_page)

    def meeting(chapter, **fields):
        return MeetingPageFactory(
            parent=index, audience_kind=AudienceKind.CHAPTER, audience_chapter=chapter, **fields
        )

    return {
        "meeting": meeting(chapter_a, time_zone="America/Toronto"),
        "same_chapter": meeting(chapter_a),
        "other_chapter": meeting(chapter_b),
        "chapter": chapter_a,
        "other": chapter_b,
    }


def motion(meeting, chair, *, opened=True, **fields):
    item = BallotItemFactory(meeting=meeting, **fields)
    return opened_and_unlocked(item, chair) if opened else item


def opened_and_unlocked(item, chair):
    """The chair opens the item; a scrutineer unlocks the ballots so it can be counted."""
    item = open_item(item, chair)
    unlock(item.meeting)
    return item


def election(meeting, chair, names, seats=1, **fields):
    item = BallotItemFactory(meeting=meeting, kind=BallotItem.Kind.ELECTION, seats=seats, **fields)
    for n, name in enumerate(names):
        CandidateFactory(item=item, name=name, sort_order=n)
    return opened_and_unlocked(item, chair)


def signed_in(member, **account):
    client = Client()
    client.force_login(member.account or give_account(member, **account))
    return client


def with_token(member):
    """A program's client: the member creates a token on their page and hands it over."""
    session = signed_in(member)
    key = session.post(TOKEN_PAGE, {"action": "create"}).context["new_key"]
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def ballot_url(meeting):
    return f"{API}meetings/{meeting.pk}/ballot/"


def vote_url(meeting, item):
    return f"{API}meetings/{meeting.pk}/ballot/{item.pk}/vote/"


def vote(client, meeting, item, choices, **extra):
    return client.post(
        vote_url(meeting, item), {"choices": choices}, content_type="application/json", **extra
    )


def recorded():
    """Everything a vote could change, for all items."""
    return (
        sorted(
            bytes(sealed or b"")
            for sealed in VoterRecord.objects.values_list("sealed_ballot", flat=True)
        ),
        sorted(Ballot.objects.values_list("choices", "receipt")),
    )


# The ballot ---------------------------------------------------------------------------


def test_ballot_shows_the_open_items_with_their_choices_and_whether_the_member_voted(agm, chair):
    meeting = agm["meeting"]
    budget = motion(meeting, chair, kind="budget", title="Budget 2027", position=1)
    trustees = election(meeting, chair, ["Ana Silva", "Ben Okafor", "Chloé Tremblay"], seats=2)
    motion(meeting, chair, opened=False, title="Motion not yet put", position=9)
    voter = member_of(agm["chapter"])
    client = signed_in(voter)

    before = client.get(ballot_url(meeting))
    vote(client, meeting, budget, [choice(budget, "For")])
    after = client.get(ballot_url(meeting)).json()

    assert before.status_code == 200
    data = before.json()
    assert data["meeting_id"] == meeting.pk
    assert data["closed_items"] == []
    assert [item["title"] for item in data["open_items"]] == ["Budget 2027", trustees.title]
    first, second = data["open_items"]
    assert (first["id"], first["kind"], first["max_choices"]) == (budget.pk, "budget", 1)
    assert first["text"].startswith("<p>That the union campaigns")
    assert first["choices"] == [
        {"id": choice(budget, "For"), "label": "For", "is_abstain": False},
        {"id": choice(budget, "Against"), "label": "Against", "is_abstain": False},
        {"id": choice(budget, "Abstain"), "label": "Abstain", "is_abstain": True},
    ]
    assert (second["kind"], second["max_choices"]) == ("election", 2)
    assert [c["label"] for c in second["choices"]] == [
        "Ana Silva",
        "Ben Okafor",
        "Chloé Tremblay",
        "Abstain",
    ]
    assert [item["has_voted"] for item in data["open_items"]] == [False, False]
    assert [item["has_voted"] for item in after["open_items"]] == [True, False]
    assert "Motion not yet put" not in before.content.decode()
    assert "private" in before["Cache-Control"] and "no-store" in before["Cache-Control"]


def test_closed_items_show_results_and_every_receipt(agm, chair):
    meeting = agm["meeting"]
    item = motion(meeting, chair, majority=BallotItem.Majority.TWO_THIRDS, title="Dues")
    voters = [member_of(agm["chapter"]) for _ in range(4)]
    receipts = [
        vote(with_token(v), meeting, item, [choice(item, label)]).json()["receipt"]
        for v, label in zip(voters, ["For", "For", "Against", "Abstain"], strict=True)
    ]
    close_item(item, chair)

    data = signed_in(voters[0]).get(ballot_url(meeting)).json()

    assert data["open_items"] == []
    (closed,) = data["closed_items"]
    assert (closed["id"], closed["title"]) == (item.pk, "Dues")
    assert closed["closed_at"].endswith("-04:00") or closed["closed_at"].endswith("-05:00")
    result = closed["result"]
    assert (result["ballots_cast"], result["votes_counted"]) == (4, 3)
    assert [(c["label"], c["votes"], c["percent"]) for c in result["choices"]] == [
        ("For", 2, 66.7),
        ("Against", 1, 33.3),
        ("Abstain", 1, None),
    ]
    assert result["carried"] is True  # two of three votes cast reach two-thirds
    assert (result["elected"], result["tie"]) == ([], False)
    assert "receipts" not in closed  # listed apart: a large meeting's run to megabytes
    token_client = with_token(voters[1])
    listed = token_client.get(closed["receipts_url"])
    assert listed.status_code == 200
    assert listed.json() == {"item_id": item.pk, "receipts": sorted(receipts)}
    typed = receipts[2].lower()
    assert token_client.get(f"{closed['receipts_url']}{typed}/").json() == {
        "receipt": receipts[2],
        "counted": True,
    }


def test_a_receipt_check_answers_only_counted_or_not_and_refuses_what_is_not_a_receipt(agm, chair):
    meeting = agm["meeting"]
    item = motion(meeting, chair, title="Dues")
    other = motion(meeting, chair, title="Bylaws", position=2)
    voter = member_of(agm["chapter"])
    client = with_token(voter)
    mine = vote(client, meeting, item, [choice(item, "For")]).json()["receipt"]
    on_other = vote(client, meeting, other, [choice(other, "For")]).json()["receipt"]
    receipts_url = f"{API}meetings/{meeting.pk}/ballot/{item.pk}/receipts/"

    assert client.get(receipts_url).status_code == 404  # not closed yet: nothing published
    close_item(item, chair)
    before = recorded()

    assert client.get(f"{receipts_url}{mine}/").json() == {"receipt": mine, "counted": True}
    assert client.get(f"{receipts_url}{on_other}/").json()["counted"] is False
    assert client.get(f"{receipts_url}AAAAAAAAAA/").json()["counted"] is False
    not_a_code = client.get(f"{receipts_url}hello/")
    assert not_a_code.status_code == 400 and "not a receipt" in not_a_code.json()["detail"]
    assert recorded() == before


def test_receipts_are_refused_to_members_who_may_not_attend(agm, chair):
    meeting = agm["meeting"]
    item = motion(meeting, chair, title="Dues")
    vote(with_token(member_of(agm["chapter"])), meeting, item, [choice(item, "For")])
    close_item(item, chair)
    receipts_url = f"{API}meetings/{meeting.pk}/ballot/{item.pk}/receipts/"

    outsider = with_token(member_of(agm["other"]))
    suspended = with_token(member_of(agm["chapter"], standing=Standing.SUSPENDED))

    assert outsider.get(receipts_url).status_code == 404  # as for a meeting that is not there
    assert suspended.get(receipts_url).status_code == 403
    assert Client().get(receipts_url).status_code == 401


def test_election_results_say_who_was_elected_and_flag_a_tie(agm, chair):
    meeting = agm["meeting"]
    item = election(meeting, chair, ["Ana Silva", "Ben Okafor", "Chloé Tremblay"], seats=2)
    ballots = [["Ana Silva", "Ben Okafor"], ["Ana Silva", "Chloé Tremblay"], ["Ana Silva"]]
    for names in ballots:
        voter = member_of(agm["chapter"])
        response = vote(with_token(voter), meeting, item, [choice(item, n) for n in names])
        assert response.status_code == 201
    close_item(item, chair)

    data = with_token(member_of(agm["chapter"])).get(ballot_url(meeting)).json()

    result = data["closed_items"][0]["result"]
    assert result["carried"] is None
    assert result["elected"] == ["Ana Silva"]
    assert result["tie"] is True and result["unfilled_seats"] == 1
    assert "chair decides" in result["note"]
    assert [(c["label"], c["elected"], c["tied"]) for c in result["choices"][:3]] == [
        ("Ana Silva", True, False),
        ("Ben Okafor", False, True),
        ("Chloé Tremblay", False, True),
    ]


@pytest.mark.parametrize(
    ("member_fields", "reason"),
    [
        ({"standing": Standing.SUSPENDED}, "Your membership is suspended"),
        ({"account_needs_approval": True}, "has not yet confirmed your account"),
    ],
    ids=["suspended", "waiting-for-approval"],
)
def test_member_who_may_not_attend_is_refused_the_ballot_with_the_reason(
    agm, chair, member_fields, reason
):
    item = motion(agm["meeting"], chair, title="Motion on staffing")

    response = signed_in(member_of(agm["chapter"], **member_fields)).get(ballot_url(agm["meeting"]))

    assert response.status_code == 403
    assert reason in response.json()["detail"]
    assert item.title not in response.content.decode()


def test_ballot_of_another_chapters_meeting_is_404_like_an_id_that_does_not_exist(agm, chair):
    theirs = agm["other_chapter"]
    item = motion(theirs, chair, title="Their motion")
    client = signed_in(member_of(agm["chapter"]))

    other = client.get(ballot_url(theirs))
    nonexistent = client.get(f"{API}meetings/{theirs.pk + 1000}/ballot/")

    assert other.status_code == nonexistent.status_code == 404
    assert other.content == nonexistent.content
    assert item.title not in other.content.decode()


def test_anonymous_and_unconfirmed_requests_are_refused(client, agm, chair):
    item = motion(agm["meeting"], chair)
    unconfirmed = signed_in(member_of(agm["chapter"]), verified=False)
    before = recorded()

    anonymous = [
        client.get(ballot_url(agm["meeting"])),
        vote(client, agm["meeting"], item, [choice(item, "For")]),
    ]
    refused = [
        unconfirmed.get(ballot_url(agm["meeting"])),
        vote(unconfirmed, agm["meeting"], item, [choice(item, "For")]),
    ]

    assert [r.status_code for r in anonymous] == [401, 401]
    assert [r.status_code for r in refused] == [403, 403]
    assert all("Confirm your email address" in r.json()["detail"] for r in refused)
    assert recorded() == before


def test_a_token_stops_voting_when_its_account_is_no_longer_confirmed(agm, chair):
    # The token's user comes with their member in one query (members/api/access.py); the
    # account rule is still asked there.
    from allauth.account.models import EmailAddress

    item = motion(agm["meeting"], chair)
    voter = member_of(agm["chapter"])
    program = with_token(voter)
    assert program.get(ballot_url(agm["meeting"])).status_code == 200
    EmailAddress.objects.filter(user=voter.account).update(verified=False)
    before = recorded()

    refused = vote(program, agm["meeting"], item, [choice(item, "For")])

    assert refused.status_code == 403
    assert "Confirm your email address" in refused.json()["detail"]
    assert recorded() == before


# Voting -------------------------------------------------------------------------------


def test_a_program_votes_with_a_token_and_gets_a_receipt(agm, chair):
    meeting = agm["meeting"]
    item = motion(meeting, chair)
    voter = member_of(agm["chapter"])
    program = with_token(voter)
    offered = program.get(ballot_url(meeting)).json()["open_items"][0]
    against = next(c["id"] for c in offered["choices"] if c["label"] == "Against")

    response = vote(program, meeting, item, [against])

    assert response.status_code == 201
    receipt = response.json()["receipt"]
    assert response.json() == {"receipt": receipt} and len(receipt) == 10
    assert VoterRecord.objects.filter(item=item, member=voter).count() == 1
    assert "no-store" in response["Cache-Control"]
    close_item(item, chair)
    ballot = Ballot.objects.get(item=item, receipt=receipt)
    assert ballot.positions == [Choice.objects.get(pk=against).position]


def test_a_browser_votes_with_its_session_and_a_csrf_token_and_not_without(agm, chair):
    meeting = agm["meeting"]
    item = motion(meeting, chair)
    voter = member_of(agm["chapter"])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(give_account(voter))
    browser.get(TOKEN_PAGE)  # any page with a form hands the browser its CSRF cookie
    csrf_token = browser.cookies["csrftoken"].value

    forged = vote(browser, meeting, item, [choice(item, "For")])
    after_forged = recorded()
    response = vote(browser, meeting, item, [choice(item, "For")], HTTP_X_CSRFTOKEN=csrf_token)

    assert forged.status_code == 403
    assert "CSRF" in forged.json()["detail"]
    assert after_forged[0] == []
    assert response.status_code == 201
    assert VoterRecord.objects.filter(item=item, member=voter).exists()
    close_item(item, chair)
    assert Ballot.objects.filter(item=item, receipt=response.json()["receipt"]).exists()


def test_a_second_vote_is_refused_with_409_and_the_first_stands(agm, chair):
    meeting = agm["meeting"]
    item = motion(meeting, chair)
    program = with_token(member_of(agm["chapter"]))
    first = vote(program, meeting, item, [choice(item, "For")])
    before = recorded()

    second = vote(program, meeting, item, [choice(item, "Against")])

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json() == {
        "detail": "You have already voted on this item.",
        "code": "already_voted",
    }
    assert recorded() == before
    close_item(item, chair)
    assert Ballot.objects.get(item=item).receipt == first.json()["receipt"]


REFUSALS = {
    # case: (status, code)
    "ineligible": (403, "ineligible"),
    "closed": (409, "not_open"),
    "second_vote": (409, "already_voted"),
    "nothing": (400, "no_choice"),
    "unknown": (400, "unknown_choice"),
    "other_items_choice": (400, "unknown_choice"),
    "too_many": (400, "too_many_choices"),
    "abstain_mixed": (400, "abstain_mixed"),
    "not_a_list": (400, "invalid"),
    "not_numbers": (400, "invalid"),
    "no_choices_key": (400, "invalid"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_every_refusal_is_answered_with_its_code_and_records_nothing(agm, chair, case):
    meeting = agm["meeting"]
    item = election(meeting, chair, ["Ana Silva", "Ben Okafor", "Chloé Tremblay"], seats=2)
    other = motion(meeting, chair)
    ana, ben, chloe = (choice(item, n) for n in ("Ana Silva", "Ben Okafor", "Chloé Tremblay"))
    voter = member_of(agm["chapter"])
    target, body = item, {"choices": [ana]}
    if case == "ineligible":
        voter = member_of(agm["chapter"], standing=Standing.LAPSED)
    elif case == "closed":
        close_item(item, chair)
    elif case == "second_vote":
        assert vote(with_token(voter), meeting, item, [ben]).status_code == 201
    elif case == "nothing":
        body = {"choices": []}
    elif case == "unknown":
        body = {"choices": [999_999]}
    elif case == "other_items_choice":
        body = {"choices": [choice(other, "For")]}
    elif case == "too_many":
        body = {"choices": [ana, ben, chloe]}
    elif case == "abstain_mixed":
        body = {"choices": [ana, choice(item, "Abstain")]}
    elif case == "not_a_list":
        body = {"choices": str(ana)}
    elif case == "not_numbers":
        body = {"choices": ["1; DROP TABLE meetings_ballot"]}
    elif case == "no_choices_key":
        body = {"choice": ana}
    program = with_token(voter)
    before = recorded()

    response = program.post(vote_url(meeting, target), body, content_type="application/json")

    status, code = REFUSALS[case]
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert "receipt" not in response.json()
    assert recorded() == before


def test_every_code_cast_vote_can_refuse_with_is_in_the_schema():
    tree = ast.parse(Path(voting.__file__).read_text())
    raised = {
        node.args[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "VoteRefused"
        and len(node.args) == 2
        and isinstance(node.args[1], ast.Constant)
    } | set(voting.REFUSALS)

    assert raised >= {"ineligible", "not_open", "already_voted", "no_choice"}
    assert raised <= {code for code, _ in VOTE_REFUSAL_CODES}


def test_an_item_of_another_meeting_is_404_and_records_nothing(agm, chair):
    mine, same_chapter = agm["meeting"], agm["same_chapter"]
    item = motion(same_chapter, chair)
    theirs = motion(agm["other_chapter"], chair)
    program = with_token(member_of(agm["chapter"]))
    before = recorded()

    wrong_meeting = vote(program, mine, item, [choice(item, "For")])
    not_my_meeting = vote(program, agm["other_chapter"], theirs, [choice(theirs, "For")])
    no_such_item = program.post(
        f"{API}meetings/{mine.pk}/ballot/{theirs.pk + 1000}/vote/",
        {"choices": [1]},
        content_type="application/json",
    )

    assert wrong_meeting.status_code == no_such_item.status_code == 404
    assert wrong_meeting.content == no_such_item.content
    assert not_my_meeting.status_code == 404
    assert "no meeting with that ID" in not_my_meeting.json()["detail"]
    assert recorded() == before


def test_only_json_bodies_are_accepted(agm, chair):
    item = motion(agm["meeting"], chair)
    program = with_token(member_of(agm["chapter"]))

    response = program.post(vote_url(agm["meeting"], item), {"choices": choice(item, "For")})

    assert response.status_code == 415
    assert VoterRecord.objects.count() == 0


def test_votes_are_rate_limited_per_user_apart_from_reading(agm, chair, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "vote": "2/m/key"}
    meeting = agm["meeting"]
    items = [motion(meeting, chair) for _ in range(3)]
    program = with_token(member_of(agm["chapter"]))
    someone_else = with_token(member_of(agm["chapter"]))

    answers = [vote(program, meeting, i, [choice(i, "For")]).status_code for i in items]

    assert answers == [201, 201, 429]
    refused = vote(program, meeting, items[2], [choice(items[2], "For")])
    assert refused.json()["code"] == "rate_limited" and refused["Retry-After"] == "60"
    assert VoterRecord.objects.filter(item=items[2]).count() == 0
    assert program.get(ballot_url(meeting)).status_code == 200
    assert vote(someone_else, meeting, items[2], [choice(items[2], "For")]).status_code == 201


def test_the_api_votes_only_through_cast_vote_and_answers_its_refusals(agm, chair, monkeypatch):
    item = motion(agm["meeting"], chair)
    voter = member_of(agm["chapter"])
    calls = []

    def cast_vote_spy(member, ballot_item, choice_ids, on_behalf_of=None):
        calls.append((member.pk, ballot_item.pk, list(choice_ids)))
        if len(calls) > 1:
            raise voting.VoteRefused("A rule added later.", "some_new_rule")
        return voting.cast_vote(member, ballot_item, choice_ids, on_behalf_of=on_behalf_of)

    monkeypatch.setattr(views, "cast_vote", cast_vote_spy)
    program = with_token(voter)

    accepted = vote(program, agm["meeting"], item, [choice(item, "For")])
    refused = vote(program, agm["meeting"], item, [choice(item, "Against")])

    assert calls == [
        (voter.pk, item.pk, [choice(item, "For")]),
        (voter.pk, item.pk, [choice(item, "Against")]),
    ]
    assert accepted.status_code == 201
    assert refused.status_code == 400
    assert refused.json() == {"detail": "A rule added later.", "code": "some_new_rule"}


# Schema -------------------------------------------------------------------------------


def test_schema_validates_and_describes_the_ballot_and_the_vote(client, home_page, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=io.StringIO()
    )
    schema = client.get(API + "schema/?format=json").json()

    ballot = schema["paths"]["/api/member/v1/meetings/{meeting_id}/ballot/"]["get"]
    cast = schema["paths"]["/api/member/v1/meetings/{meeting_id}/ballot/{item_id}/vote/"]["post"]
    components = schema["components"]["schemas"]
    assert set(ballot["responses"]) == {"200", "401", "403", "404", "429"}
    assert set(cast["responses"]) == {"201", "400", "401", "403", "404", "409", "429"}
    assert list(cast["requestBody"]["content"]) == ["application/json"]
    assert cast["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Vote"
    }
    assert components["Receipt"]["required"] == ["receipt"]
    assert set(components["VoteRefusalCodeEnum"]["enum"]) == {c for c, _ in VOTE_REFUSAL_CODES}
    assert components["OpenBallotItem"]["properties"]["choices"]["items"] == {
        "$ref": "#/components/schemas/BallotChoice"
    }
    assert components["ChoiceResult"]["properties"]["percent"]["nullable"] is True
    assert components["BallotItemKindEnum"]["enum"] == [
        "motion",
        "budget",
        "election",
        "ranked",
    ]


def test_following_the_ballot_through_the_api_writes_nothing(agm, chair):
    """Polling the ballot reads only: attendance is recorded at check-in."""
    meeting = agm["meeting"]
    motion(meeting, chair)
    voter = member_of(agm["chapter"])
    api = signed_in(voter)
    api.get(ballot_url(meeting))
    cache.clear()  # also later, when every cached entry has expired

    with CaptureQueriesContext(connection) as queries:
        assert api.get(ballot_url(meeting)).status_code == 200

    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
