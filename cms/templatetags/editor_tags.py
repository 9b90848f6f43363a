import uuid

from django import template
from django.utils.html import format_html
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from cms.new_page_forms import KEY_FIELD
from members.audience import signed_in_member

register = template.Library()


@register.simple_tag(takes_context=True)
def editor_userbar(context, position="bottom-right"):
    """Wagtail's editing bar, for staff only: members never need it, so skip its queries."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated or signed_in_member(request):
        return ""
    return wagtailuserbar(context, position)


@register.simple_tag
def new_page_form_key():
    """The hidden field that names one new-page form (cms.new_page_forms)."""
    return format_html('<input type="hidden" name="{}" value="{}">', KEY_FIELD, uuid.uuid4())
