"""The "Membership" admin: the union's structure and the roster, through wagtail-modeladmin.

Everything modeladmin-specific lives in this module (registered from
members/wagtail_hooks.py), so moving to Wagtail's ``SnippetViewSet`` later means
rewriting this file alone: each ``ModelAdmin`` maps onto a viewset with the same
``list_display``, ``list_filter``, ``search_fields`` and ``panels``, and the group
onto a ``SnippetViewSetGroup``.
"""

from django.contrib.admin.filters import RelatedFieldListFilter
from django.urls import reverse_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel, ObjectList
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import EditView, IndexView, InspectView

from members.access_log import record_access
from members.admin_views import RosterImportView
from members.models import AccessLogEntry, AreaCouncil, Chapter, Local, Member, Sector

STAFF_ROLE = "membership staff"

# The model permissions that open these listings. Member also has
# "import_roster" and "view_contact_information"; neither of them is a licence
# to browse the whole roster, which modeladmin would otherwise allow.
LISTING_ACTIONS = ("add", "change", "delete", "view")


class MembershipPermissionHelper(PermissionHelper):
    """Listing needs one of the model's add/change/delete/view permissions."""

    def user_has_any_permissions(self, user):
        return any(
            self.user_has_specific_permission(user, self.get_perm_codename(action))
            for action in LISTING_ACTIONS
        )


class UnitFilter(RelatedFieldListFilter):
    """A list filter on a sector, Local or Chapter.

    Django's own version asks ``django.contrib.admin``'s site for the related
    model's ordering, and that app is not installed; this one lists the units
    in their models' own order, with each Chapter's Local in the same query.
    """

    def field_choices(self, field, request, model_admin):
        units = field.remote_field.model._default_manager.all()
        if units.model is Chapter:
            units = units.select_related("local")
        return [(unit.pk, str(unit)) for unit in units]


