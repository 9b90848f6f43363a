"""The member API (/api/member/v1/): a confirmed member's own profile and meetings.

Who gets data (confirmed members only), what of a meeting they get (the meeting
page's own eligibility rule), how programs authenticate (a token the member
creates and revokes), and what stays constant: query counts, the schema.
"""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from meetings.factories import MeetingIndexPageFactory, MeetingMaterialFactory, MeetingPageFactory
from meetings.models import AudienceKind
from members.api.access import MemberAPIAnonThrottle, MemberAPIUserThrottle
from members.models import Standing
from tests.member_fixtures import give_account, member_of, two_chapters
from tests.redis_fixtures import use_redis_cache

pytestmark = pytest.mark.django_db

API = "/api/member/v1/"
TOKEN_PAGE = "/my-union/api-token/"
JOINING_DETAIL = "867 5309"  # the factory meeting's video meeting ID


@pytest.fixture
def units(home_page):
    chapter_a, chapter_b = two_chapters()
    return {"a": chapter_a, "b": chapter_b, "index": MeetingIndexPageFactory(parent=home_page)}


def meeting(units, **fields):
    fields.setdefault("audience_kind", AudienceKind.CHAPTER)
    if fields["audience_kind"] == AudienceKind.CHAPTER:
        fields.setdefault("audience_chapter", units["a"])
    return MeetingPageFactory(parent=units["index"], **fields)


def soon():
    """A start time whose meeting room is already open."""
    return timezone.now() + datetime.timedelta(minutes=10)


def signed_in(member, **account):
    client = Client()
    client.force_login(give_account(member, **account))
    return client


def with_token(key):
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def create_token(client):
    """Create a token on the member's own page, as a member would, and return the key."""
    response = client.post(TOKEN_PAGE, {"action": "create"})
    assert response.status_code == 200
    return response.context["new_key"]


# Who gets data ------------------------------------------------------------------------


def test_profile_returns_only_the_members_own_data(units):
    member = member_of(units["a"], phone="780-555-0101", address_line_1="1 Main St")
    other = member_of(units["b"])
    give_account(other)

    data = signed_in(member).get(API + "me/").json()

    assert data["member_id"] == member.member_id
    assert (data["given_name"], data["family_name"]) == (member.given_name, member.family_name)
    assert data["sector"] == {"name": "Health care", "slug": "health-care"}
    assert data["local"] == {"number": 12, "name": units["a"].local.name}
    assert data["chapter"] == {"number": 1, "name": "North Ward"}
    assert data["area_council"] is None
    assert data["standing"] == "active"
    assert data["email"] == data["account_email"] == member.email
    assert data["communication_choices"]["meeting_notices"] is True
    assert data["communication_choices"]["refuses_email"] is False
    body = str(data)
    assert other.member_id not in body and other.email not in body
    # Contact details stay on the site's "My information" page, not with programs.
    assert "780-555-0101" not in body and "1 Main St" not in body


