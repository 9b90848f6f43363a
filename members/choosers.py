"""Admin choosers for union units, used by page components and page fields, and the
base of the admin's choosers of people (`PersonChooserViewSet`).

The unit choosers are registered in cms/wagtail_hooks.py; the block classes are
importable at model-load time so StreamField definitions can use them.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from members.chairs import person_label
from members.models import Chapter, Local, Sector


class SectorChooserViewSet(ChooserViewSet):
    model = Sector
    icon = "group"
    choose_one_text = "Choose a sector"
    choose_another_text = "Choose another sector"


class LocalChooserViewSet(ChooserViewSet):
    model = Local
    icon = "group"
    choose_one_text = "Choose a Local"
    choose_another_text = "Choose another Local"


class ChapterChooserViewSet(ChooserViewSet):
    model = Chapter
    icon = "group"
    choose_one_text = "Choose a Chapter"
    choose_another_text = "Choose another Chapter"


sector_chooser_viewset = SectorChooserViewSet("sector_chooser")
local_chooser_viewset = LocalChooserViewSet("local_chooser")
chapter_chooser_viewset = ChapterChooserViewSet("chapter_chooser")

SectorChooserBlock = sector_chooser_viewset.get_block_class(
    name="SectorChooserBlock", module_path="members.choosers"
)
LocalChooserBlock = local_chooser_viewset.get_block_class(
    name="LocalChooserBlock", module_path="members.choosers"
)
ChapterChooserBlock = chapter_chooser_viewset.get_block_class(
    name="ChapterChooserBlock", module_path="members.choosers"
)


# People -----------------------------------------------------------------------------
#
# A chooser of site accounts, each named as the union knows the person (`person_label`:
# family name, member ID, Chapter), searchable by those, and listing only the accounts a
# subclass offers (`get_object_list`) to the staff it allows (`may_choose`). Subclasses:
# meetings/choosers.py (a meeting's chairs and scrutineers).

# Words that say what kind of thing follows ("Chapter 041/001", "member 000012").
FILLER_WORDS = {"chapter", "local", "member", "id"}
UNIT_CODE = re.compile(r"^(\d{1,3})/(\d{1,3})$")  # a Chapter as the union writes it: 041/001


def people_matching(search):
    """The accounts whose person matches every word of ``search``: a given or family
    name, a member ID (or its digits), a Chapter's or Local's name or number, or a
    Chapter as "041/001"; a staff sign-in by its names or username."""
    words = [word for word in search.split() if word.lower() not in FILLER_WORDS]
    query = Q()
    for word in words or search.split():
        matches = (
            Q(member__given_name__icontains=word)
            | Q(member__family_name__icontains=word)
            | Q(member__chapter__name__icontains=word)
            | Q(member__local__name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
        )
        if word.isdigit():
            matches |= Q(member__member_id__contains=word)
            if len(word) <= 3:  # a Local's number; member IDs have six digits
                matches |= Q(member__local__number=int(word))
        code = UNIT_CODE.match(word)
        if code:
            matches |= Q(
                member__chapter__local__number=int(code[1]), member__chapter__number=int(code[2])
            )
        query &= matches
    return query


class PersonSearchForm(BaseFilterForm):
    """The chooser's search box: names, member IDs and Chapters, as staff know people."""

    q = forms.CharField(
        label="Search by name, member ID or Chapter",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Tremblay, 000012 or 041/001"}),
        required=False,
    )

    def filter(self, objects):
        search = (self.cleaned_data.get("q") or "").strip()
        if search:
            objects = objects.filter(people_matching(search))
            self.is_searching = True
            self.search_query = search
        return objects


class PersonChooser(BaseChooser):
    """The chosen person, named as the list names them; people are edited in the roster,
    not from here."""

    show_edit_link = False

    def get_display_title(self, instance):
        return person_label(instance)


def _member_id(user):
    member = getattr(user, "member", None)
    return member.member_id if member else "(staff sign-in)"


def _unit(user):
    member = getattr(user, "member", None)
    unit = member and (member.chapter or member.local)
    return str(unit) if unit else ""


def _name(user):
    member = getattr(user, "member", None)
    if member is not None:
        return f"{member.family_name}, {member.given_name}"
    return user.get_full_name() or user.get_username()


class PersonChooserViewMixin:
    """Every view of a person chooser: only for the staff the viewset allows, and only
    the people it offers."""

    may_choose = None  # set by the viewset: who may use the chooser

    def dispatch(self, request, *args, **kwargs):
        if not self.may_choose(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PersonListingMixin(PersonChooserViewMixin):
    """The list of people: searchable, in columns, and written to the access log, as
    every admin page that shows members' details is."""

    filter_form_class = PersonSearchForm
    per_page = 20

    def get_context_data(self, **kwargs):
        from members.access_log import record_access
        from members.models import AccessLogEntry

        context = super().get_context_data(**kwargs)
        shown = [user.member for user in self.results if getattr(user, "member", None)]
        if shown:
            record_access(
                self.request,
                action=AccessLogEntry.Action.VIEW,
                what=f"{self.page_title} (admin chooser)",
                members=shown,
                role="meeting staff",
            )
        return context

    @property
    def columns(self):
        title = self.title_column
        title.label, title.accessor = "Name", _name
        return [
            title,
            Column("member_id", label="Member ID", accessor=_member_id),
            Column("chapter", label="Chapter", accessor=_unit),
        ]


class PersonChosenMixin(PersonChooserViewMixin):
    def get_display_title(self, instance):
        return person_label(instance)

    def get_edit_item_url(self, instance):
        return None

    def get_object(self, pk):
        return self.get_object_list().get(pk=pk)

    def get_objects(self, pks):
        return self.get_object_list().filter(pk__in=pks)


class PersonChooseView(PersonListingMixin, chooser_views.ChooseView):
    pass


class PersonChooseResultsView(PersonListingMixin, chooser_views.ChooseResultsView):
    pass


class PersonChosenView(PersonChosenMixin, chooser_views.ChosenView):
    pass


class PersonChosenMultipleView(PersonChosenMixin, chooser_views.ChosenMultipleView):
    pass


class PersonChooserViewSet(ChooserViewSet):
    """A chooser of people: subclasses say whom it offers (`get_object_list`) and who may
    use it (`may_choose`). Its widget is set on the fields that use it, never registered
    for every link to an account."""

    model = settings.AUTH_USER_MODEL
    register_widget = False
    icon = "user"
    base_widget_class = PersonChooser
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView
    chosen_view_class = PersonChosenView
    chosen_multiple_view_class = PersonChosenMultipleView

    def get_object_list(self):
        raise NotImplementedError

    def may_choose(self, user):
        raise NotImplementedError

    def construct_view(self, view_class, **kwargs):
        if issubclass(view_class, PersonChooserViewMixin):
            view_class = self.inject_view_methods(view_class, ["get_object_list"])
            kwargs.update(may_choose=self.may_choose, page_title=self.page_title)
        return super().construct_view(view_class, **kwargs)