class ChairOfOwnUnitForm(WagtailAdminModelForm):
    """Offers as chair only the unit's own members, not the whole roster."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "chair" in self.fields:
            unit = self.instance
            members = Member.objects.none()
            if unit.pk:
                members = unit.members.order_by("family_name", "given_name")
            self.fields["chair"].queryset = members
            if not unit.pk:
                self.fields[
                    "chair"
                ].help_text = "Save the unit first; its chair is one of its members."


# Every roster page that shows members' details writes to the access log.


def record_staff_view(request, what, members):
    record_access(
        request, action=AccessLogEntry.Action.VIEW, what=what, members=members, role=STAFF_ROLE
    )


class RosterIndexView(IndexView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = list(context["object_list"])
        if shown:
            record_staff_view(self.request, "Roster list in the admin", shown)
        return context


class RosterInspectView(InspectView):
    def get_context_data(self, **kwargs):
        record_staff_view(
            self.request, f"Roster record of member {self.instance.member_id}", [self.instance]
        )
        return super().get_context_data(**kwargs)


class RosterEditView(EditView):
    def get_context_data(self, **kwargs):
        record_staff_view(
            self.request,
            f"Roster record of member {self.instance.member_id} (edit form)",
            [self.instance],
        )
        return super().get_context_data(**kwargs)


class MembershipModelAdmin(ModelAdmin):
    permission_helper_class = MembershipPermissionHelper


class NamedGroupingAdmin(MembershipModelAdmin):
    """Sectors and Area Councils: groupings known by a name alone."""

    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    panels = [FieldPanel("name"), FieldPanel("slug")]


class SectorAdmin(NamedGroupingAdmin):
    model = Sector
    menu_label = "Sectors"
    menu_icon = "group"


class AreaCouncilAdmin(NamedGroupingAdmin):
    model = AreaCouncil
    menu_label = "Area Councils"
    menu_icon = "site"


class LocalAdmin(MembershipModelAdmin):
    model = Local
    menu_label = "Locals"
    menu_icon = "home"
    list_display = ("number", "name", "sector", "area_council", "chair")
    list_filter = (("sector", UnitFilter), ("area_council", UnitFilter))
    search_fields = ("name", "number")
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("number"), FieldPanel("name")]),
            FieldRowPanel([FieldPanel("sector"), FieldPanel("area_council")]),
            FieldPanel("chair"),
        ],
        base_form_class=ChairOfOwnUnitForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sector", "area_council", "chair")


class ChapterAdmin(MembershipModelAdmin):
    model = Chapter
    menu_label = "Chapters"
    menu_icon = "folder-inverse"
    list_display = ("local", "number", "name", "chair")
    list_filter = (("local__sector", UnitFilter), ("local", UnitFilter))
    search_fields = ("name", "number", "local__name", "local__number")
    edit_handler = ObjectList(
        [
            FieldPanel("local"),
            FieldRowPanel([FieldPanel("number"), FieldPanel("name")]),
            FieldPanel("chair"),
        ],
        base_form_class=ChairOfOwnUnitForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("local", "chair")


class MemberAdmin(MembershipModelAdmin):
    model = Member
    menu_label = "Roster"
    menu_icon = "user"
    list_display = ("member_id", "name", "local", "chapter", "standing")
    list_filter = (
        ("local__sector", UnitFilter),
        ("local", UnitFilter),
        ("chapter", UnitFilter),
        "standing",
        # Accounts opened with an address not on the roster, waiting for the
        # Member Resource Centre to confirm whose they are.
        "account_needs_approval",
    )
    search_fields = ("member_id", "given_name", "family_name", "email")
    inspect_view_enabled = True
    index_view_class = RosterIndexView
    inspect_view_class = RosterInspectView
    edit_view_class = RosterEditView
    inspect_view_fields_exclude = ["id", "account"]
    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("member_id"), FieldPanel("standing")]),
                FieldRowPanel([FieldPanel("given_name"), FieldPanel("family_name")]),
            ],
            heading="Member",
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("local"), FieldPanel("chapter")])],
            heading="Local and Chapter",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
                FieldPanel("address_line_1"),
                FieldPanel("address_line_2"),
                FieldRowPanel(
                    [FieldPanel("city"), FieldPanel("province"), FieldPanel("postal_code")]
                ),
            ],
            heading="Contact information",
        ),
        MultiFieldPanel(
            [
                FieldPanel("wants_meeting_notices"),
                FieldPanel("wants_newsletter"),
                FieldPanel("wants_partner_mailings"),
            ],
            heading="Communication preferences",
        ),
        MultiFieldPanel(
            [
                FieldPanel("refuses_postal_mail"),
                FieldPanel("refuses_email"),
                FieldPanel("refuses_contact_sharing"),
            ],
            heading="Consent refusals",
        ),
        # The account itself is linked by the member's sign-up, never by hand; staff
        # see its address to compare with the personal email above.
        MultiFieldPanel(
            [
                HelpPanel(template="members/admin/site_account_panel.html"),
                FieldPanel(
                    "account_needs_approval",
                    heading="Waiting for the Member Resource Centre's approval",
                    help_text=(
                        "Set when the account was opened with an address that is not the "
                        "personal email above (or there was none). Untick once you have "
                        "confirmed with the member that the account is theirs: it can then "
                        "enter meetings and vote. If the account's address is their current "
                        "one, put it in Personal email too, so notices reach it."
                    ),
                ),
            ],
            heading="Site account",
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("local", "chapter__local")

    def name(self, member):
        return f"{member.family_name}, {member.given_name}"

    name.short_description = "Name"
    name.admin_order_field = "family_name"


class RosterImportMenuItem(MenuItem):
    def is_shown(self, request):
        return RosterImportView.may_use(request.user)


class MembershipGroup(ModelAdminGroup):
    """The admin menu's "Membership" section."""

    menu_label = "Membership"
    menu_icon = "group"
    menu_order = 300
    items = (MemberAdmin, LocalAdmin, ChapterAdmin, SectorAdmin, AreaCouncilAdmin)

    def get_submenu_items(self):
        items = super().get_submenu_items()
        items.append(
            RosterImportMenuItem(
                "Import the roster",
                reverse_lazy("members_roster_import"),
                name="roster-import",
                icon_name="upload",
                order=len(items) + 1,
            )
        )
        return items


class AccessLogPermissionHelper(PermissionHelper):
    """The access log is read, never written, through the admin."""

    def user_has_any_permissions(self, user):
        return self.user_has_specific_permission(user, self.get_perm_codename("view"))

    def user_can_list(self, user):
        return self.user_has_any_permissions(user)

    def user_can_inspect_obj(self, user, obj):
        return self.user_has_any_permissions(user)

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class AccessLogIndexView(IndexView):
    """Searching for a six-digit member ID finds every entry that touched that member."""

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isascii() and term.isdigit() and len(term) == 6:
            # member_ids is a JSON list of strings; match the quoted ID exactly.
            return queryset.filter(member_ids__icontains=f'"{term}"')
        return super().get_search_results(request, queryset, search_term)


class AccessLogAdmin(ModelAdmin):
    model = AccessLogEntry
    menu_label = "Access log"
    menu_icon = "view"
    menu_order = 400
    permission_helper_class = AccessLogPermissionHelper
    index_view_class = AccessLogIndexView
    inspect_view_enabled = True
    list_display = ("at", "actor_name", "role", "action", "what", "members_seen")
    list_filter = ("action", "role", "at")
    search_fields = ("actor_name", "what", "reason")

    def members_seen(self, entry):
        return len(entry.member_ids)

    members_seen.short_description = "Members"
