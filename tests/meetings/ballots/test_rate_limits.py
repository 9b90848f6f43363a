"""Rate limits counted in the shared cache: votes through the meeting page's form (per
account and per IP, keyed on the client's address behind the load balancer) and password
reset requests. A refused request says so with a 429 and changes nothing."""

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from meetings.ballots.models import Choice, VoterRecord
from members.factories import MemberFactory
from tests.meeting_fixtures import meeting_under_way
from tests.member_fixtures import give_account
from tests.redis_fixtures import use_redis_cache

pytestmark = pytest.mark.django_db

LOAD_BALANCER = "10.0.0.2"


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page, voters=3)


@pytest.fixture(params=["local memory", "redis"])
def shared_cache(request, settings):
    """The vote limit counted by allauth in the local-memory cache, and in Redis by one
    script per vote (meetings/ballots/rate_counting.py), as production counts it."""
    if request.param == "redis":
        use_redis_cache(settings, "rate-limits")
    yield request.param
    if request.param == "redis":
        # Counted by the script (its keys), not by allauth's lists.
        assert cache.keys("rate:vote:*") and not cache.keys("allauth:*")
        cache.delete_pattern("*")


def vote_url(agm, item=None):
    """Where the meeting page's vote form posts."""
    return reverse("meetings:vote", args=[agm["meeting"].pk, (item or agm["item"]).pk])


def choice_for(item):
    return Choice.objects.get(item=item, label="For").pk


def votes_recorded(item):
    """Voter records and sealed ballots of the (open) item."""
    records = VoterRecord.objects.filter(item=item)
    return records.count(), records.filter(sealed_ballot__isnull=False).count()


def signed_in(member, **client_options):
    client = Client(**client_options)
    client.force_login(member.account)
    return client


def test_the_vote_limits_are_per_ip_and_per_account():
    assert settings.ACCOUNT_RATE_LIMITS["vote"] == "300/m/ip,20/m/key"


def test_an_account_over_the_vote_limit_gets_a_429_and_its_vote_is_not_recorded(agm, shared_cache):
    voter = agm["voter"]
    client = signed_in(voter)
    for _ in range(20):  # refused attempts (no choice) still count
        assert client.post(vote_url(agm), {}).status_code == 302

    response = client.post(vote_url(agm), {"choice": [choice_for(agm["item"])]})

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Too many votes were sent from here" in html and "not recorded" in html
    assert votes_recorded(agm["item"]) == (0, 0)
    # Another member on the same address still votes.
    other = signed_in(agm["voters"][1])
    assert other.post(vote_url(agm), {"choice": [choice_for(agm["item"])]}).status_code == 302
    assert votes_recorded(agm["item"]) == (1, 1)


def test_the_pages_script_gets_the_reason_in_the_items_place(agm):
    client = signed_in(agm["voter"])
    for _ in range(20):
        client.post(vote_url(agm), {})

    response = client.post(
        vote_url(agm),
        {"choice": [choice_for(agm["item"])]},
        headers={"X-Requested-With": "fetch"},
    )

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    # Only the item's refusal, as for any other refused vote: not the whole ballot again.
    assert 'id="ballot"' not in html
    assert f'data-item="{agm["item"].pk}"' in html
    assert 'role="alert"' in html and "Too many votes were sent from here" in html
    assert votes_recorded(agm["item"]) == (0, 0)
    # Said once, here: not again as a message on the next page.
    assert "Too many votes" not in client.get(agm["meeting"].url).content.decode()


@override_settings(ACCOUNT_RATE_LIMITS={**settings.ACCOUNT_RATE_LIMITS, "vote": "2/m/ip,20/m/key"})
def test_one_address_over_the_vote_limit_is_refused_whoever_signs_in(agm, shared_cache):
    first, second, third = (signed_in(member) for member in agm["voters"])
    for client in (first, second):
        assert client.post(vote_url(agm), {"choice": [choice_for(agm["item"])]}).status_code == 302

    response = third.post(vote_url(agm), {"choice": [choice_for(agm["item"])]})

    assert response.status_code == 429
    assert votes_recorded(agm["item"]) == (2, 2)


@override_settings(
    ACCOUNT_RATE_LIMITS={**settings.ACCOUNT_RATE_LIMITS, "vote": "2/m/ip,20/m/key"},
    ALLAUTH_TRUSTED_PROXY_COUNT=1,
)
def test_behind_the_load_balancer_the_limit_keys_on_the_clients_address(agm, shared_cache):
    def from_client(member, address):
        return signed_in(member, REMOTE_ADDR=LOAD_BALANCER, HTTP_X_FORWARDED_FOR=address)

    first, second, third = agm["voters"]
    for member in (first, second):
        client = from_client(member, "198.51.100.7")
        assert client.post(vote_url(agm), {"choice": [choice_for(agm["item"])]}).status_code == 302
    # The same load balancer, another client: not limited.
    elsewhere = from_client(third, "203.0.113.40")
    assert elsewhere.post(vote_url(agm), {"choice": [choice_for(agm["item"])]}).status_code == 302
    assert votes_recorded(agm["item"]) == (3, 3)
    # A further vote from the first client's address is.
    again = from_client(agm["outsider"], "198.51.100.7")
    assert again.post(vote_url(agm), {"choice": [choice_for(agm["item"])]}).status_code == 429


