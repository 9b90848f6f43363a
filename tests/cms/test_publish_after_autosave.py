"""Publishing a new page that Wagtail's autosave has already saved as a draft.

Wagtail 8 autosaves the form for a new page: the form posts itself to the create
address with ``Accept: application/json``, and that creates the page as a draft. Until
the answer reaches the browser the form still posts to the create address, so an
editor's Publish soon after typing goes there too. These tests post what the admin
posts, in those orders (cms/new_page_forms.py explains the fix).
"""

import threading
import uuid
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.db import connections
from django.utils import timezone

from cms.models import NewPageForm
from meetings.models import GuidePage
from tests.staff.test_admin_editing import guide_form
from tests.staff_fixtures import add_url, is_refused, signed_in

TITLE = "Voting from your phone"
SLUG = "voting-from-your-phone"
TYPED = [("Open the meeting page", "Sign in and press Enter meeting.")]
# What the editor had typed when an autosave went out: less than at Publish.
TYPED_EARLIER = [("Open the meeting", "Sign in.")]


def new_page_form(client, parent):
    """Open the admin's form for a new guide; returns its address and its form key."""
    url = add_url(GuidePage, parent)
    response = client.get(url)
    assert response.status_code == 200
    field = BeautifulSoup(response.content, "html.parser").select_one(
        "form#page-edit-form input[name=new_page_form]"
    )
    assert field is not None, "the new-page form carries no key"
    return url, field["value"]


def autosave(client, url, key, steps=TYPED):
    """The request the admin's autosave sends: the whole form, no action button."""
    return client.post(
        url, guide_form(TITLE, SLUG, steps, new_page_form=key), HTTP_ACCEPT="application/json"
    )


def press(client, url, key, action, steps=TYPED):
    """The editor presses a button of the form (action-publish, or "" for Save draft)."""
    extra = {action: action} if action else {}
    return client.post(url, guide_form(TITLE, SLUG, steps, new_page_form=key, **extra))


def step_titles(revision_or_page):
    page = (
        revision_or_page.as_object() if hasattr(revision_or_page, "as_object") else revision_or_page
    )
    return [step.value["title"] for step in page.steps]


def messages_text(response):
    """The admin's messages after the request, as the editor reads them."""
    return " ".join(
        BeautifulSoup(str(message), "html.parser").get_text(" ", strip=True)
        for message in get_messages(response.wsgi_request)
    )


def test_publish_after_the_autosave_publishes_the_autosaved_draft(admin_client, guide_index):
    url, key = new_page_form(admin_client, guide_index)
    saved = autosave(admin_client, url, key, TYPED_EARLIER)
    assert saved.status_code == 200 and saved.json()["success"]
    draft = GuidePage.objects.get(slug=SLUG)
    assert not draft.live

    # The autosave's answer has not reached the browser: Publish goes to the create address.
    response = press(admin_client, url, key, "action-publish")

    assert response.status_code == 302, "Publish was refused (slug already in use?)"
    assert f"Page '{TITLE}' has been published." in messages_text(response)
    guide = GuidePage.objects.get(slug=SLUG)  # one page, not two
    assert guide.pk == draft.pk
    assert guide.live and not guide.has_unpublished_changes
    assert step_titles(guide) == [title for title, _ in TYPED]  # what was typed at Publish
    assert GuidePage.objects.count() == 1


def test_save_draft_after_the_autosave_saves_the_same_draft(admin_client, guide_index):
    url, key = new_page_form(admin_client, guide_index)
    autosave(admin_client, url, key, TYPED_EARLIER)

    response = press(admin_client, url, key, action="")

    draft = GuidePage.objects.get(slug=SLUG)
    assert response.status_code == 302
    assert response.url.startswith(f"/admin/pages/{draft.pk}/edit/")
    assert not draft.live
    assert step_titles(draft.get_latest_revision()) == [title for title, _ in TYPED]
    assert GuidePage.objects.count() == 1


def test_an_autosave_that_arrives_after_publish_is_refused_and_changes_nothing(
    admin_client, guide_index
):
    url, key = new_page_form(admin_client, guide_index)
    published = press(admin_client, url, key, "action-publish")
    assert published.status_code == 302
    guide = GuidePage.objects.get(slug=SLUG)
    revisions = guide.revisions.count()

    # An autosave the browser had waiting goes out just after Publish, with older content.
    late = autosave(admin_client, url, key, TYPED_EARLIER)

    assert late.status_code == 400
    assert late.json()["error_code"] == "invalid_revision"
    guide.refresh_from_db()
    assert guide.live and not guide.has_unpublished_changes
    assert guide.revisions.count() == revisions
    assert step_titles(guide) == [title for title, _ in TYPED]


