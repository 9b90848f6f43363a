"""Editorial workflows: editors submit, moderators approve content, and no change to a
policy goes live without the Privacy Officer, whose approval dates the review."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from home.factories import ContentPageFactory
from home.models import ContentPage
from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from policies.factories import PolicyPageFactory
from policies.models import PolicyPage
from policies.review import policy_review_workflow
from tests.staff_fixtures import (
    add_url,
    content_page_form,
    edit_url,
    is_refused,
    meeting_form,
    policy_form,
    signed_in,
    staff_client,
    staff_member,
)

pytestmark = pytest.mark.django_db

LAST_REVIEWED = datetime.date(2025, 1, 15)


@pytest.fixture
def privacy_statement(home_page):
    policy = PolicyPageFactory(
        parent=home_page,
        slug="privacy-statement",
        last_reviewed=LAST_REVIEWED,
        body__0__text__text="<p>We keep your details for five years.</p>",
    )
    policy.save_revision().publish()
    return policy


def live(page):
    return type(page).objects.get(pk=page.pk)


def live_text(page):
    return live(page).body.render_as_block()


def approve(client, page, action="approve"):
    task_state = live(page).current_workflow_task_state
    return client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, task_state.pk)),
        {"comment": ""},
    )


def submit(client, page, form):
    response = client.post(edit_url(page), form)
    assert response.status_code == 302
    return live(page)


# The privacy statement -------------------------------------------------------------


def test_an_editors_change_to_the_privacy_statement_waits_for_the_privacy_officer(
    privacy_statement, client
):
    editor = staff_client("editor")
    form = policy_form(privacy_statement, "We keep your details for two years.", "action-submit")

    page = submit(editor, privacy_statement, form)

    assert page.workflow_in_progress
    assert page.current_workflow_task.name == "Privacy Officer's approval"
    assert "five years" in live_text(page)
    assert "two years" not in client.get(page.url).content.decode()

    # Neither the editor nor a moderator can approve it, or publish it past the review.
    moderator = staff_client("moderator")
    assert is_refused(approve(editor, page))
    assert is_refused(approve(moderator, page))
    moderator.post(edit_url(page), policy_form(page, "We keep your details for two years."))
    assert "five years" in live_text(page)
    assert live(page).last_reviewed == LAST_REVIEWED

    # The Privacy Officer opens it, approves it, and it goes live dated today.
    privacy = staff_client("privacy")
    assert privacy.get(edit_url(page)).status_code == 200
    response = approve(privacy, page)

    assert response.status_code == 302
    page = live(page)
    assert not page.workflow_in_progress
    assert "two years" in live_text(page)
    assert page.last_reviewed == timezone.localdate()
    assert page.live_revision.as_object().last_reviewed == timezone.localdate()
    html = client.get(page.url).content.decode()
    assert "two years" in html


def test_the_next_edit_starts_from_the_approved_review_date(privacy_statement):
    editor = staff_client("editor")
    submit(editor, privacy_statement, policy_form(privacy_statement, "Revised.", "action-submit"))
    approve(staff_client("privacy"), privacy_statement)

    latest = live(privacy_statement).get_latest_revision_as_object()

    assert latest.last_reviewed == timezone.localdate()


def test_a_change_the_privacy_officer_sends_back_stays_unpublished(privacy_statement):
    editor = staff_client("editor")
    submit(editor, privacy_statement, policy_form(privacy_statement, "Forever.", "action-submit"))

    response = approve(staff_client("privacy"), privacy_statement, action="reject")

    assert response.status_code == 302
    page = live(privacy_statement)
    assert "Forever." not in live_text(page)
    assert page.last_reviewed == LAST_REVIEWED


def test_moderators_cannot_publish_a_policy_page_anywhere_in_the_tree(home_page):
    section = ContentPageFactory(parent=home_page, title="About")
    policy = PolicyPageFactory(parent=section, slug="code-of-conduct", last_reviewed=LAST_REVIEWED)
    policy.save_revision().publish()
    moderator = staff_client("moderator")

    edit_form = moderator.get(edit_url(policy)).content.decode()
    moderator.post(edit_url(policy), policy_form(policy, "Be kind."))
    unpublish = moderator.post(reverse("wagtailadmin_pages:unpublish", args=(policy.pk,)))

    assert 'name="action-publish"' not in edit_form
    assert 'name="action-submit"' in edit_form
    assert "Be kind." not in live_text(policy)
    assert is_refused(unpublish)
    assert live(policy).live
    assert live(policy).get_workflow() == policy_review_workflow()


def test_moderators_cannot_create_a_policy_page_already_published(home_page):
    moderator = staff_client("moderator")
    new_policy = PolicyPage(
        title="Harassment policy", slug="harassment-policy", last_reviewed=LAST_REVIEWED
    )

    edit_form = moderator.get(add_url(PolicyPage, home_page))
    response = moderator.post(add_url(PolicyPage, home_page), policy_form(new_policy, "Text."))

    assert 'name="action-publish"' not in edit_form.content.decode()
    assert is_refused(response)
    assert not PolicyPage.objects.filter(slug="harassment-policy", live=True).exists()


def test_the_privacy_officer_publishes_policies_but_no_other_page(privacy_statement, home_page):
    content = ContentPageFactory(parent=home_page)
    content.save_revision().publish()
    officer = staff_member("privacy")

    assert privacy_statement.permissions_for_user(officer).can_publish()
    assert not content.permissions_for_user(officer).can_publish()
    assert is_refused(signed_in(officer).get(edit_url(content)))


# Content pages and meetings ----------------------------------------------------------


def test_moderators_approve_the_content_pages_editors_submit(home_page, client):
    page = ContentPageFactory(parent=home_page, title="Member benefits", slug="benefits")
    page.save_revision().publish()
    editor = staff_client("editor")

    page = submit(editor, page, content_page_form(page, "Eyeglasses covered.", "action-submit"))

    assert page.current_workflow_task.name == "Moderators approval"
    assert is_refused(approve(editor, page))
    assert is_refused(approve(staff_client("privacy"), page))
    assert "Eyeglasses covered." not in live_text(page)

    assert approve(staff_client("moderator"), page).status_code == 302
    assert "Eyeglasses covered." in client.get(page.url).content.decode()


def test_an_editors_new_page_submitted_for_approval_goes_to_the_moderators(home_page):
    editor = staff_client("editor")
    page = ContentPage(title="Scholarships", slug="scholarships", introduction="")

    response = editor.post(
        add_url(ContentPage, home_page), content_page_form(page, "Apply by May.", "action-submit")
    )

    assert response.status_code == 302
    created = ContentPage.objects.get(slug="scholarships")
    assert not created.live
    assert created.current_workflow_task.name == "Moderators approval"


def test_meeting_changes_editors_submit_go_to_the_meeting_organisers(home_page):
    meetings = MeetingIndexPageFactory(parent=home_page)
    meeting = MeetingPageFactory(parent=meetings, title="Local 012 AGM")
    meeting.save_revision().publish()
    editor = staff_client("editor")

    form = meeting_form(meeting, "Local 012 AGM, new room", "action-submit")
    page = submit(editor, meeting, form)

    assert page.current_workflow_task.name == "Meeting organisers' approval"
    assert is_refused(approve(staff_client("moderator"), page))
    assert approve(staff_client("organiser"), page).status_code == 302
    assert live(meeting).title == "Local 012 AGM, new room"
