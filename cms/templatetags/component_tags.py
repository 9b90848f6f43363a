from django import template

from cms.blocks import anchor_for

register = template.Library()


@register.filter
def anchor(heading):
    """The in-page anchor of a component heading (the same one the API reports)."""
    return anchor_for(heading)
