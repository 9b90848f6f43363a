"""What one vote costs in SQL statements and Redis commands, on each path a vote comes by
(the meeting page's form, its script, the member API), with the shared cache in Redis
and sessions read from it as production runs them. A vote keeps every check (sign-in,
CSRF, the rate limits, eligibility, the sealed ballot); these counts only say that
nothing more is asked of the database or Redis than that. bench/vote_burst.py measures
the CPU they cost beside the floor app."""

import json

import pytest
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench._redis_commands import redis_commands as counting_redis_commands
from meetings.ballots.models import Ballot, VoterRecord
from meetings.proxies.rules import member_proxies
from members.api.access import issue_token
from tests.meeting_fixtures import choice, meeting_under_way
from tests.redis_fixtures import redis_cache_and_sessions, redis_is_running

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379"),
]

# A vote's statements once the item's first vote has filled the shared cache: the user
# with their member and units (by session, or by token with the token), and the vote
# itself. PostgreSQL writes the vote in one statement (casting._RECORD_VOTE_SQL); other
# databases read the item's state and insert inside a transaction and a savepoint.
STATEMENTS = {"postgresql": 2}
# The session (the API's votes come with a token), the rate limit's script, and one MGET
# of what the vote reads (casting.vote_reads): the item's and the site's versions, the
# item, the member's proxies.
REDIS_COMMANDS = {"form": 3, "fetch": 3, "api": 2}


@pytest.fixture
def redis_cache(settings):
    yield from redis_cache_and_sessions(settings, "vote-costs")


@pytest.fixture
def agm(home_page, redis_cache):
    return meeting_under_way(home_page, voters=3)


@pytest.fixture
def redis_commands():
    """The Redis commands sent, single or pipelined, in order."""
    with counting_redis_commands() as sent:
        yield sent


def voter_client(path, member):
    """A client signed in as the member the way its path is: a session and a CSRF cookie
    (checked) for the page, a token for the API."""
    client = Client(enforce_csrf_checks=True)
    if path == "api":
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {issue_token(member.account)}"
        return client, {}
    client.force_login(member.account)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    return client, {"csrfmiddlewaretoken": _mask_cipher_secret(secret)}


def cast(path, agm, member):
    """One vote For on the open item by `path`; asserts it was recorded."""
    meeting, item = agm["meeting"], agm["item"]
    client, form = voter_client(path, member)
    for_ = choice(item, "For")
    if path == "api":
        url = f"/api/member/v1/meetings/{meeting.pk}/ballot/{item.pk}/vote/"
        send = lambda: client.post(url, json.dumps({"choices": [for_]}), "application/json")  # noqa: E731
    else:
        url = reverse("meetings:vote", args=[meeting.pk, item.pk])
        headers = {"X-Requested-With": "fetch"} if path == "fetch" else {}
        send = lambda: client.post(url, {**form, "choice": for_}, headers=headers)  # noqa: E731
    return send, {"form": 302, "fetch": 200, "api": 201}[path]


@pytest.mark.parametrize("path", ["form", "fetch", "api"])
def test_a_vote_asks_the_database_and_redis_no_more_than_it_needs(path, agm, redis_commands):
    first, second = agm["voters"][:2]
    # The item's first vote fills the shared cache (the item with its choices); a member's
    # proxies are cached when their meeting page loads, as it does before they vote.
    send, expected = cast(path, agm, first)
    assert send().status_code == expected
    member_proxies(agm["meeting"].pk, second)
    send, expected = cast(path, agm, second)
    redis_commands.clear()

    with CaptureQueriesContext(connection) as queries:
        response = send()

    assert response.status_code == expected
    if path == "form":
        assert "messages" not in response.cookies  # no refusal
    assert VoterRecord.objects.filter(item=agm["item"], member=second).exists()
    assert Ballot.objects.filter(item=agm["item"]).count() == 0  # sealed until the count
    statements = [q["sql"] for q in queries.captured_queries]
    if connection.vendor in STATEMENTS:
        assert len(statements) <= STATEMENTS[connection.vendor], statements
    assert len(redis_commands) <= REDIS_COMMANDS[path], redis_commands
