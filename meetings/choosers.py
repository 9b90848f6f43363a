"""The admin's choosers of the people staff appoint on a meeting page: its chairs (those
who may chair, `members.chairs.may_chair_meetings`) and its scrutineers (the Scrutineers
group). Searchable by name, member ID and Chapter (`members.choosers.PersonChooserViewSet`).

Registered in meetings/wagtail_hooks.py; the meeting page's panels use their widgets.
"""

from django.contrib.auth import get_user_model

from members.chairs import meeting_chair_candidates
from members.choosers import PersonChooserViewSet
from staff.roles import SCRUTINEERS

# The scrutineer field's own limit (`MeetingScrutineer.person`), which the chooser lists.
IN_SCRUTINEERS_GROUP = {"groups__name": SCRUTINEERS}


def may_appoint_meeting_people(user):
    """Who may list the people a meeting can be given: staff who may add or edit meeting
    pages, as the page editor that offers the choosers."""
    from wagtail.permission_policies.pages import PagePermissionPolicy

    from meetings.models import MeetingIndexPage, MeetingPage

    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    pages = PagePermissionPolicy().instances_user_has_any_permission_for(user, ["add", "change"])
    return pages.type(MeetingIndexPage, MeetingPage).exists()


class MeetingChairChooserViewSet(PersonChooserViewSet):
    choose_one_text = "Choose a chair"
    choose_another_text = "Choose another chair"
    page_title = "Choose the meeting's chairs"

    def get_object_list(self):
        return meeting_chair_candidates()

    def may_choose(self, user):
        return may_appoint_meeting_people(user)


class MeetingScrutineerChooserViewSet(PersonChooserViewSet):
    choose_one_text = "Choose a scrutineer"
    choose_another_text = "Choose another scrutineer"
    page_title = "Choose the meeting's scrutineers"

    def get_object_list(self):
        return (
            get_user_model()
            .objects.filter(**IN_SCRUTINEERS_GROUP)
            .select_related("member__chapter__local", "member__local")
            .order_by("last_name", "first_name", get_user_model().USERNAME_FIELD)
        )

    def may_choose(self, user):
        return may_appoint_meeting_people(user)


meeting_chair_chooser_viewset = MeetingChairChooserViewSet("meeting_chair_chooser")
meeting_scrutineer_chooser_viewset = MeetingScrutineerChooserViewSet("meeting_scrutineer_chooser")
