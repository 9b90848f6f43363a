"""Staff accounts in the groups the staff migration creates, and the admin forms they post."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from staff.roles import (
    COMMUNICATIONS_EDITORS,
    MEETING_ORGANISERS,
    MEMBERSHIP_STAFF,
    MODERATORS,
    PRIVACY_OFFICER,
)

GROUPS = {
    "editor": COMMUNICATIONS_EDITORS,
    "moderator": MODERATORS,
    "membership": MEMBERSHIP_STAFF,
    "privacy": PRIVACY_OFFICER,
    "organiser": MEETING_ORGANISERS,
}


def staff_member(role):
    """A user in the group for ``role`` (a key of GROUPS) and nothing else."""
    user = get_user_model().objects.create_user(
        username=f"{role}-staff", email=f"{role}@northwind.example", password="a long passphrase"
    )
    user.groups.add(Group.objects.get(name=GROUPS[role]))
    return user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def staff_client(role):
    return signed_in(staff_member(role))


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def add_url(model, parent):
    return reverse(
        "wagtailadmin_pages:add", args=(model._meta.app_label, model._meta.model_name, parent.pk)
    )


def body(text):
    return streamfield([("text", {"heading": "", "text": rich_text(f"<p>{text}</p>")})])


def content_page_form(page, text, action="action-publish", **extra):
    """The page editor's form for ``page`` (saved or not) with ``text`` as its body,
    sent with the button ``action``."""
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "introduction": page.introduction,
            "body": body(text),
            action: action,
            **extra,
        }
    )


def policy_form(policy, text, action="action-publish", **extra):
    """The editor's form for a policy: a content page's, with its review date."""
    fields = {"last_reviewed": str(policy.last_reviewed), "show_privacy_officer": "on"}
    return content_page_form(policy, text, action, **{**fields, **extra})


def guide_form(guide, step_titles, action="action-publish", **extra):
    return nested_form_data(
        {
            "title": guide.title,
            "slug": guide.slug,
            "introduction": rich_text("<p>For members joining their AGM online.</p>"),
            "steps": streamfield(
                [
                    ("step", {"title": title, "text": rich_text(f"<p>How to {title.lower()}.</p>")})
                    for title in step_titles
                ]
            ),
            "comparison": streamfield([]),
            "tips": streamfield([]),
            "body": streamfield([]),
            "instructions_document": (
                str(guide.instructions_document_id) if guide.instructions_document_id else ""
            ),
            action: action,
            **extra,
        }
    )


def appointments_form(meeting, relation, people=None):
    """The page editor's rows for a meeting's chairs or scrutineers (``relation``), as the
    browser sends them: the saved rows as they are, or, given ``people`` (accounts or
    their ids), the saved rows removed and a row for each person, in order."""
    rows = list(getattr(meeting, relation).all()) if meeting.pk else []
    saved = [
        {
            "id": str(row.pk),
            "person": str(row.person_id),
            **({"DELETE": "1"} if people is not None else {}),
        }
        for row in rows
    ]
    if people is None:
        return inline_formset(saved, initial=len(saved))
    chosen = [{"person": str(getattr(person, "pk", person))} for person in people]
    return inline_formset(saved + chosen, initial=len(saved))


def meeting_form(
    meeting, title, action="action-publish", *, chairs=None, scrutineers=None, **extra
):
    """The page editor's form for a meeting; its chairs and scrutineers as saved unless
    given (``chairs=[...]``, ``scrutineers=[...]``)."""
    return nested_form_data(
        {
            "title": title,
            "slug": meeting.slug,
            "kind": meeting.kind,
            "audience_kind": meeting.audience_kind,
            **{
                f"audience_{unit}": str(getattr(meeting, f"audience_{unit}_id") or "")
                for unit in ("chapter", "local", "area_council", "sector")
            },
            "starts_at": meeting.starts_at.strftime("%Y-%m-%d %H:%M"),
            "ends_at": meeting.ends_at.strftime("%Y-%m-%d %H:%M"),
            "time_zone": meeting.time_zone,
            "agenda": rich_text("<p>Call to order.</p>"),
            "quorum": "0",
            "proxy_cap": "1",
            "materials-TOTAL_FORMS": "0",
            "materials-INITIAL_FORMS": "0",
            "materials-MIN_NUM_FORMS": "0",
            "materials-MAX_NUM_FORMS": "1000",
            "chair_appointments": appointments_form(meeting, "chair_appointments", chairs),
            "scrutineer_appointments": appointments_form(
                meeting, "scrutineer_appointments", scrutineers
            ),
            action: action,
            **extra,
        }
    )


def is_refused(response):
    """Wagtail answers a missing permission with 403, or a redirect to the dashboard or sign-in."""
    if response.status_code == 403:
        return True
    if response.status_code == 302:
        return response.url.split("?")[0] in ("/admin/", "/admin/login/")
    return False
