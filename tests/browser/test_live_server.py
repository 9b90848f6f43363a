"""The live server the browser journeys (and schemathesis) run against.

It must answer requests side by side, as the admin sends them (autosaves, editing
sessions, the editor's own), each on its own database connection; and when a test
ends it must finish what it was answering, and take nothing more, before the
database is flushed for the next test. No browser is needed for these checks.
"""

import threading

import pytest
import requests
from django.db import transaction

from meetings.factories import GuidePageFactory
from tests.live_server import LiveServer
from tests.staff.test_admin_editing import guide_form

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "a long passphrase"
EDITORS_AT_ONCE = 4
AUTOSAVES_EACH = 3
# How long a request may take before the test calls the server stuck.
PATIENCE_SECONDS = 30


def admin_session(base_url, username):
    """Sign in to the Wagtail admin over HTTP, as a browser would."""
    session = requests.Session()
    session.get(f"{base_url}/admin/login/", timeout=PATIENCE_SECONDS)
    response = session.post(
        f"{base_url}/admin/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=PATIENCE_SECONDS,
        allow_redirects=False,
    )
    assert response.status_code == 302, "the admin sign-in failed"
    return session


def autosave(session, base_url, page, steps):
    """What the admin's autosave posts for a page being edited."""
    return session.post(
        f"{base_url}/admin/pages/{page.pk}/edit/",
        data=guide_form(page.title, page.slug, steps),
        headers={"Accept": "application/json", "X-CSRFToken": session.cookies["csrftoken"]},
        timeout=PATIENCE_SECONDS,
    )


def test_editors_autosaving_at_once_are_each_answered(live_server, guide_index, django_user_model):
    """Each thread of the server has its own connection: concurrent autosaves (each a
    transaction with savepoints) all succeed, where one shared connection failed with
    'no such savepoint'. The editors share one guide: saves of different pages at once
    can deadlock in PostgreSQL's search index update (modelsearch's title norms) when
    the indexing task runs inside the request, as the tests' immediate task backend
    runs it; production's task worker runs it apart."""
    editors = [
        django_user_model.objects.create_superuser(f"editor-{n}", f"e{n}@example.com", PASSWORD)
        for n in range(EDITORS_AT_ONCE)
    ]
    guide = GuidePageFactory(parent=guide_index, title="Voting from your phone")
    revisions_before = guide.revisions.count()
    sessions = [admin_session(live_server.url, editor.username) for editor in editors]
    start = threading.Barrier(EDITORS_AT_ONCE)
    answers = [[] for _ in editors]

    def edit(n):
        start.wait()
        for round_ in range(AUTOSAVES_EACH):
            try:
                response = autosave(
                    sessions[n], live_server.url, guide, [(f"Step {n}.{round_}", "Text.")]
                )
                answers[n].append((response.status_code, response.text[:200]))
            except requests.RequestException as error:
                answers[n].append(("error", repr(error)))

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(EDITORS_AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for n in range(EDITORS_AT_ONCE):
        assert [status for status, _ in answers[n]] == [200] * AUTOSAVES_EACH, answers[n]
    assert guide.revisions.count() == revisions_before + EDITORS_AT_ONCE * AUTOSAVES_EACH


def test_a_stopped_server_finishes_the_request_under_way_and_takes_no_more(
    transactional_db, django_user_model
):
    editor = django_user_model.objects.create_superuser("editor", "e@example.com", PASSWORD)
    server = LiveServer("localhost")
    server.start()
    session = requests.Session()
    session.get(f"{server.url}/admin/login/", timeout=PATIENCE_SECONDS)
    answers, stopped = [], threading.Event()

    def sign_in():
        answers.append(
            session.post(
                f"{server.url}/admin/login/",
                data={
                    "username": editor.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                },
                timeout=PATIENCE_SECONDS,
                allow_redirects=False,
            )
        )

    def stop():
        server.stop()
        stopped.set()

    signing_in, stopping = threading.Thread(target=sign_in), threading.Thread(target=stop)
    with transaction.atomic():
        # Signing in writes the editor's last_login, so it waits for this transaction.
        django_user_model.objects.filter(pk=editor.pk).update(first_name="Busy")
        signing_in.start()
        assert server.in_flight.wait_until_under_way(1, PATIENCE_SECONDS)
        stopping.start()
        assert server.in_flight.stopped.wait(PATIENCE_SECONDS)
        # The server takes no more requests, and still waits for the one under way.
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/admin/login/", timeout=PATIENCE_SECONDS)
        assert not stopped.is_set()
    signing_in.join()
    stopping.join()

    assert stopped.is_set()
    assert answers[0].status_code == 302  # signed in: the request was finished, not cut off
