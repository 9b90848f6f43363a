from django import template
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from members.audience import signed_in_member

register = template.Library()


@register.simple_tag(takes_context=True)
def editor_userbar(context, position="bottom-right"):
    """Wagtail's editing bar, for staff only: members never need it, so skip its queries."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated or signed_in_member(request):
        return ""
    return wagtailuserbar(context, position)
