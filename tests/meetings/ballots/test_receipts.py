"""Checking a receipt after an item closes: the meeting page's check form, the full list on
a page of its own, who may see them, and that a large item's receipts stay off the page."""

import gzip
import logging
import pickle
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings.ballots.casting import cast_vote, new_receipt
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import Ballot, BallotItem, Choice
from meetings.ballots.results import (
    INLINE_RECEIPTS_UP_TO,
    counted_receipts_text,
    receipt_is_counted,
)
from meetings.factories import BallotItemFactory
from tests.meeting_fixtures import choice, meeting_under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page, voters=3)


def voted_and_closed(agm):
    """The open motion, voted on by the three eligible members, then closed: their receipts."""
    item = agm["item"]
    receipts = [
        cast_vote(voter, item, [choice(item, label)])
        for voter, label in zip(agm["voters"], ["For", "For", "Against"], strict=True)
    ]
    close_item(item, agm["chair"])
    return receipts


def verdict(response):
    """The one verdict a receipt check answers with ("Counted." or "Not found."), and
    the page."""
    html = response.content.decode()
    assert response.status_code == 200
    shown = [text for text in ("Counted.", "Not found.") if text in html]
    assert len(shown) == 1, shown
    return shown[0], html


def bulk_closed_item(agm, ballots, title="Motion 2: dues"):
    """A closed item with `ballots` counted ballots, made in bulk; their receipts."""
    item = open_item(BallotItemFactory(meeting=agm["meeting"], title=title), agm["chair"])
    receipts = {new_receipt() for _ in range(ballots)}
    for_position = str(Choice.objects.get(item=item, label="For").position)
    Ballot.objects.bulk_create(
        [Ballot(item=item, choices=for_position, receipt=code) for code in receipts]
    )
    close_item(item, agm["chair"])
    return BallotItem.objects.get(pk=item.pk), receipts


def signed_in(member):
    client = Client()
    client.force_login(member.account)
    return client


def list_url(agm, item):
    return f"{agm['meeting'].url}receipts/{item.pk}/"


def check_url(agm, item):
    return f"{agm['meeting'].url}receipts/{item.pk}/check/"


def check_form(html, item):
    """The item's check form as a browser without JavaScript sees it: (action, input name),
    with the input's label."""
    article = re.search(rf'<article[^>]*aria-labelledby="item-{item.pk}".*?</article>', html, re.S)
    assert article, f"item {item.pk} is not on the page"
    form = re.search(
        r'<form method="get" action="([^"]+)" class="receipt-check">(.*?)</form>', article[0], re.S
    )
    if form is None:
        return None
    field = re.search(r'<input type="text" name="(\w+)" id="([\w-]+)"', form[2])
    assert re.search(rf'<label for="{field[2]}">Check your receipt</label>', form[2])
    return form[1], field[1]


def test_a_counted_receipt_is_found_with_the_pages_own_form(agm):
    receipts = voted_and_closed(agm)
    client = signed_in(agm["voters"][0])
    action, field = check_form(client.get(agm["meeting"].url).content.decode(), agm["item"])

    # As typed by a person: lower case, spaces.
    typed = " ".join([receipts[1][:5].lower(), receipts[1][5:]])
    response = client.get(action, {field: typed})

    shown, html = verdict(response)
    assert shown == "Counted."
    assert f"Receipt {receipts[1]} is among the ballots counted" in html


def test_an_unknown_receipt_is_not_found(agm):
    receipts = voted_and_closed(agm)
    unknown = next(code for code in iter(new_receipt, None) if code not in receipts)

    response = signed_in(agm["voter"]).get(check_url(agm, agm["item"]), {"receipt": unknown})

    shown, html = verdict(response)
    assert shown == "Not found."
    assert f"Receipt {unknown} is not among" in html


def test_a_receipt_of_another_item_is_not_found_for_this_item(agm):
    receipts = voted_and_closed(agm)
    other, other_receipts = bulk_closed_item(agm, 3)
    client = signed_in(agm["voter"])

    mine = client.get(check_url(agm, other), {"receipt": receipts[0]}).content.decode()
    theirs = client.get(check_url(agm, agm["item"]), {"receipt": min(other_receipts)})

    assert "Not found." in mine
    assert "Not found." in theirs.content.decode()
    assert receipt_is_counted(other, min(other_receipts))


def test_something_that_is_not_a_receipt_gets_a_clear_message_and_no_lookup(agm):
    voted_and_closed(agm)
    client = signed_in(agm["voter"])

    with CaptureQueriesContext(connection) as queries:
        response = client.get(check_url(agm, agm["item"]), {"receipt": "'; drop table --"})

    assert not [q for q in queries.captured_queries if 'meetings_ballot"' in q["sql"]]
    assert response.status_code == 400
    assert "That is not a receipt code" in response.content.decode()
    assert "Counted." not in response.content.decode()


def test_the_answer_says_only_whether_the_code_was_counted(agm):
    receipts = voted_and_closed(agm)

    html = signed_in(agm["voter"]).get(check_url(agm, agm["item"]), {"receipt": receipts[2]})
    html = html.content.decode()

    # That ballot chose Against: nothing about choices or the result is on the answer.
    main = html.split("<main", 1)[-1]
    for word in ["Against", "For<", "Abstain", "Carried", "Defeated", "votes"]:
        assert word not in main, word


