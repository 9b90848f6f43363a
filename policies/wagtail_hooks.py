"""Admin hooks for policy pages: the Privacy Officer's approval cannot be bypassed.

`PolicyPage.permissions_for_user` already keeps the Publish action of an
existing policy page for the Privacy Officer. A new page is published through
its parent's permissions instead, and a copy through the destination's, so
these hooks close those two doors for anyone else.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from wagtail import hooks

from policies.models import PolicyPage
from policies.review import may_approve_policies

NOT_YOURS_TO_PUBLISH = (
    "Policy pages are published by the Privacy Officer. Save a draft and submit it for "
    "approval instead."
)


@hooks.register("register_permissions")
def register_policy_approval_permission():
    return Permission.objects.filter(content_type__app_label="policies", codename="approve_policy")


def _creating_a_policy(request):
    match = request.resolver_match
    kwargs = match.kwargs if match else {}
    return (
        kwargs.get("content_type_app_name") == PolicyPage._meta.app_label
        and kwargs.get("content_type_model_name") == PolicyPage._meta.model_name
    )


@hooks.register("before_create_page")
def refuse_publishing_a_new_policy(request, parent_page, page_class):
    if (
        request.method == "POST"
        and request.POST.get("action-publish")
        and issubclass(page_class, PolicyPage)
        and not may_approve_policies(request.user)
    ):
        raise PermissionDenied(NOT_YOURS_TO_PUBLISH)


@hooks.register("construct_page_action_menu")
def hide_publish_on_a_new_policy(menu_items, request, context):
    if (
        context.get("view") == "create"
        and _creating_a_policy(request)
        and not may_approve_policies(request.user)
    ):
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]


@hooks.register("before_copy_page")
def refuse_publishing_copied_policies(request, page):
    if (
        request.method == "POST"
        and request.POST.get("publish_copies")
        and not may_approve_policies(request.user)
        and PolicyPage.objects.descendant_of(page, inclusive=True).exists()
    ):
        raise PermissionDenied(NOT_YOURS_TO_PUBLISH)
