"""Property-based fuzzing of what strangers and mistakes can send: roster files, sign-up
forms, votes through the meeting page's form and member API parameters.

Each generated example runs in its own transaction, rolled back afterwards, with a clean
cache (so rate limits never hide a path), so examples never see each other's writes. The
properties: no exception escapes (the test client re-raises any a view lets through, so
"never a 500" is checked), and nothing is written unless the input was entitled to write it.
"""

import codecs
import csv
import io
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import Choice, VoterRecord
from meetings.factories import BallotItemFactory, MeetingMaterialFactory
from members.api.access import issue_token
from members.factories import MemberFactory
from members.models import Member, Standing
from members.roster_import import ALL_COLUMNS, REQUIRED_COLUMNS, RosterReport, import_roster
from tests.meeting_fixtures import meeting_under_way
from tests.member_fixtures import member_of, two_chapters

pytestmark = pytest.mark.django_db

# Function-scoped fixtures build the world once per test; each example then runs in
# `rolled_back()`, which undoes whatever the example wrote.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as people and programs send it: any character a form can carry (no lone
# surrogates, which cannot be encoded), NUL and line breaks included.
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@contextmanager
def rolled_back():
    """One example: a clean cache, and a transaction that is rolled back at the end."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Roster import -------------------------------------------------------------------------

ROSTER_IDS = ["004217", "004218"]


@pytest.fixture
def roster(db):
    """Locals 12 and 34 with a Chapter 1 each, and two members already on the roster."""
    chapter_a, chapter_b = two_chapters()
    member_of(chapter_a, member_id=ROSTER_IDS[0], family_name="Okafor")
    member_of(chapter_b, member_id=ROSTER_IDS[1], family_name="Lind")


def roster_snapshot():
    return list(Member.objects.order_by("member_id").values_list())


HUGE_FIELD = "x" * 200_000  # past the csv module's 128 KiB field limit
YES_NO_COLUMNS = {"meeting_notices", "newsletter", "partner_mailings"}

# Cells a good file holds, by kind of column.
GOOD_CELLS = {
    "member_id": st.one_of(st.sampled_from(ROSTER_IDS), st.from_regex(r"[0-9]{6}", fullmatch=True)),
    "local": st.sampled_from(["12", "34", "012"]),
    "chapter": st.sampled_from(["1", "", "001"]),
    "standing": st.sampled_from([*Standing.values, "Active", "LAPSED"]),
    "email": st.one_of(st.emails(), st.just("")),
    "province": st.sampled_from(["AB", "", "BC"]),
    "yes_no": st.sampled_from(["yes", "no", "Y", "0", "true", ""]),
    "text": st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=30),
}
# Anything at all, or a value that is almost right.
BAD_CELLS = {
    "member_id": st.one_of(st.sampled_from(["4217", "0042170", "", "004 217"]), ANY_TEXT),
    "local": st.one_of(st.sampled_from(["99", "", "-1", "12.0"]), ANY_TEXT),
    "chapter": st.one_of(st.sampled_from(["2", "x"]), ANY_TEXT),
    "standing": st.one_of(st.just("retired"), ANY_TEXT),
    "email": st.one_of(st.just("not an email"), ANY_TEXT),
    "province": ANY_TEXT,
    "yes_no": st.one_of(st.just("maybe"), ANY_TEXT),
    "text": st.one_of(ANY_TEXT, st.just(HUGE_FIELD), st.just('"quoted, with a ""quote"""')),
}


def cell_kind(column):
    if column in GOOD_CELLS:
        return column
    if column in YES_NO_COLUMNS or column.startswith("refuses_"):
        return "yes_no"
    return "text"


def now_and_then(share):
    """True about `share` of the time. (Hypothesis favours the ends of integer ranges and the
    first of sampled values, so the usual answer goes first.)"""
    answers = [True] * round(share * 8) + [False] * round((1 - share) * 8)
    return st.sampled_from(answers if share >= 0.5 else answers[::-1])