def test_anonymous_request_is_refused_with_401_and_told_how_to_authenticate(client, units):
    for path in ["me/", "meetings/", "meetings/1/"]:
        response = client.get(API + path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert "credentials were not provided" in response.json()["detail"]


def test_signed_in_user_who_is_not_a_member_is_refused_with_a_reason(client, site_user):
    client.force_login(site_user)

    response = client.get(API + "me/")

    assert response.status_code == 403
    assert "not linked to a member" in response.json()["detail"]


def test_unverified_member_is_refused_and_told_to_confirm_their_email(units):
    member = member_of(units["a"])
    meeting(units, starts_at=soon())
    client = signed_in(member, verified=False)

    for path in ["me/", "meetings/"]:
        response = client.get(API + path)
        assert response.status_code == 403
        assert "Confirm your email address" in response.json()["detail"]
        assert JOINING_DETAIL not in response.content.decode()


def test_invalid_token_is_refused(units):
    response = with_token("0" * 40).get(API + "me/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


# Meetings -----------------------------------------------------------------------------


def test_meetings_list_has_exactly_the_members_meetings(units):
    chapter_a, chapter_b = units["a"], units["b"]
    mine = [
        meeting(units, title="Chapter AGM"),
        meeting(
            units,
            title="Local AGM",
            audience_kind=AudienceKind.LOCAL,
            audience_local=chapter_a.local,
        ),
        meeting(
            units,
            title="Sector meeting",
            audience_kind=AudienceKind.SECTOR,
            audience_sector=chapter_a.local.sector,
        ),
        meeting(units, title="Union AGM", audience_kind=AudienceKind.UNION),
        meeting(
            units,
            title="Last year's AGM",
            starts_at=timezone.now() - datetime.timedelta(days=365),
        ),
    ]
    meeting(units, title="Other Chapter", audience_chapter=chapter_b)
    meeting(
        units, title="Other Local", audience_kind=AudienceKind.LOCAL, audience_local=chapter_b.local
    )
    meeting(units, title="Draft").unpublish()
    member = member_of(chapter_a)

    client = signed_in(member)
    data = client.get(API + "meetings/").json()

    assert sorted(item["id"] for item in data) == sorted(m.pk for m in mine)
    assert [item["status"] for item in data] == ["upcoming"] * 4 + ["past"]
    assert data[-1]["title"] == "Last year's AGM"
    upcoming = client.get(API + "meetings/?when=upcoming").json()
    assert len(upcoming) == 4 and {item["status"] for item in upcoming} == {"upcoming"}


def test_unknown_when_filter_is_a_400_naming_the_choices(units):
    response = signed_in(member_of(units["a"])).get(API + "meetings/?when=tomorrow")

    assert response.status_code == 400
    assert "upcoming" in response.json()["when"][0]


def test_meeting_shows_its_facts_with_times_in_its_own_zone(units, home_page):
    starts = datetime.datetime(2031, 5, 1, 23, 0, tzinfo=datetime.UTC)  # 19:00 in Toronto
    agm = meeting(
        units,
        title="Chapter AGM",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        time_zone="America/Toronto",
    )

    item = signed_in(member_of(units["a"])).get(API + f"meetings/{agm.pk}/").json()

    assert item["title"] == "Chapter AGM"
    assert (item["kind"], item["kind_label"]) == ("agm", "Annual General Meeting")
    assert item["audience_kind"] == "chapter"
    assert item["audience_name"] == f"Members of {units['a']}"
    assert item["starts_at"] == "2031-05-01T19:00:00-04:00"
    assert item["ends_at"] == "2031-05-01T21:00:00-04:00"
    assert item["room_opens_at"] == "2031-05-01T18:30:00-04:00"
    assert item["time_zone"] == "America/Toronto"
    assert item["url"] == agm.get_full_url()
    assert (item["eligible"], item["reason"]) == (True, "")


def test_joining_details_only_when_eligible_and_the_room_is_open(units):
    open_now = meeting(units, starts_at=soon())
    next_week = meeting(units)
    MeetingMaterialFactory(meeting=next_week)
    client = signed_in(member_of(units["a"]))

    opened = client.get(API + f"meetings/{open_now.pk}/").json()
    waiting = client.get(API + f"meetings/{next_week.pk}/").json()

    assert opened["room_is_open"] is True
    assert opened["joining"] == {
        "video_link": "https://video.northwind.example/j/8675309",
        "video_meeting_id": JOINING_DETAIL,
        "video_passcode": "AGM2027",
        "dial_in_number": "1-800-555-0177",
    }
    assert waiting["room_is_open"] is False
    assert waiting["joining"] is None
    assert waiting["room_opens_at"]
    # Everything else an eligible member gets does not wait for the room.
    assert "Call to order" in waiting["agenda"]
    assert waiting["it_support"]["phone"] == "780-555-0150"
    assert len(waiting["materials"]) == 1


@pytest.mark.parametrize(
    ("member_fields", "reason"),
    [
        ({"standing": Standing.SUSPENDED}, "Your membership is suspended"),
        ({"standing": Standing.LAPSED}, "Your membership is lapsed"),
        ({"account_needs_approval": True}, "has not yet confirmed your account"),
    ],
    ids=["suspended", "lapsed", "waiting-for-approval"],
)
def test_member_who_may_not_attend_gets_the_reason_and_no_joining_details_or_materials(
    units, member_fields, reason
):
    agm = meeting(units, starts_at=soon())
    material = MeetingMaterialFactory(meeting=agm)
    client = signed_in(member_of(units["a"], **member_fields))

    listed = client.get(API + "meetings/").json()
    detail = client.get(API + f"meetings/{agm.pk}/")

    assert [item["id"] for item in listed] == [agm.pk]
    item = detail.json()
    assert item == listed[0]
    assert item["eligible"] is False and reason in item["reason"]
    assert item["room_is_open"] is True
    assert item["joining"] is item["agenda"] is item["it_support"] is item["materials"] is None
    assert JOINING_DETAIL not in detail.content.decode()
    assert material.document.url not in detail.content.decode()
    download = client.get(API + f"meetings/{agm.pk}/materials/{material.pk}/download/")
    assert download.status_code == 403
    assert reason in download.json()["detail"]


def test_detail_is_404_alike_for_another_chapters_meeting_and_a_nonexistent_id(units):
    theirs = meeting(units, audience_chapter=units["b"], starts_at=soon())
    material = MeetingMaterialFactory(meeting=theirs)
    client = signed_in(member_of(units["a"]))

    other_chapter = client.get(API + f"meetings/{theirs.pk}/")
    nonexistent = client.get(API + f"meetings/{theirs.pk + 1000}/")
    download = client.get(API + f"meetings/{theirs.pk}/materials/{material.pk}/download/")

    assert other_chapter.status_code == nonexistent.status_code == download.status_code == 404
    assert other_chapter.content == nonexistent.content == download.content
    assert JOINING_DETAIL not in other_chapter.content.decode()


def test_an_id_too_long_for_the_database_is_a_json_404_not_a_server_error(units):
    client = signed_in(member_of(units["a"]))
    too_long = "9" * 19  # past what a 64-bit id holds; SQLite cannot even be asked

    for path in (
        f"meetings/{too_long}/",
        f"meetings/{too_long}/materials/1/download/",
        f"meetings/1/ballot/{too_long}/vote/",
    ):
        response = client.get(API + path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), path


def test_eligible_member_downloads_a_material_through_the_api_with_a_token(units):
    agm = meeting(units)
    material = MeetingMaterialFactory(meeting=agm)
    session = signed_in(member_of(units["a"]))
    listed = session.get(API + f"meetings/{agm.pk}/").json()["materials"][0]

    response = with_token(create_token(session)).get(listed["download_url"])

    assert listed["title"] == material.document.title
    assert listed["document_url"] == "http://testserver" + material.document.url
    assert listed["file_extension"] == "pdf" and listed["file_size"] > 0
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    missing = session.get(API + f"meetings/{agm.pk}/materials/{material.pk + 1000}/download/")
    assert missing.status_code == 404


def test_answers_are_never_cached_by_shared_caches_or_the_browser(units):
    response = signed_in(member_of(units["a"])).get(API + "me/")

    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "Authorization" in response["Vary"] and "Cookie" in response["Vary"]


# Queries for one request, whatever the number of meetings and materials. Session:
# session, user with their member (with units and account check: one query,
# members.audience.users_with_their_member), meetings (with audience units), materials
# (with documents), Wagtail's site root paths (cached after). Token: the session and
# user with their member give way to one query for the token with its user and member.
MEETINGS_QUERIES = {"session": 5, "token": 4}


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize(("meetings", "materials_each"), [(1, 0), (1, 3), (30, 3)])
def test_meetings_are_read_in_a_constant_number_of_queries(
    units, django_assert_max_num_queries, meetings, materials_each, auth
):
    member = member_of(units["a"])
    for _ in range(meetings):
        agm = meeting(units, starts_at=soon())
        for _ in range(materials_each):
            MeetingMaterialFactory(meeting=agm)
    client = signed_in(member)
    if auth == "token":
        client = with_token(create_token(client))
    cache.clear()  # count the request that finds Wagtail's site root paths uncached
    expected = MEETINGS_QUERIES[auth]

    with django_assert_max_num_queries(expected) as captured:
        data = client.get(API + "meetings/").json()

    assert len(captured) == expected
    assert len(data) == meetings
    assert sum(len(item["materials"]) for item in data) == meetings * materials_each
    assert all(item["joining"] for item in data)


def test_profile_is_read_in_a_constant_number_of_queries(units, django_assert_num_queries):
    client = signed_in(member_of(units["a"]))

    with django_assert_num_queries(2):  # session, user with member, units and account check
        client.get(API + "me/")


# Tokens -------------------------------------------------------------------------------


def test_token_auth_works_and_a_revoked_token_fails(units):
    member = member_of(units["a"])
    session = signed_in(member)
    key = create_token(session)

    assert with_token(key).get(API + "me/").json()["member_id"] == member.member_id

    revoked = session.post(TOKEN_PAGE, {"action": "revoke"})
    assert revoked.status_code == 302
    assert not Token.objects.filter(user=member.account).exists()
    response = with_token(key).get(API + "me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_replacing_a_token_stops_the_old_one(units):
    session = signed_in(member_of(units["a"]))
    old_key = create_token(session)

    new_key = create_token(session)

    assert old_key != new_key
    assert with_token(old_key).get(API + "me/").status_code == 401
    assert with_token(new_key).get(API + "me/").status_code == 200


def test_token_is_shown_once_and_stored_only_as_a_hash(units):
    member = member_of(units["a"])
    session = signed_in(member)

    created = session.post(TOKEN_PAGE, {"action": "create"})
    key = created.context["new_key"]
    later = session.get(TOKEN_PAGE)

    assert key in created.content.decode()
    assert "no-store" in created["Cache-Control"]
    assert later.status_code == 200
    assert key not in later.content.decode() and "Revoke my token" in later.content.decode()
    assert not Token.objects.filter(key=key).exists()
    assert Token.objects.filter(user=member.account).count() == 1


def test_token_of_a_member_whose_account_is_unlinked_stops_working(units):
    member = member_of(units["a"])
    key = create_token(signed_in(member))
    member.account = None
    member.save()

    response = with_token(key).get(API + "me/")

    assert response.status_code == 403
    assert "not linked to a member" in response.json()["detail"]


def test_only_confirmed_members_can_create_a_token(client, site_user):
    client.force_login(site_user)

    response = client.post(TOKEN_PAGE, {"action": "create"})

    assert response.status_code == 403
    assert not Token.objects.exists()
    assert "not linked to a confirmed member account" in response.content.decode()


def test_token_page_asks_anonymous_visitors_to_sign_in(client, home_page):
    response = client.get(TOKEN_PAGE)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_token_page_post_without_csrf_token_is_refused(units):
    member = member_of(units["a"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(give_account(member))

    created = client.post(TOKEN_PAGE, {"action": "create"})

    assert created.status_code == 403
    assert not Token.objects.exists()


def test_revoking_without_csrf_token_is_refused(units):
    member = member_of(units["a"])
    key = create_token(signed_in(member))
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.account)

    assert client.post(TOKEN_PAGE, {"action": "revoke"}).status_code == 403
    assert with_token(key).get(API + "me/").status_code == 200


def test_session_request_with_an_unsafe_method_and_no_csrf_token_is_refused(units):
    client = Client(enforce_csrf_checks=True)
    client.force_login(give_account(member_of(units["a"])))

    response = client.post(API + "meetings/", {})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert client.get(API + "meetings/").status_code == 200


def test_token_requests_need_no_csrf_token_and_cannot_change_anything(units):
    session = signed_in(member_of(units["a"]))
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {create_token(session)}")

    assert client.post(API + "meetings/", {}).status_code == 405


# Rate limits --------------------------------------------------------------------------


@pytest.fixture(params=["local memory", "redis"])
def throttle_cache(request, settings):
    """The API's throttles counted by DRF in the local-memory cache, and in Redis by
    rate_counting's sliding-window script, as production counts them."""
    if request.param == "redis":
        use_redis_cache(settings, "api-throttles")
    yield request.param
    if request.param == "redis":
        # Counted by the script (sorted sets under rate: keys), not DRF's lists.
        assert cache.keys("rate:throttle_member_api_*")
        assert not cache.keys("throttle_*")
        cache.delete_pattern("*")


def test_member_api_is_rate_limited_per_user(units, monkeypatch, throttle_cache):
    monkeypatch.setattr(MemberAPIUserThrottle, "rate", "3/min", raising=False)
    first = signed_in(member_of(units["a"]))
    second = signed_in(member_of(units["a"]))

    answers = [first.get(API + "me/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert "Retry-After" in first.get(API + "me/")
    assert second.get(API + "me/").status_code == 200


def test_anonymous_requests_are_rate_limited_per_ip(client, home_page, monkeypatch, throttle_cache):
    monkeypatch.setattr(MemberAPIAnonThrottle, "rate", "2/min", raising=False)

    answers = [client.get(API + "schema/").status_code for _ in range(3)]
    elsewhere = client.get(API + "schema/", REMOTE_ADDR="203.0.113.9")

    assert answers == [200, 200, 429]
    assert elsewhere.status_code == 200


# Schema and documentation -------------------------------------------------------------


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=io.StringIO()
    )

    assert "Northwind Workers' Union member API" in out.read_text()


def test_schema_has_the_member_endpoints_and_not_the_public_api(client, home_page):
    schema = client.get(API + "schema/?format=json").json()

    assert schema["info"]["title"] == "Northwind Workers' Union member API"
    assert set(schema["paths"]) == {
        "/api/member/v1/me/",
        "/api/member/v1/meetings/",
        "/api/member/v1/meetings/{meeting_id}/",
        "/api/member/v1/meetings/{meeting_id}/materials/{material_id}/download/",
        "/api/member/v1/meetings/{meeting_id}/ballot/",
        "/api/member/v1/meetings/{meeting_id}/ballot/{item_id}/vote/",
        "/api/member/v1/meetings/{meeting_id}/ballot/{item_id}/receipts/",
        "/api/member/v1/meetings/{meeting_id}/ballot/{item_id}/receipts/{receipt}/",
    }
    assert not any(path.startswith("/api/v2/") for path in schema["paths"])
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    meeting_fields = schema["components"]["schemas"]["Meeting"]["properties"]
    assert meeting_fields["joining"]["nullable"] is True
    assert meeting_fields["starts_at"]["format"] == "date-time"
    assert client.get(API + "schema/").content.startswith(b"openapi: 3")


def test_docs_page_lists_the_endpoints_and_loads_nothing_from_other_sites(client, home_page):
    response = client.get(API + "docs/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "GET /api/member/v1/meetings/{meeting_id}/" in html
    assert reverse("member_api:schema") in html and TOKEN_PAGE in html
    assert 'src="http' not in html and 'href="http' not in html
    assert client.get(API).url == API + "docs/"


def test_unknown_member_api_path_answers_in_json(client, home_page):
    response = client.get(API + "members/")

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no such endpoint in the member API."}