def test_checking_a_code_stores_and_logs_nothing_of_it(agm, caplog):
    receipts = voted_and_closed(agm)
    client = signed_in(agm["voter"])
    cache.clear()
    caplog.set_level(logging.DEBUG)

    response = client.get(check_url(agm, agm["item"]), {"receipt": receipts[0]})

    assert "Counted." in response.content.decode()
    code = receipts[0]
    assert code not in repr(dict(client.session.items()))
    assert not any(code in morsel.value for morsel in response.cookies.values())
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    cached = pickle.dumps(dict(cache._cache))  # the test settings' local-memory cache
    assert code.encode() not in cached
    assert code not in caplog.text


def test_an_open_item_offers_no_check_and_no_list(agm):
    client = signed_in(agm["voter"])
    cast_vote(agm["voter"], agm["item"], [choice(agm["item"], "For")])

    html = client.get(agm["meeting"].url).content.decode()

    assert check_form(html, agm["item"]) is None
    assert "receipts/" not in html
    assert client.get(list_url(agm, agm["item"])).status_code == 404
    assert client.get(check_url(agm, agm["item"]), {"receipt": "ABCDEFGHJK"}).status_code == 404


def test_the_full_list_holds_exactly_the_counted_receipts_sorted(agm):
    receipts = voted_and_closed(agm)
    bulk_closed_item(agm, 5)  # another item's receipts are not in this list

    response = signed_in(agm["voter"]).get(list_url(agm, agm["item"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == sorted(receipts)


def test_the_full_list_is_one_query_then_the_shared_cache(agm, django_assert_num_queries):
    item, receipts = bulk_closed_item(agm, 50)

    with django_assert_num_queries(1):
        first = counted_receipts_text(item)
    with django_assert_num_queries(0):
        again = counted_receipts_text(item)

    assert first == again == "".join(f"{code}\n" for code in sorted(receipts))


def test_a_small_closed_item_still_lists_its_receipts_on_the_page(agm):
    receipts = voted_and_closed(agm)

    html = signed_in(agm["voter"]).get(agm["meeting"].url).content.decode()

    assert "Carried" in html
    assert all(f"<li>{code}</li>" in html for code in receipts)
    assert f'href="{list_url(agm, agm["item"])}"' in html
    assert "All 3 receipts counted" in html


def test_a_large_closed_item_links_to_its_receipts_and_the_page_does_not_grow(agm):
    item, receipts = bulk_closed_item(agm, 500)
    assert len(receipts) > INLINE_RECEIPTS_UP_TO
    client = signed_in(agm["voter"])

    html = client.get(agm["meeting"].url).content.decode()

    assert not any(code in html for code in receipts)
    assert "receipts__list" not in html
    assert check_form(html, item) is not None
    assert f'href="{list_url(agm, item)}"' in html and "All 500 receipts counted" in html
    listed = client.get(list_url(agm, item)).content.decode().splitlines()
    assert listed == sorted(receipts)

    # 1,500 more counted ballots (about 15 KB gzipped as a list) leave the page as it was,
    # but for the count.
    for_position = str(Choice.objects.get(item=item, label="For").position)
    more = {new_receipt() for _ in range(1500)} - receipts
    Ballot.objects.bulk_create(
        [Ballot(item=item, choices=for_position, receipt=code) for code in more]
    )
    cache.clear()
    bigger = client.get(agm["meeting"].url).content
    assert f"All {500 + len(more)} receipts counted" in bigger.decode()
    grew = len(gzip.compress(bigger, 9)) - len(gzip.compress(html.encode(), 9))
    assert abs(grew) < 100, grew


def test_the_list_and_the_check_are_for_whoever_may_see_the_results(agm):
    voted_and_closed(agm)
    meeting, item = agm["meeting"], agm["item"]
    chair = Client()
    chair.force_login(agm["chair"])
    # Today's rule for results: the meeting's eligible members on its page, its chairs on
    # the chair's page; not outsiders, not anonymous visitors.
    who = {
        "eligible member": (signed_in(agm["voter"]), True),
        "chair": (chair, True),
        "member of another Chapter": (signed_in(agm["outsider"]), False),
        "anonymous": (Client(), False),
    }
    for name, (client, sees) in who.items():
        shown = (
            "Carried" in client.get(meeting.url).content.decode()
            or "Carried" in client.get(meeting.url + "chair/").content.decode()
        )
        assert shown is sees, name
        listed = client.get(list_url(agm, item))
        checked = client.get(check_url(agm, item), {"receipt": "ABCDEFGHJK"})
        assert listed.status_code == checked.status_code == (200 if sees else 403), name
        if sees:
            assert "private" in listed["Cache-Control"], name


def test_a_check_for_an_item_of_another_meeting_is_refused(agm, home_page):
    voted_and_closed(agm)
    other = BallotItemFactory(title="Elsewhere")  # a draft item on a meeting of its own

    client = signed_in(agm["voter"])

    assert client.get(list_url(agm, other)).status_code == 404
    assert client.get(check_url(agm, other), {"receipt": "ABCDEFGHJK"}).status_code == 404


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's"
)


@needs_postgres
def test_the_check_is_one_lookup_on_the_index_of_item_and_receipt(agm, django_assert_num_queries):
    item, receipts = bulk_closed_item(agm, 200)
    code = min(receipts)

    with django_assert_num_queries(1) as queries:
        assert receipt_is_counted(item, code)
    sql = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ballot_receipt" in plan, plan