@st.composite
def roster_files(draw):
    """A roster file as bytes: right or wrong columns, rows, quoting, line ends, encoding."""
    if draw(now_and_then(3 / 4)):
        optional = draw(st.lists(st.sampled_from(ALL_COLUMNS[len(REQUIRED_COLUMNS) :])))
        columns = draw(st.permutations([*REQUIRED_COLUMNS, *dict.fromkeys(optional)]))
    else:
        columns = draw(st.lists(st.one_of(st.sampled_from(ALL_COLUMNS), ANY_TEXT), max_size=8))
    header = [
        draw(st.sampled_from([name, name.upper(), f" {name} ", name.title()])) for name in columns
    ]
    rows = []
    for _ in range(draw(st.sampled_from([2, 1, 3, 4, 6, 0]))):
        cells = GOOD_CELLS if draw(now_and_then(3 / 4)) else BAD_CELLS
        row = [draw(cells[cell_kind(name)]) for name in columns]
        if draw(now_and_then(1 / 10)):  # a cell too many or too few
            row = row[:-1] if row and draw(st.booleans()) else [*row, "extra"]
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(
        out,
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])),
        lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"])),
    )
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(now_and_then(1 / 8)):  # a stray quote somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + '"' + text[at:]
    encoding = draw(
        st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
    )
    data = text.encode(encoding, errors="replace")
    if draw(now_and_then(1 / 8)):  # cut off part-way, mid-character perhaps
        data = data[: draw(st.integers(0, len(data)))]
    return data


@given(data=st.one_of(roster_files(), roster_files(), roster_files(), st.binary(max_size=300)))
@settings(FUZZ, max_examples=100)
@example(data=b"\xff\xfem\x00e\x00m\x00")  # UTF-16 with a byte-order mark
@example(data=codecs.BOM_UTF8 + b"member_id,given_name,family_name,local,standing\n")
@example(
    data=(b"member_id,given_name,family_name,local,standing\n004219,Ada,O\x00kafor,12,active\n")
)
def test_a_roster_file_gets_a_report_and_a_refused_file_writes_nothing(roster, data):
    with rolled_back():
        before = roster_snapshot()

        checked = import_roster(data, dry_run=True)
        assert roster_snapshot() == before
        report = import_roster(data, dry_run=False)

        for result in (checked, report):
            assert isinstance(result, RosterReport)
            assert isinstance(result.summary(), str)
            assert all(isinstance(line, str) for line in result.lines())
        # The check said what the import then did.
        assert report.ok == checked.ok
        event(f"roster file {'imported' if report.ok else 'refused'}")
        if report.ok:
            assert report.applied
            assert Member.objects.count() == len(before) + report.created_count
            assert report.created_count == checked.created_count
            assert report.updated_count == checked.updated_count
        else:
            assert not report.applied
            assert report.file_errors or report.row_errors
            assert roster_snapshot() == before


# Sign-up -------------------------------------------------------------------------------


@pytest.fixture
def rostered(db):
    """One member with a roster email, one without (an account for them waits for staff)."""
    return {
        "004217": MemberFactory(
            member_id="004217", family_name="Okafor", email="ada.okafor@example.org"
        ),
        "004218": MemberFactory(member_id="004218", family_name="Lind", email=""),
    }


MATCHING_SIGN_UPS = st.sampled_from(
    [
        ("004217", "Okafor", "ada.okafor@example.org"),
        (" 004217", " OKAFOR ", " Ada.Okafor@Example.org "),
        ("004218", "Lind", "lind.new@example.org"),  # no roster email: waits for staff
        ("004217", "Okafor", "someone.else@example.org"),  # another address: waits for staff
        ("004217", "Lind", "ada.okafor@example.org"),  # wrong family name: no account
    ]
)
RANDOM_SIGN_UPS = st.tuples(
    st.one_of(
        st.sampled_from(["004217", "004218", "4217", "٠٠٤٢١٧"]),
        st.from_regex(r"[0-9]{6}", fullmatch=True),
        ANY_TEXT,
    ),
    st.one_of(st.sampled_from(["Okafor", "Lind", "Okafor\x00"]), ANY_TEXT),
    st.one_of(st.emails(), st.sampled_from(["ada.okafor@example.org"]), ANY_TEXT),
)


