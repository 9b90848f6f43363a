"""Site navigation: the main menu and breadcrumbs."""

from django import template
from wagtail.models import Page, Site

register = template.Library()


@register.inclusion_tag("includes/main_menu.html", takes_context=True)
def main_menu(context):
    """The home page's children that editors ticked "Show in menus" for."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    current = context.get("page") or context.get("self")
    items = []
    if site is not None:
        root = site.root_page
        items = [root] + list(root.get_children().live().in_menu())
    current_path = getattr(current, "path", "")
    return {
        "menu_items": [
            {
                "page": item,
                "is_current": current_path == item.path,
                "is_ancestor": item.depth > 2 and current_path.startswith(item.path),
            }
            for item in items
        ],
        "request": request,
    }


@register.inclusion_tag("includes/breadcrumbs.html")
def breadcrumbs(page):
    """The trail from the home page down to this page's parent."""
    if page is None or not isinstance(page, Page) or page.depth <= 2:
        return {"ancestors": []}
    return {"ancestors": page.get_ancestors().filter(depth__gte=2), "page": page}


@register.inclusion_tag("includes/policy_links.html", takes_context=True)
def policy_links(context):
    """Links to every published policy (the privacy statement first), for the footer."""
    from policies.models import PolicyPage

    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    policies = PolicyPage.objects.live().public()
    if site is not None:
        policies = policies.descendant_of(site.root_page)
    return {"policies": policies.order_by("title"), "request": request}
