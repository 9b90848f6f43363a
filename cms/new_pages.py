"""Starting titles and slugs for new pages in the admin, where there is an obvious one.

Wagtail sends `init_new_page` when an editor opens the form for a new page. A
section's index and the privacy statement have a usual title and address; a
new policy starts out reviewed today. A suggestion is only made while its slug
is free under the parent, and the editor can change everything.
"""

from django.utils import timezone
from wagtail.signals import init_new_page

# page type (app_label.ModelName) -> (title, slug)
USUAL_TITLES = {
    "meetings.GuideIndexPage": ("How-to guides", "guides"),
    "meetings.MeetingIndexPage": ("Meetings", "meetings"),
    "policies.PolicyPage": ("Privacy statement", "privacy-statement"),
}


def suggest_defaults(sender, page, parent, **kwargs):
    label = f"{page._meta.app_label}.{page.__class__.__name__}"
    if label in USUAL_TITLES and not page.title:
        title, slug = USUAL_TITLES[label]
        if not parent.get_children().filter(slug=slug).exists():
            page.title, page.slug = title, slug
    if label == "policies.PolicyPage" and page.last_reviewed is None:
        page.last_reviewed = timezone.localdate()


def connect():
    init_new_page.connect(suggest_defaults, dispatch_uid="cms.suggest_new_page_defaults")
