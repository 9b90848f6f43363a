"""The proxy register in the admin: membership staff see it, approve or refuse requests,
enter paper forms and export it, every view and export access-logged; nobody else."""

import csv
import html
import io

import pytest
from django.urls import reverse

from meetings.proxies.models import Proxy
from meetings.proxies.rules import request_proxy
from members.models import AccessLogEntry
from tests.meetings.proxies.proxy_fixtures import approved, proxy_meeting
from tests.staff_fixtures import staff_client


@pytest.fixture
def register(home_page):
    setup = proxy_meeting(home_page)
    meeting, (a, b, *_) = setup["meeting"], setup["members"]
    setup["request"] = request_proxy(meeting, a, b.member_id, b.family_name)
    setup["url"] = reverse("meetings_proxy_register", args=[meeting.pk])
    setup["csv_url"] = reverse("meetings_proxy_register_csv", args=[meeting.pk])
    return setup


@pytest.mark.django_db
def test_membership_staff_see_the_register_and_the_view_is_logged(register):
    a, b = register["members"][:2]
    client = staff_client("membership")

    page = client.get(register["url"]).content.decode()

    assert a.full_name in page and b.full_name in page and "Approve" in page
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.VIEW
    assert entry.member_ids == sorted([a.member_id, b.member_id])
    # The menu's list of meetings leads there.
    assert register["url"] in client.get(reverse("meetings_proxies")).content.decode()


@pytest.mark.django_db
def test_staff_approve_a_request(register):
    client = staff_client("membership")
    response = client.post(
        register["url"], {"action": "approve", "proxy": register["request"].pk}, follow=True
    )
    assert "Approved" in response.content.decode()
    proxy = Proxy.objects.get()
    assert proxy.status == "approved" and proxy.decided_by.username == "membership-staff"


@pytest.mark.django_db
def test_staff_refuse_with_a_reason_the_member_sees(register, client):
    staff = staff_client("membership")
    staff.post(
        register["url"],
        {"action": "refuse", "proxy": register["request"].pk, "reason": "Unsigned form."},
    )
    assert Proxy.objects.get().status == "refused"
    client.force_login(register["members"][0].account)
    assert "Unsigned form." in client.get(register["meeting"].url).content.decode()


@pytest.mark.django_db
def test_staff_enter_a_paper_form_and_bad_ids_change_nothing(register):
    c, d = register["members"][2:4]
    client = staff_client("membership")

    bad = client.post(register["url"], {"action": "paper", "giver": c.member_id, "holder": ""})
    assert bad.status_code == 302 and Proxy.objects.count() == 1
    refused = client.post(
        register["url"],
        {"action": "paper", "giver": c.member_id, "holder": register["members"][0].member_id},
        follow=True,
    )
    assert "has given their own proxy" in refused.content.decode()
    client.post(register["url"], {"action": "paper", "giver": c.member_id, "holder": d.member_id})

    entered = Proxy.objects.get(giver=c)
    assert (entered.holder, entered.status, entered.source) == (d, "approved", "paper")


@pytest.mark.django_db
def test_staff_export_the_register_and_the_export_is_logged(register):
    meeting, (a, b, c, d, *_) = register["meeting"], register["members"]
    approved(meeting, c, d)

    response = staff_client("membership").get(register["csv_url"])

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Giver member ID", "Giver given name", "Giver family name"]
    assert {(row[0], row[3], row[6]) for row in rows[1:]} == {
        (a.member_id, b.member_id, "Requested"),
        (c.member_id, d.member_id, "Approved"),
    }
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.EXPORT
    assert entry.member_ids == sorted(m.member_id for m in (a, b, c, d))


@pytest.mark.django_db
def test_the_register_is_refused_to_other_staff_and_members(register, client):
    editor = staff_client("editor")
    assert editor.get(register["url"]).status_code == 403
    assert editor.get(register["csv_url"]).status_code == 403
    assert editor.post(register["url"], {"action": "approve", "proxy": register["request"].pk})
    client.force_login(register["members"][0].account)
    assert client.get(register["csv_url"]).status_code == 302
    assert Proxy.objects.get().status == "requested"
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
def test_staff_end_an_approved_proxy_with_a_reason(register):
    meeting, (c, d) = register["meeting"], register["members"][2:4]
    proxy = approved(meeting, c, d)
    client = staff_client("membership")
    assert "End this proxy" in client.get(register["url"]).content.decode()

    missing = client.post(
        register["url"], {"action": "end", "proxy": proxy.pk, "reason": ""}, follow=True
    )
    assert "Say why the proxy ends" in missing.content.decode()
    proxy.refresh_from_db()
    assert proxy.status == "approved"
    # A request waiting for approval is refused or approved, not ended.
    waiting = client.post(
        register["url"],
        {"action": "end", "proxy": register["request"].pk, "reason": "Mistake."},
        follow=True,
    )
    assert "not approved" in waiting.content.decode()

    done = client.post(
        register["url"],
        {"action": "end", "proxy": proxy.pk, "reason": "Entered for the wrong member."},
        follow=True,
    )

    shown = html.unescape(done.content.decode())
    assert f"Ended: {d.full_name} no longer holds {c.full_name}'s proxy." in shown
    proxy.refresh_from_db()
    assert proxy.status == "withdrawn" and proxy.ended_at is not None
    assert proxy.note.startswith("Entered for the wrong member. (ended by ")
    assert Proxy.objects.get(pk=register["request"].pk).status == "requested"