@given(
    identity=st.one_of(MATCHING_SIGN_UPS, RANDOM_SIGN_UPS),
    extra=st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=3),
)
@FUZZ
def test_sign_up_answers_the_same_or_with_a_form_error_and_only_id_and_name_get_an_account(
    rostered, identity, extra
):
    member_id, family_name, email = identity
    with rolled_back():
        accounts_before = get_user_model().objects.count()

        response = Client().post(
            reverse("members:sign_up"),
            {**extra, "member_id": member_id, "family_name": family_name, "email": email},
        )

        if response.status_code == 302:
            assert response["Location"] == reverse("members:sign_up_sent")
        else:
            assert response.status_code == 200
            assert response.context["form"].errors
        created = get_user_model().objects.count() - accounts_before
        event(f"sign-up {response.status_code}, {'account' if created else 'no account'}")
        assert created in (0, 1)
        if created:
            member = Member.objects.get(account__isnull=False)
            assert member.member_id == member_id.strip()
            assert member.family_name.casefold() == family_name.strip().casefold()
            # Only the roster's own address makes an account that needs nobody's approval.
            on_file = member.email.casefold() == email.strip().casefold()
            assert member.account_needs_approval == (not member.email or not on_file)


# Votes through the meeting page's form ---------------------------------------------------


@pytest.fixture
def agm(home_page):
    agm = meeting_under_way(home_page)
    closed = open_item(BallotItemFactory(meeting=agm["meeting"], title="Motion 2"), agm["chair"])
    close_item(closed, agm["chair"])
    elsewhere = meeting_under_way_elsewhere(agm)
    open_choices = list(Choice.objects.filter(item=agm["item"]).values_list("pk", flat=True))
    return {
        **agm,
        "items": {"open": agm["item"], "closed": closed, "elsewhere": elsewhere},
        "choices": {
            "open": open_choices,
            "closed": list(Choice.objects.filter(item=closed).values_list("pk", flat=True)),
            "elsewhere": list(Choice.objects.filter(item=elsewhere).values_list("pk", flat=True)),
        },
        "abstain": Choice.objects.get(item=agm["item"], is_abstain=True).pk,
    }


def meeting_under_way_elsewhere(agm):
    """An open item on another meeting (the outsider's Chapter has none: any meeting will do)."""
    from meetings.factories import MeetingPageFactory

    other = MeetingPageFactory(parent=agm["meeting"].get_parent(), audience_kind="union")
    return open_item(BallotItemFactory(meeting=other, title="Elsewhere"), agm["chair"])


CHOICE_TOKENS = st.one_of(
    st.sampled_from(["open", "open", "abstain", "closed", "elsewhere"]),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", " ", "1.0", "+1", "0x1", "1_0", "٣"]),
    ANY_TEXT,
)


def choice_value(token, agm, draw_index):
    if token in ("open", "closed", "elsewhere"):
        ids = agm["choices"][token]
        return str(ids[draw_index % len(ids)])
    if token == "abstain":
        return str(agm["abstain"])
    return token


def votes_recorded():
    return (
        VoterRecord.objects.count(),
        VoterRecord.objects.filter(sealed_ballot__isnull=False).count(),
    )


def is_valid_vote(who, item_id, values, agm):
    """The rule, restated: the eligible member, the open item, exactly one of its choices.
    By the item's ID, not how it was drawn: a drawn number can be the open item's own."""
    if who != "voter" or item_id != agm["items"]["open"].pk:
        return False
    try:
        ids = {int(value) for value in values}
    except ValueError:
        return False
    return len(ids) == 1 and ids <= set(agm["choices"]["open"])


