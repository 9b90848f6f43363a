"""Approving from the page editor (More actions -> Approve), as the admin posts it: the
approver lands where they may go with Wagtail's message, and a repeated approval (a
double click) is answered "already approved", changing nothing, never with a 500."""

import sys
import threading
import time
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry, TaskState, WorkflowState

from home.factories import ContentPageFactory
from policies.factories import PolicyPageFactory
from staff.roles import MODERATORS
from tests.staff_fixtures import (
    content_page_form,
    edit_url,
    policy_form,
    signed_in,
    staff_client,
    staff_member,
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


# A repeated approval -----------------------------------------------------------------


@pytest.mark.parametrize("approver", ["privacy", "moderator"])
def test_approving_twice_answers_already_approved_and_changes_nothing(
    approver, privacy_statement, benefits_page
):
    if approver == "privacy":
        page, form = submitted_policy_change(privacy_statement), approve_policy_form
    else:
        page, form = submitted_page_change(benefits_page), approve_page_form
    client = staff_client(approver)
    first = client.post(edit_url(page), form(page), follow=True)
    after_the_first = what_the_page_holds(page)

    second = client.post(edit_url(page), form(page), follow=True)

    assert second.status_code == 200
    # The second click lands where the first did, saying what happened.
    assert second.redirect_chain == first.redirect_chain
    title = page.title
    assert messages_on(second) == [
        f"Page '{title}' has already been approved by you. Nothing was changed."
    ]
    assert NO_PERMISSION not in second.content.decode()
    assert what_the_page_holds(page) == after_the_first


def test_an_approval_by_someone_else_first_is_named(benefits_page):
    page = submitted_page_change(benefits_page)
    first_moderator = staff_member("moderator")
    first_moderator.first_name, first_moderator.last_name = "Aroha", "Ngata"
    first_moderator.save()
    second_moderator = get_user_model().objects.create_user(
        username="second-moderator", email="moderator2@northwind.example"
    )
    second_moderator.groups.add(Group.objects.get(name=MODERATORS))
    signed_in(first_moderator).post(edit_url(page), approve_page_form(page))
    after_the_first = what_the_page_holds(page)

    response = signed_in(second_moderator).post(
        edit_url(page), approve_page_form(page), follow=True
    )

    assert messages_on(response) == [
        "Page 'Member benefits' has already been approved by Aroha Ngata. Nothing was changed."
    ]
    assert what_the_page_holds(page) == after_the_first


def test_an_approval_posted_by_someone_who_does_not_review_it_changes_nothing(benefits_page):
    editor = staff_client("editor")
    submit = content_page_form(benefits_page, "Dental.", "action-submit")
    editor.post(edit_url(benefits_page), submit, follow=True)
    page = live(benefits_page)
    before = what_the_page_holds(page)

    # Wagtail saved this as a new draft, as if Save had been pressed.
    response = editor.post(edit_url(page), approve_page_form(page, "Dental."), follow=True)

    assert response.status_code == 200
    assert messages_on(response) == [
        "Page 'Member benefits' is not waiting for your approval. Nothing was changed."
    ]
    assert what_the_page_holds(page) == before
    assert live(page).workflow_in_progress


def test_a_second_click_landing_while_the_first_approves_is_answered_not_a_500(
    privacy_statement,
):
    """The double click as the server sees it: the second request has checked that the
    page awaits approval, and the first one's approval lands while the second is still
    validating the form. Wagtail then read the page's task again, found none, and
    failed on None (a 500)."""
    policy = submitted_policy_change(privacy_statement)
    officer = staff_client("privacy")
    officer.raise_request_exception = False  # see the 500 as the browser would
    first_click = {}

    def first_click_lands_during_validation(execute, sql, params, many, context):
        if not first_click and validating_a_form():
            first_click["response"] = None  # its own queries pass straight through
            first_click["response"] = officer.post(edit_url(policy), approve_policy_form(policy))
            first_click["holds"] = what_the_page_holds(policy)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(first_click_lands_during_validation):
        second_click = officer.post(edit_url(policy), approve_policy_form(policy))

    assert first_click["response"].status_code == 302
    assert second_click.status_code == 302
    assert second_click.url == reverse("wagtailadmin_home")
    dashboard = officer.get(second_click.url)
    # The browser shows the second click's answer (the first one's was left behind).
    assert messages_on(dashboard) == [
        "Page 'Privacy statement' has already been approved by you. Nothing was changed."
    ]
    assert what_the_page_holds(policy) == first_click["holds"]


def validating_a_form():
    """True while Django validates a form (its full_clean is on the call stack)."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "full_clean" and "django/forms" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


# Two clicks at once, on PostgreSQL ------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent requests need PostgreSQL"
)


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_at_once_approve_and_publish_once(privacy_statement):
    """The first click's approval is held inside its transaction while the second
    arrives: the second waits for it (or, without the lock, approves and publishes a
    second time), then is told the page is already approved."""
    policy = submitted_policy_change(privacy_statement)
    officer = staff_member("privacy")
    first_paused, release_first = threading.Event(), threading.Event()
    responses = {}

    def pause_before_approving(execute, sql, params, many, context):
        if sql.startswith('UPDATE "wagtailcore_taskstate"') and not first_paused.is_set():
            first_paused.set()
            assert release_first.wait(30), "the test never released the first click"
        return execute(sql, params, many, context)

    def click(name, wrapper=None):
        client = Client(raise_request_exception=False)
        client.force_login(officer)
        try:
            if wrapper is None:
                responses[name] = client.post(edit_url(policy), approve_policy_form(policy))
            else:
                with connection.execute_wrapper(wrapper):
                    responses[name] = client.post(edit_url(policy), approve_policy_form(policy))
        finally:
            connections.close_all()

    first = threading.Thread(target=click, args=("first", pause_before_approving))
    first.start()
    assert first_paused.wait(30)
    second = threading.Thread(target=click, args=("second",))
    second.start()
    # Let the first click go on once the second has finished or waits on a lock.
    deadline = time.monotonic() + 30
    while second.is_alive() and not a_request_waits_on_a_lock():
        assert time.monotonic() < deadline, "the second click neither finished nor waited"
        time.sleep(0.05)
    release_first.set()
    first.join(30)
    second.join(30)

    assert responses["first"].status_code == 302
    assert responses["second"].status_code == 302
    approvals = PageLogEntry.objects.filter(page_id=policy.pk, action="wagtail.workflow.approve")
    publishes = PageLogEntry.objects.filter(page_id=policy.pk, action="wagtail.publish")
    assert approvals.count() == 1
    assert publishes.count() == 2  # the fixture's first publication, and this approval
    assert list(WorkflowState.objects.for_instance(policy).values_list("status", flat=True)) == [
        WorkflowState.STATUS_APPROVED
    ]


def a_request_waits_on_a_lock():
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