def test_an_autosave_that_arrives_after_a_refused_publish_creates_nothing(
    admin_client, guide_index
):
    url, key = new_page_form(admin_client, guide_index)
    refused = press(admin_client, url, key, "action-publish", steps=[])  # a guide needs steps
    assert refused.status_code == 200
    assert "could not be created" in refused.content.decode()

    late = autosave(admin_client, url, key, TYPED_EARLIER)

    # The editor is on the re-shown form (a new key): this autosave belongs to no one.
    assert late.status_code == 400
    assert late.json()["error_code"] == "invalid_revision"
    assert not GuidePage.objects.exists()


def test_an_autosave_retried_after_a_lost_answer_saves_the_same_draft(admin_client, guide_index):
    url, key = new_page_form(admin_client, guide_index)
    autosave(admin_client, url, key, TYPED_EARLIER)

    # The first answer was lost, so the browser sends the autosave again, still to the
    # create address.
    retried = autosave(admin_client, url, key, TYPED)

    assert retried.status_code == 200 and retried.json()["success"]
    draft = GuidePage.objects.get(slug=SLUG)
    assert retried.json()["pk"] == draft.pk
    assert step_titles(draft.get_latest_revision()) == [title for title, _ in TYPED]
    assert GuidePage.objects.count() == 1


def test_another_editor_cannot_use_a_form_key_to_reach_a_draft(
    admin_client, guide_index, django_user_model
):
    url, key = new_page_form(admin_client, guide_index)
    autosave(admin_client, url, key, TYPED_EARLIER)
    # A superuser too: what stops them is that the form is not theirs.
    other = signed_in(
        django_user_model.objects.create_superuser(
            username="another-editor", email="another@northwind.example", password="a passphrase"
        )
    )

    response = press(other, url, key, "action-publish")

    assert is_refused(response)
    draft = GuidePage.objects.get(slug=SLUG)
    assert not draft.live
    assert step_titles(draft.get_latest_revision()) == [title for title, _ in TYPED_EARLIER]


def test_forms_older_than_a_day_are_forgotten(admin_client, guide_index, admin_user):
    old = NewPageForm.objects.create(key=uuid.uuid4(), editor=admin_user)
    NewPageForm.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    recent = NewPageForm.objects.create(key=uuid.uuid4(), editor=admin_user)
    url, key = new_page_form(admin_client, guide_index)

    autosave(admin_client, url, key)

    assert set(NewPageForm.objects.values_list("key", flat=True)) == {recent.key, uuid.UUID(key)}


def test_a_form_without_a_key_creates_its_page_as_before(admin_client, guide_index):
    response = admin_client.post(
        add_url(GuidePage, guide_index),
        guide_form(TITLE, SLUG, TYPED, **{"action-publish": "action-publish"}),
    )

    assert response.status_code == 302
    assert GuidePage.objects.get(slug=SLUG).live
    assert not NewPageForm.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("round_", range(3))
def test_publish_and_autosave_arriving_together_give_one_published_page(
    admin_user, guide_index, round_
):
    """The autosave and Publish reach the server at the same moment, each on its own
    connection, as on a busy server: one page, published with what was typed last."""
    url, key = new_page_form(signed_in(admin_user), guide_index)
    # A client for each request: the test client is not made for two threads at once.
    tab, background = signed_in(admin_user), signed_in(admin_user)
    start = threading.Barrier(2)
    answers = {}

    def send(name, request):
        try:
            start.wait()
            answers[name] = request()
        except Exception as error:  # noqa: BLE001 - a server error: reported below
            answers[name] = error
        finally:
            connections.close_all()

    senders = [
        threading.Thread(target=send, args=("autosave", lambda: autosave(background, url, key))),
        threading.Thread(
            target=send, args=("publish", lambda: press(tab, url, key, "action-publish"))
        ),
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()

    publish, autosaved = answers["publish"], answers["autosave"]
    assert getattr(publish, "status_code", publish) == 302
    # Saved first, or refused as later than Publish.
    assert getattr(autosaved, "status_code", autosaved) in (200, 400)
    guide = GuidePage.objects.get(slug=SLUG)
    assert guide.live and not guide.has_unpublished_changes
    assert step_titles(guide) == [title for title, _ in TYPED]
