"""What `load_demo` prints: a short summary whose addresses all work, and the sign-ins.

The emails the demo sends (meeting notices) are saved as .eml files when the site
prints emails on the console, so they no longer bury the sign-ins; --print-emails
prints them.
"""

import email
import re
from email import policy
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from members.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_email
from staff.demo import EDITOR_PASSWORD, STAFF_PASSWORD, STAFF_SIGN_INS
from tests.demo_fixtures import load_demo

pytestmark = pytest.mark.django_db

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
CHAPTER_CHAIR = "daniel.tremblay.000012@members.northwind.example"
SIGN_IN_PAGES = ("/account/login/", "/admin/login/")


def addresses(output):
    return re.findall(r"https?://\S+", output)


def assert_gives_the_sign_ins(output):
    assert EDITOR_PASSWORD in output and STAFF_PASSWORD in output and DEMO_PASSWORD in output
    for username, group, _does in STAFF_SIGN_INS:
        assert f"{username}" in output and group in output
    for member_id, given, family, *_ in DEMO_PEOPLE:
        assert demo_email(given, family, member_id) in output


def test_the_summary_is_short_and_gives_every_sign_in():
    output = load_demo()

    assert len(output.splitlines()) < 60
    assert_gives_the_sign_ins(output)
    assert "Demo content loaded" in output

    again = load_demo()
    assert len(again.splitlines()) < 60
    assert_gives_the_sign_ins(again)
    assert "nothing changed" in again


def test_every_address_in_the_summary_answers_or_asks_to_sign_in():
    output = load_demo()
    urls = addresses(output)
    chair = Client()
    chair.post(reverse("account_login"), {"login": CHAPTER_CHAIR, "password": DEMO_PASSWORD})

    # The pages, the meetings (by their public address, never the tree's /home/...),
    # the chair's page, the admin and the sign-in page.
    assert len(urls) >= 14
    assert sum("/meetings/" in url for url in urls) >= 5
    assert not any("/home/" in url for url in urls)
    for url in urls:
        assert url.startswith("http://127.0.0.1:8000/"), url
        path = urlsplit(url).path
        response = Client().get(path)
        if response.status_code == 302:
            assert response["Location"].startswith(SIGN_IN_PAGES), (url, response["Location"])
        elif response.status_code == 403:
            # Members only (the chair's page): it offers the sign-in, and opens to the chair.
            assert f'href="/account/login/?next={path}"' in response.content.decode()
            assert chair.get(path).status_code == 200, url
        else:
            assert response.status_code == 200, url


def test_the_summary_gives_the_address_the_site_is_served_on():
    output = load_demo("--host", "192.0.2.10", "--port", "8123")

    urls = addresses(output)
    assert urls
    assert all(url.startswith("http://192.0.2.10:8123/") for url in urls), urls
    assert "runserver 192.0.2.10:8123" in output


def test_verbosity_2_lists_each_thing_the_demo_loaded():
    output = load_demo("--verbosity", "2")

    assert '"Privacy statement" (/privacy-statement/)' in output
    assert 'Staff sign-in "moderator"' in output


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_console_email_the_demos_emails_are_saved_as_eml_files_not_printed(tmp_path, capsys):
    # The transaction commits here, so the notices are really sent.
    with override_settings(EMAIL_BACKEND=CONSOLE_EMAIL):
        output = load_demo("--email-folder", str(tmp_path))

    console = capsys.readouterr().out
    assert "Subject:" not in console and "Dear " not in console
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 9  # one per demo person per meeting they may attend
    notices = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert all("Notice of meeting" in notice["Subject"] for notice in notices)
    emailed = {notice["To"] for notice in notices}
    assert emailed == {demo_email(g, f, member_id) for member_id, g, f, *_ in DEMO_PEOPLE}
    assert f"9 meeting notice email(s) are saved in {tmp_path}" in output
    assert len(output.splitlines()) < 60


def test_print_emails_hands_them_to_the_sites_email_backend(
    tmp_path, capsys, django_capture_on_commit_callbacks
):
    with (
        override_settings(EMAIL_BACKEND=CONSOLE_EMAIL),
        django_capture_on_commit_callbacks(execute=True),
    ):
        output = load_demo("--print-emails", "--email-folder", str(tmp_path))

    assert capsys.readouterr().out.count("Subject: [Northwind] Notice of meeting") == 9
    assert not list(tmp_path.iterdir())
    assert "saved in" not in output
