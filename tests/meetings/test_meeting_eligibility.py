"""Who may attend a meeting: one rule, asked by the page, the materials, the calendar (and the API).

The matrix: every audience kind × member inside or outside it × standing × a
confirmed account or not.
"""

import itertools

import pytest
from django.urls import reverse

from meetings.factories import MeetingIndexPageFactory, MeetingMaterialFactory, MeetingPageFactory
from meetings.models import AudienceKind
from members.factories import AreaCouncilFactory, MemberFactory
from members.models import Standing
from tests.meeting_fixtures import aimed_at
from tests.member_fixtures import give_account, member_of, two_chapters

pytestmark = pytest.mark.django_db

JOINING_DETAIL = "867 5309"  # the factory meeting's video meeting ID

CASES = [
    (kind, inside, standing, verified)
    for kind, inside, standing, verified in itertools.product(
        list(AudienceKind),
        [True, False],
        [Standing.ACTIVE, Standing.SUSPENDED, Standing.LAPSED],
        [True, False],
    )
    if inside or kind != AudienceKind.UNION  # nobody is outside the whole union
]


def case_id(case):
    kind, inside, standing, verified = case
    return (
        f"{kind}-{'in' if inside else 'out'}-{standing}-{'verified' if verified else 'unverified'}"
    )


@pytest.fixture
def units(home_page):
    chapter_a, chapter_b = two_chapters()
    council = AreaCouncilFactory(name="Capital Region", slug="capital-region")
    chapter_a.local.area_council = council
    chapter_a.local.save()
    other_council = AreaCouncilFactory(name="Northern Lakes", slug="northern-lakes")
    chapter_b.local.area_council = other_council
    chapter_b.local.save()
    return {"a": chapter_a, "b": chapter_b, "index": MeetingIndexPageFactory(parent=home_page)}


def meeting_for(units, kind, inside, **fields):
    chapter = units["a"] if inside else units["b"]
    return MeetingPageFactory(parent=units["index"], **aimed_at(kind, chapter), **fields)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_eligibility_matrix_for_page_materials_and_calendar(client, units, case):
    kind, inside, standing, verified = case
    from django.utils import timezone

    # The room is open: the meeting starts in ten minutes.
    meeting = meeting_for(
        units, kind, inside, starts_at=timezone.now() + timezone.timedelta(minutes=10)
    )
    material = MeetingMaterialFactory(meeting=meeting)
    member = member_of(units["a"], standing=standing)
    client.force_login(give_account(member, verified=verified))
    expected = inside and standing == Standing.ACTIVE and verified

    assert meeting.is_eligible(member) is expected
    page = client.get(meeting.url)
    assert page.status_code == 200
    assert (JOINING_DETAIL in page.content.decode()) is expected
    assert (material.document.url in page.content.decode()) is expected
    download = client.get(material.document.url)
    assert download.status_code == (200 if expected else 403)
    calendar = client.get(meeting.url + "calendar/")
    assert calendar.status_code == (200 if expected else 403)
    if expected:
        assert b"BEGIN:VEVENT" in calendar.content


def test_anonymous_visitor_sees_the_public_part_and_a_sign_in_prompt(client, units):
    meeting = meeting_for(units, AudienceKind.CHAPTER, True)
    material = MeetingMaterialFactory(meeting=meeting)

    html = client.get(meeting.url).content.decode()

    assert meeting.title in html and "North Ward" in html
    assert JOINING_DETAIL not in html and material.document.url not in html
    assert reverse("account_login") in html
    download = client.get(material.document.url)
    assert download.status_code == 302 and reverse("account_login") in download["Location"]


def test_member_of_another_chapter_cannot_reach_a_material_by_its_direct_url(client, units):
    meeting = meeting_for(units, AudienceKind.CHAPTER, True)
    material = MeetingMaterialFactory(meeting=meeting)
    outsider = member_of(units["b"])
    client.force_login(give_account(outsider))

    response = client.get(material.document.url)

    assert response.status_code == 403
    assert b"%PDF" not in response.content


def test_account_waiting_for_approval_is_told_why_it_cannot_attend(client, units):
    meeting = meeting_for(units, AudienceKind.CHAPTER, True)
    member = member_of(units["a"], account_needs_approval=True)
    client.force_login(give_account(member))

    html = client.get(meeting.url).content.decode()

    assert "has not yet confirmed your account" in html
    assert JOINING_DETAIL not in html


def test_joining_details_wait_until_the_room_opens(client, units):
    meeting = meeting_for(units, AudienceKind.CHAPTER, True)  # a week away
    member = member_of(units["a"])
    client.force_login(give_account(member))

    html = client.get(meeting.url).content.decode()

    assert JOINING_DETAIL not in html
    assert "opens 30 minutes before the start" in html


def test_meeting_page_is_never_cached_by_shared_caches(client, units):
    response = client.get(meeting_for(units, AudienceKind.UNION, True).url)

    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_materials_are_absent_from_the_public_documents_api(client, units):
    material = MeetingMaterialFactory(meeting=meeting_for(units, AudienceKind.UNION, True))

    listed = [item["id"] for item in client.get("/api/v2/documents/").json()["items"]]
    detail = client.get(f"/api/v2/documents/{material.document.pk}/")

    assert material.document.pk not in listed
    assert detail.status_code == 404


def test_meeting_api_shows_no_joining_details(client, units):
    meeting = meeting_for(units, AudienceKind.UNION, True)

    data = client.get(f"/api/v2/pages/{meeting.pk}/").json()

    assert data["audience_name"] == "All members of the union"
    assert JOINING_DETAIL not in str(data) and "video" not in str(data)


def test_audience_must_name_exactly_the_matching_unit(units):
    from django.core.exceptions import ValidationError

    meeting = meeting_for(units, AudienceKind.CHAPTER, True)
    meeting.audience_local = units["a"].local
    with pytest.raises(ValidationError) as error:
        meeting.full_clean()
    assert "audience_local" in error.value.message_dict

    meeting.audience_local = None
    meeting.audience_chapter = None
    with pytest.raises(ValidationError) as error:
        meeting.full_clean()
    assert "audience_chapter" in error.value.message_dict


def test_unrelated_member_factory_member_is_outside_a_chapter_meeting(units):
    meeting = meeting_for(units, AudienceKind.CHAPTER, True)

    assert not meeting.is_eligible(MemberFactory())
