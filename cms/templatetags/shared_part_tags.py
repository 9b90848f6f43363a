"""`{% sharedpart "name" %}…{% endsharedpart %}`: a part of a page that every visitor
shown it sees alike, rendered once and shared through the cache when the page offers
its parts (cms/shared_parts.py); rendered as usual when it does not. Only what is the
same for every such visitor belongs inside: nothing from the user, the session, the
CSRF token or messages. A part whose name is empty is rendered for the visitor and
never kept: a template included both for what is shared and for what is not (a proxy
holder's vote form, which names the giver) says which by the name it passes."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class SharedPartNode(template.Node):
    def __init__(self, name, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        parts = context.get("shared_parts")
        if parts is None:
            return self.nodelist.render(context)
        name = self.name.resolve(context)
        if not name:
            return self.nodelist.render(context)
        return mark_safe(parts.part(name, lambda: self.nodelist.render(context)))  # noqa: S308 - rendered by the template engine


@register.tag
def sharedpart(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% sharedpart %} takes the part's name")
    nodelist = parser.parse(("endsharedpart",))
    parser.delete_first_token()
    return SharedPartNode(parser.compile_filter(bits[1]), nodelist)
