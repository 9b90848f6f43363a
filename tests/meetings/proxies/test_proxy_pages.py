"""The member's proxy on the meeting page: asking, withdrawing, and the holder's ballots
(one for themselves, one per proxy held), each its own form, with and without the
page's script."""

import pytest
from django.urls import reverse

from meetings.ballots.models import VoterRecord
from meetings.proxies.models import Proxy
from tests.meeting_fixtures import choice, receipt_shown
from tests.meetings.proxies.proxy_fixtures import approved, open_motion, proxy_meeting

FETCH = {"X-Requested-With": "fetch"}


def vote_url(meeting, item):
    return reverse("meetings:vote", args=[meeting.pk, item.pk])


@pytest.fixture
def before(home_page):
    return proxy_meeting(home_page)


@pytest.fixture
def voting(home_page):
    setup = proxy_meeting(home_page, started=True)
    giver, holder, other = setup["members"][:3]
    approved(setup["meeting"], giver, holder)
    setup.update(
        giver=giver, holder=holder, other=other, item=open_motion(setup["meeting"], setup["chair"])
    )
    return setup


@pytest.mark.django_db
def test_a_member_asks_to_give_their_proxy_then_withdraws_it(client, before):
    meeting, (giver, holder, *_) = before["meeting"], before["members"]
    client.force_login(giver.account)
    page = client.get(meeting.url).content.decode()
    assert 'id="proxy-member-id"' in page and "Give your proxy" in page
    # No roster to browse: the page names nobody else.
    assert holder.family_name not in page

    response = client.post(
        meeting.url + "proxy/",
        {"member_id": holder.member_id, "family_name": holder.family_name},
        follow=True,
    )
    page = response.content.decode()
    assert f"You asked to give your proxy to {holder.full_name}" in page
    assert Proxy.objects.get().status == "requested"

    response = client.post(meeting.url + "proxy/withdraw/", follow=True)
    assert "Your proxy is withdrawn" in response.content.decode()
    assert Proxy.objects.get().status == "withdrawn"


@pytest.mark.django_db
def test_a_wrong_name_is_refused_on_the_page_and_nothing_is_made(client, before):
    meeting, (giver, holder, *_) = before["meeting"], before["members"]
    client.force_login(giver.account)
    response = client.post(
        meeting.url + "proxy/",
        {"member_id": holder.member_id, "family_name": "Wrong"},
        follow=True,
    )
    assert "No member who may attend this meeting has that member ID" in response.content.decode()
    assert not Proxy.objects.exists()


@pytest.mark.django_db
def test_an_outsider_cannot_ask(client, before):
    meeting, holder = before["meeting"], before["members"][0]
    client.force_login(before["outsider"].account)
    response = client.post(
        meeting.url + "proxy/", {"member_id": holder.member_id, "family_name": holder.family_name}
    )
    assert response.status_code == 403 and not Proxy.objects.exists()


@pytest.mark.django_db
def test_the_holder_sees_a_ballot_for_themselves_and_one_per_proxy(client, voting):
    meeting, holder, giver = voting["meeting"], voting["holder"], voting["giver"]
    client.force_login(holder.account)

    page = client.get(meeting.url).content.decode()

    assert page.count('class="vote-form"') == 2
    assert f"Voting as proxy for {giver.full_name}" in page
    assert f'name="on_behalf_of" value="{giver.member_id}"' in page
    # Each form's ids are its own.
    item_choice = choice(voting["item"], "For")
    assert f'id="choice-{item_choice}"' in page
    assert f'id="choice-{item_choice}-for-{giver.member_id}"' in page


@pytest.mark.django_db
def test_the_holder_votes_twice_without_the_script(client, voting):
    meeting, item, holder, giver = (voting[k] for k in ("meeting", "item", "holder", "giver"))
    client.force_login(holder.account)

    client.post(vote_url(meeting, item), {"choice": [choice(item, "For")]})
    response = client.post(
        vote_url(meeting, item),
        {"choice": [choice(item, "Against")], "on_behalf_of": giver.member_id},
        follow=True,
    )

    page = response.content.decode()
    assert f"Your vote for {giver.full_name} is recorded." in page
    assert receipt_shown(page)  # the giver's ballot's receipt, shown once
    assert "Your vote is recorded." in page
    assert 'class="vote-form"' not in page
    assert set(VoterRecord.objects.values_list("member", flat=True)) == {holder.pk, giver.pk}

    again = client.post(
        vote_url(meeting, item),
        {"choice": [choice(item, "For")], "on_behalf_of": giver.member_id},
        follow=True,
    )
    assert f"A vote for {giver.full_name} on this item is already recorded" in (
        again.content.decode()
    )
    assert VoterRecord.objects.count() == 2


@pytest.mark.django_db
def test_the_holder_votes_for_the_giver_with_the_script(client, voting):
    meeting, item, holder, giver = (voting[k] for k in ("meeting", "item", "holder", "giver"))
    client.force_login(holder.account)

    response = client.post(
        vote_url(meeting, item),
        {"choice": [choice(item, "For")], "on_behalf_of": giver.member_id},
        headers=FETCH,
    )

    answer = response.content.decode()
    assert f"Your vote for {giver.full_name} is recorded." in answer and receipt_shown(answer)
    assert "Email me this receipt" not in answer
    assert list(VoterRecord.objects.values_list("member", flat=True)) == [giver.pk]


@pytest.mark.django_db
def test_a_forged_on_behalf_of_is_refused(client, voting):
    meeting, item, giver, other = (voting[k] for k in ("meeting", "item", "giver", "other"))
    client.force_login(other.account)

    response = client.post(
        vote_url(meeting, item),
        {"choice": [choice(item, "For")], "on_behalf_of": giver.member_id},
        follow=True,
    )

    assert "You do not hold a proxy from that member" in response.content.decode()
    assert not VoterRecord.objects.exists()


@pytest.mark.django_db
def test_the_giver_voting_in_person_lapses_the_proxy_on_the_holders_page(client, voting):
    meeting, item, holder, giver = (voting[k] for k in ("meeting", "item", "holder", "giver"))
    client.force_login(giver.account)
    client.post(vote_url(meeting, item), {"choice": [choice(item, "For")]})
    assert Proxy.objects.get().status == "lapsed"

    client.force_login(holder.account)
    page = client.get(meeting.url).content.decode()
    assert "Voting as proxy for" not in page
    assert page.count('class="vote-form"') == 1
    assert f"The proxy of {giver.full_name} ended when they voted themselves" in page


@pytest.mark.django_db
def test_the_light_voting_page_offers_the_proxy_ballot_too(client, voting):
    meeting, item, holder, giver = (voting[k] for k in ("meeting", "item", "holder", "giver"))
    client.force_login(holder.account)

    page = client.get(meeting.url + "vote/").content.decode()
    assert f"Voting as proxy for {giver.full_name}" in page

    response = client.post(
        vote_url(meeting, item),
        {"choice": [choice(item, "For")], "on_behalf_of": giver.member_id, "light": "1"},
        follow=True,
    )
    assert f"Your vote for {giver.full_name} is recorded." in response.content.decode()
    assert list(VoterRecord.objects.values_list("member", flat=True)) == [giver.pk]