@given(
    who=st.sampled_from(["voter", "voter", "voter", "voter", "outsider", "anonymous"]),
    meeting=st.sampled_from(["this", "this", "this", "number"]),
    target=st.sampled_from(["open", "open", "open", "open", "closed", "elsewhere", "number"]),
    number=st.integers(0, 2**70),
    tokens=st.one_of(
        # One or two of the open item's own choices: valid, or one too many.
        st.lists(st.tuples(st.just("open"), st.integers(0, 5)), min_size=1, max_size=2),
        st.lists(st.tuples(CHOICE_TOKENS, st.integers(0, 5)), max_size=4),
    ),
    extra=st.dictionaries(
        st.sampled_from(["item", "member", "receipt", "selection", "csrfmiddlewaretoken"])
        | ANY_TEXT,
        ANY_TEXT,
        max_size=3,
    ),
    fetch=st.booleans(),
)
@FUZZ
@example(
    who="voter",
    meeting="this",
    target="open",
    number=0,
    tokens=[("9" * 30, 0)],
    extra={},
    fetch=False,
)
@example(
    who="voter",
    meeting="number",
    target="open",
    number=2**70,
    tokens=[("open", 0)],
    extra={},
    fetch=False,
)
@example(
    who="voter",
    meeting="this",
    target="open",
    number=0,
    tokens=[("open", 0), ("open", 0)],
    extra={},
    fetch=True,
)
def test_a_vote_through_the_page_form_is_recorded_only_when_valid(
    agm, who, meeting, target, number, tokens, extra, fetch
):
    with rolled_back():
        client = Client()
        if who != "anonymous":
            client.force_login(agm[who].account)
        meeting_id = number if meeting == "number" else agm["meeting"].pk
        item_id = number if target == "number" else agm["items"][target].pk
        values = [choice_value(token, agm, index) for token, index in tokens]
        before = votes_recorded()
        headers = {"X-Requested-With": "fetch"} if fetch else {}
        url = f"/meeting-vote/{meeting_id}/{item_id}/"

        response = client.post(url, {**extra, "choice": values}, headers=headers)

        on_this_meeting = {agm["items"]["open"].pk, agm["items"]["closed"].pk}
        found = item_id in on_this_meeting and meeting_id == agm["meeting"].pk
        if not found:
            assert response.status_code == 404
        elif fetch:
            assert response.status_code == 200
        else:
            assert response.status_code == 302
        valid = found and is_valid_vote(who, item_id, values, agm)
        event(f"vote {'recorded' if valid else 'refused'}, {response.status_code}")
        recorded = votes_recorded()
        assert recorded == ((before[0] + 1, before[1] + 1) if valid else before)


# Member API parameters -----------------------------------------------------------------


@pytest.fixture
def api(home_page):
    agm = meeting_under_way(home_page)
    material = MeetingMaterialFactory(meeting=agm["meeting"])
    return {
        "token": issue_token(agm["voter"].account),
        "outsider_token": issue_token(agm["outsider"].account),
        "staff": get_user_model().objects.create_user("staff", "staff@example.org", "x" * 16),
        "meeting": agm["meeting"].pk,
        "material": material.pk,
    }


API = "/api/member/v1/"
IDS = st.one_of(st.sampled_from(["meeting", "material"]), st.integers(0, 2**63 - 1))


@st.composite
def api_requests(draw, api):
    def an_id():
        value = draw(IDS)
        return api[value] if isinstance(value, str) else value

    path = draw(
        st.sampled_from(
            ["me/", "meetings/", "meetings/{m}/", "meetings/{m}/materials/{d}/download/", "docs/"]
        )
    )
    path = path.format(m=an_id(), d=an_id())
    query = draw(
        st.dictionaries(
            st.sampled_from(["when", "format", "page", "limit", "id", "fields"]) | ANY_TEXT,
            st.sampled_from(["upcoming", "past", "json", "api", ""]) | ANY_TEXT,
            max_size=3,
        )
    )
    return path, query


@given(data=st.data(), who=st.sampled_from(["member", "outsider", "staff", "anonymous", "forged"]))
@FUZZ
def test_member_api_parameters_never_cause_a_server_error(api, data, who):
    path, query = data.draw(api_requests(api))
    with rolled_back():
        client = Client()
        if who == "member":
            client = Client(HTTP_AUTHORIZATION=f"Token {api['token']}")
        elif who == "outsider":
            client = Client(HTTP_AUTHORIZATION=f"Token {api['outsider_token']}")
        elif who == "forged":
            client = Client(HTTP_AUTHORIZATION="Token " + "0" * 40)
        elif who == "staff":
            client.force_login(api["staff"])

        response = client.get(API + path, query)

        assert response.status_code in (200, 400, 401, 403, 404)
        event(f"member API {response.status_code}")
        if response.status_code != 200 or path.endswith("/download/"):
            return
        if path != "docs/":
            response.json()


def test_an_id_too_long_for_the_database_is_not_found(client, agm):
    # Django's <int:> takes any number of digits; SQLite cannot even be asked about an id
    # past 64 bits, which made these a server error. The URLs take 18 digits at most.
    huge = 2**70
    client.force_login(agm["voter"].account)

    assert client.get(f"/meeting-state/{huge}/").status_code == 404
    assert client.post(f"/meeting-vote/{huge}/{agm['item'].pk}/", {}).status_code == 404
    assert client.post(f"/meeting-vote/{agm['meeting'].pk}/{huge}/", {}).status_code == 404
    assert client.get(f"/meeting-state/{10**17}/").status_code == 200