def test_a_vote_still_counts_when_the_shared_cache_cannot_be_reached(agm, settings):
    # allauth refuses every rate-limited request when it cannot reach the cache; a vote
    # goes ahead instead (the database still allows one per member), or a cache outage
    # would stop the meeting.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
        }
    }
    client = signed_in(agm["voter"])

    response = client.post(vote_url(agm), {"choice": [choice_for(agm["item"])]})

    assert response.status_code == 302
    assert votes_recorded(agm["item"]) == (1, 1)
    again = client.post(vote_url(agm), {"choice": [choice_for(agm["item"])]})
    assert again.status_code == 302
    assert votes_recorded(agm["item"]) == (1, 1)


def test_password_reset_requests_for_one_address_are_limited(client):
    member = MemberFactory(email="ada.okafor@example.org")
    give_account(member)
    assert settings.ACCOUNT_RATE_LIMITS["reset_password"] == "10/m/ip,3/15m/key"

    answers = [
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(
            reverse("account_reset_password"), {"email": member.email}
        )
        for n in range(4)
    ]

    assert [a.status_code for a in answers[:3]] == [302, 302, 302]
    assert answers[3].status_code == 429
    assert len([m for m in mail.outbox if m.to == [member.email]]) == 3


def test_password_reset_requests_from_one_address_are_limited(client):
    answers = [
        client.post(reverse("account_reset_password"), {"email": f"nobody{n}@example.org"})
        for n in range(11)
    ]

    assert {a.status_code for a in answers[:10]} == {302}
    assert answers[10].status_code == 429


@override_settings(ACCOUNT_RATE_LIMITS={**settings.ACCOUNT_RATE_LIMITS, "vote": "3/m/key"})
def test_one_vote_limit_counts_the_form_the_pages_script_and_the_api_together(agm, shared_cache):
    """The vote limit is one rule: votes by every path count against the same allowance."""
    from meetings.ballots.chairing import open_item

    meeting, chair = agm["meeting"], agm["chair"]
    items = [agm["item"]]
    for position in (2, 3, 4):
        item = meeting.ballot_items.create(title=f"Motion {position}", position=position)
        items.append(open_item(item, chair))
    client = signed_in(agm["voter"])
    api = f"/api/member/v1/meetings/{meeting.pk}/ballot/{{item}}/vote/"

    form = client.post(vote_url(agm, items[0]), {"choice": [choice_for(items[0])]})
    script = client.post(
        vote_url(agm, items[1]),
        {"choice": [choice_for(items[1])]},
        headers={"X-Requested-With": "fetch"},
    )
    program = client.post(
        api.format(item=items[2].pk),
        {"choices": [choice_for(items[2])]},
        content_type="application/json",
    )
    over = client.post(
        api.format(item=items[3].pk),
        {"choices": [choice_for(items[3])]},
        content_type="application/json",
    )
    over_by_form = client.post(vote_url(agm, items[3]), {"choice": [choice_for(items[3])]})

    assert [form.status_code, script.status_code, program.status_code] == [302, 200, 201]
    assert over.status_code == 429 and over.json()["code"] == "rate_limited"
    assert over_by_form.status_code == 429
    assert votes_recorded(items[3]) == (0, 0)


@override_settings(ACCOUNT_RATE_LIMITS={**settings.ACCOUNT_RATE_LIMITS, "receipt_check": "3/m/key"})
def test_receipt_checks_are_limited_on_the_page_and_the_api_together(agm):
    from meetings.ballots.chairing import close_item
    from tests.meeting_fixtures import unlock

    unlock(agm["meeting"])
    close_item(agm["item"], agm["chair"])
    client = signed_in(agm["voter"])
    page = f"{agm['meeting'].url}receipts/{agm['item'].pk}/check/"
    api = (
        f"/api/member/v1/meetings/{agm['meeting'].pk}/ballot/{agm['item'].pk}/receipts/AAAAAAAAAA/"
    )

    answers = [
        client.get(page, {"receipt": "AAAAAAAAAA"}).status_code,
        client.get(api).status_code,
        client.get(page, {"receipt": "BBBBBBBBBB"}).status_code,
    ]
    over_page = client.get(page, {"receipt": "CCCCCCCCCC"})
    over_api = client.get(api)

    assert answers == [200, 200, 200]
    assert over_page.status_code == 429 and "Too many receipt checks" in over_page.content.decode()
    assert over_api.status_code == 429 and over_api["Retry-After"] == "60"
    # Another member is not held up.
    assert signed_in(agm["voters"][1]).get(page, {"receipt": "AAAAAAAAAA"}).status_code == 200


def test_an_api_vote_is_limited_by_the_vote_limit_alone(agm, shared_cache, monkeypatch):
    """The vote's documented 429 is the vote limit's: a member whose API allowance for
    other requests is used up still votes, and their votes do not use it up."""
    from members.api.access import MemberAPIUserThrottle

    monkeypatch.setattr(MemberAPIUserThrottle, "rate", "2/min", raising=False)
    client = signed_in(agm["voter"])
    me = "/api/member/v1/me/"
    vote = f"/api/member/v1/meetings/{agm['meeting'].pk}/ballot/{agm['item'].pk}/vote/"

    allowance = [client.get(me).status_code for _ in range(3)]
    answer = client.post(
        vote, {"choices": [choice_for(agm["item"])]}, content_type="application/json"
    )
    second = signed_in(agm["voters"][1])
    second.post(vote, {"choices": [choice_for(agm["item"])]}, content_type="application/json")

    assert allowance == [200, 200, 429]
    assert answer.status_code == 201 and votes_recorded(agm["item"]) == (2, 2)
    assert second.get(me).status_code == 200  # their vote did not count against it
