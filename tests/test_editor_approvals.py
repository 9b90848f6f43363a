"""Approving from the page editor (More actions -> Approve), as the admin posts it: the
approver lands where they may go, with Wagtail's message."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry, TaskState, WorkflowState

from home.factories import ContentPageFactory
from policies.factories import PolicyPageFactory
from tests.staff_fixtures import (
    content_page_form,
    edit_url,
    policy_form,
    staff_client,
)

pytestmark = pytest.mark.django_db

NO_PERMISSION = "Sorry, you do not have permission to access this area."
APPROVE = {"workflow-action-name": "approve"}


@pytest.fixture
def privacy_statement(home_page):
    policy = PolicyPageFactory(
        parent=home_page,
        title="Privacy statement",
        slug="privacy-statement",
        body__0__text__text="<p>We keep your details for five years.</p>",
    )
    policy.save_revision().publish()
    return policy


@pytest.fixture
def benefits_page(home_page):
    page = ContentPageFactory(parent=home_page, title="Member benefits", slug="benefits")
    page.save_revision().publish()
    return page


def live(page):
    return type(page).objects.get(pk=page.pk)


def submitted_policy_change(policy, text="We keep your details for two years."):
    """An editor's change to a policy, waiting for the Privacy Officer."""
    response = staff_client("editor").post(
        edit_url(policy), policy_form(policy, text, "action-submit")
    )
    assert response.status_code == 302
    return live(policy)


def submitted_page_change(page, text="Eyeglasses are covered."):
    """An editor's change to a content page, waiting for the moderators."""
    response = staff_client("editor").post(
        edit_url(page), content_page_form(page, text, "action-submit")
    )
    assert response.status_code == 302
    return live(page)


def approve_policy_form(policy, text="We keep your details for two years."):
    """The editor's form as the Privacy Officer posts it with More actions -> Approve."""
    return policy_form(policy, text, "action-workflow-action", **APPROVE)


def approve_page_form(page, text="Eyeglasses are covered."):
    return content_page_form(page, text, "action-workflow-action", **APPROVE)


def messages_on(response):
    # Wagtail stores its messages as HTML.
    return [unescape(str(message)).strip() for message in response.context["messages"]]


def what_the_page_holds(page):
    """Everything an approval changes: revisions, the log, what is live, the workflow."""
    page = live(page)
    return {
        "revisions": page.revisions.count(),
        "log": PageLogEntry.objects.filter(page_id=page.pk).count(),
        "live_revision": page.live_revision_id,
        "latest_revision": page.latest_revision_id,
        "unpublished_changes": page.has_unpublished_changes,
        "workflow_states": list(
            WorkflowState.objects.for_instance(page).values_list("status", flat=True)
        ),
        "task_states": list(
            TaskState.objects.filter(workflow_state__object_id=str(page.pk)).values_list(
                "status", flat=True
            )
        ),
        "body": page.body.render_as_block(),
    }


# Where the approver lands ----------------------------------------------------------


def test_the_privacy_officer_approving_in_the_editor_lands_on_the_dashboard_with_the_message(
    privacy_statement,
):
    policy = submitted_policy_change(privacy_statement)
    officer = staff_client("privacy")

    response = officer.post(edit_url(policy), approve_policy_form(policy), follow=True)

    assert response.redirect_chain == [(reverse("wagtailadmin_home"), 302)]
    assert response.status_code == 200
    html = response.content.decode()
    assert NO_PERMISSION not in html
    assert messages_on(response) == ["Page 'Privacy statement' has been updated."]
    assert "Page &#x27;Privacy statement&#x27; has been updated." in html
    policy = live(policy)
    assert not policy.workflow_in_progress
    assert "two years" in policy.body.render_as_block()
    assert policy.last_reviewed == timezone.localdate()


def test_a_moderator_approving_in_the_editor_still_lands_on_the_page_listing(
    benefits_page, home_page
):
    page = submitted_page_change(benefits_page)

    response = staff_client("moderator").post(edit_url(page), approve_page_form(page))

    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_explore", args=(home_page.pk,))
    assert "Eyeglasses are covered." in live(page).body.render_as_block()


def test_the_editor_still_goes_where_its_next_address_says(privacy_statement):
    policy = submitted_policy_change(privacy_statement)
    workflows = reverse("wagtailadmin_reports:workflow")

    response = staff_client("privacy").post(
        f"{edit_url(policy)}?next={workflows}", approve_policy_form(policy)
    )

    assert response.status_code == 302
    assert response.url == workflows
