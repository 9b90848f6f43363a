"""Background tasks of the members app (Django's tasks framework, through django-tasks)."""

from django_tasks import task

from members.accounts import request_account


@task()
def answer_sign_up(member_id: str, family_name: str, email: str, site_url: str) -> None:
    """Do the roster work of a sign-up request and send its emails.

    Queued by the sign-up page, which answers at once: the request does the same
    work whatever the roster holds, so its timing cannot tell whether a member ID
    exists. Returns nothing, so the task's stored result says nothing either.
    """
    request_account(member_id, family_name, email, site_url=site_url)
