"""The meetings app's models: meeting pages and their materials here; guides, notices and
ballots in rooms of their own (`meetings.guides`, `meetings.notices`, `meetings.ballots`),
gathered below so that Django registers them with this app."""

import datetime
import zoneinfo
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from cms import read_ahead
from cms.blocks import PROSE_FEATURES
from cms.exports import private_file
from cms.prepared_queries import PreparedQuery
from cms.shared_parts import SharedParts
from cms.site_version import site_version
from meetings.attendance import views as attendance_views
from meetings.attendance.models import AttendanceRecord
from meetings.attendance.register import STAY_KEY, attendance_for
from meetings.ballots import light_page
from meetings.ballots import scrutineers as scrutineer_views
from meetings.ballots import views as ballot_views
from meetings.ballots.board import OPENED_CHOICES_KEY
from meetings.ballots.chairing import chair_ids, chairs_key
from meetings.ballots.live import NOW_KEY, cached_now_state
from meetings.ballots.models import (
    WEIGHT_KEY,
    Ballot,
    BallotItem,
    Candidate,
    ChairAction,
    Choice,
    VoterRecord,
)
from meetings.calendar import meeting_calendar
from meetings.choosers import (
    IN_SCRUTINEERS_GROUP,
    meeting_chair_chooser_viewset,
    meeting_scrutineer_chooser_viewset,
)
from meetings.floor import views as floor_views
from meetings.floor.models import FloorItem, Nomination
from meetings.guides.models import GuideIndexPage, GuidePage
from meetings.minutes import views as minutes_views
from meetings.minutes.drafting import published_minutes_url
from meetings.minutes.models import MeetingMinutesPage, MinutesItem
from meetings.notices.models import MeetingNotice, NoticeDelivery
from meetings.page_form import AppointmentPanel
from meetings.proxies import views as proxy_views
from meetings.proxies.models import PROXIES_KEY, Proxy
from meetings.proxies.rules import member_proxies
from members.audience import Audience, member_account_confirmed, reaching, signed_in_member
from members.chairs import may_chair_meetings, person_label
from members.models import Chapter, Standing

# Meetings --------------------------------------------------------------------------

MEETING_TIME_ZONES = [
    ("America/Edmonton", "Mountain time (Edmonton)"),
    ("America/Vancouver", "Pacific time (Vancouver)"),
    ("America/Regina", "Central time, no daylight saving (Regina)"),
    ("America/Winnipeg", "Central time (Winnipeg)"),
    ("America/Toronto", "Eastern time (Toronto)"),
]

# The meeting room (joining details and ballots) opens this long before the start.
ROOM_OPENS_BEFORE = datetime.timedelta(minutes=30)
# ...and stays open this long after the expected end, for meetings that overrun.
ROOM_STAYS_OPEN_AFTER = datetime.timedelta(hours=3)


class MeetingIndexPage(Page):
    """The list of the union's meetings; each member's own list is on their dashboard."""

    introduction = models.TextField(blank=True, help_text="Shown above the list of meetings.")

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    api_fields = [APIField("introduction")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["meetings.MeetingPage"]
    max_count = 1

    class Meta:
        verbose_name = "meeting index page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        meetings = (
            MeetingPage.objects.child_of(self)
            .live()
            .public()
            .select_related(*MeetingPage.AUDIENCE_RELATED)
        )
        context["upcoming"] = meetings.upcoming(now)
        context["past"] = meetings.past(now)[:20]
        return context


class MeetingQuerySet(PageQuerySet):
    def for_member(self, member):
        """Meetings whose audience includes the member (standing and account are not
        checked): the reverse of `MeetingPage.includes`, through the one audience rule."""
        # Only the chosen kind's unit field is ever set (`MeetingPage.clean`, which every
        # save runs), so a unit field alone says who the meeting is for.
        return self.filter(
            reaching(
                member,
                everyone=models.Q(audience_kind=AudienceKind.UNION),
                sectors="audience_sector",
                area_councils="audience_area_council",
                locals_="audience_local",
                chapters="audience_chapter",
            )
        )

    def upcoming(self, now=None):
        """Meetings still to come or under way: their room has not closed (overruns
        included), soonest first. The twin of `MeetingPage.is_past`."""
        cutoff = (now or timezone.now()) - ROOM_STAYS_OPEN_AFTER
        return self.filter(ends_at__gte=cutoff).order_by("starts_at")

    def past(self, now=None):
        """Meetings whose room has closed, latest first."""
        cutoff = (now or timezone.now()) - ROOM_STAYS_OPEN_AFTER
        return self.filter(ends_at__lt=cutoff).order_by("-starts_at")


MeetingManager = PageManager.from_queryset(MeetingQuerySet)


class AudienceKind(models.TextChoices):
    UNION = "union", "The whole union"
    SECTOR = "sector", "A sector"
    AREA_COUNCIL = "area_council", "An Area Council"
    LOCAL = "local", "A Local"
    CHAPTER = "chapter", "A Chapter"


class MeetingKind(models.TextChoices):
    AGM = "agm", "Annual General Meeting"
    SPECIAL = "special", "Special meeting"


class Eligibility:
    """Whether a member may attend a meeting, and if not, the reason in plain words."""

    def __init__(self, ok, reason=""):
        self.ok = ok
        self.reason = reason

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"Eligibility({self.ok!r}, {self.reason!r})"


class MeetingPage(RoutablePageMixin, Page):
    """A meeting of one Local, Chapter, Area Council, sector or the whole union.

    Anyone may see when and for whom it is; only eligible members (see
    `eligibility`) see the joining details and materials, download the
    calendar entry, and vote.
    """

    AUDIENCE_RELATED = [
        "audience_sector",
        "audience_area_council",
        "audience_local",
        "audience_chapter__local",
    ]
    # Kept with the page's cached route (cms/page_routing.py): its audience's name. The
    # how-to guide it links to is read only when the help part is rendered (a shared
    # part, for members who may attend): kept with the route, its text would be read
    # from the cache on every request.
    serve_related = AUDIENCE_RELATED

    kind = models.CharField(
        max_length=10,
        choices=MeetingKind.choices,
        default=MeetingKind.AGM,
        help_text="An Annual General Meeting, or a special meeting called for one purpose.",
    )
    audience_kind = models.CharField(
        "who may attend",
        max_length=20,
        choices=AudienceKind.choices,
        default=AudienceKind.CHAPTER,
        help_text="Members of this unit in good standing, with a confirmed account, may attend.",
    )
    audience_sector = models.ForeignKey(
        "members.Sector",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="sector",
        help_text="Only for a meeting of a whole sector.",
    )
    audience_area_council = models.ForeignKey(
        "members.AreaCouncil",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Area Council",
        help_text="Only for an Area Council meeting.",
    )
    audience_local = models.ForeignKey(
        "members.Local",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Local",
        help_text="Only for a Local's meeting.",
    )
    audience_chapter = models.ForeignKey(
        "members.Chapter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Chapter",
        help_text="Only for a Chapter's meeting.",
    )
    starts_at = models.DateTimeField(
        "starts", help_text="When the chair calls the meeting to order."
    )
    ends_at = models.DateTimeField(
        "expected end",
        help_text=(
            "When the meeting should finish. The meeting page stays open three hours "
            "longer, for meetings that run late."
        ),
    )
    time_zone = models.CharField(
        max_length=40,
        choices=MEETING_TIME_ZONES,
        default="America/Edmonton",
        help_text="Times are shown to members in this time zone.",
    )
    agenda = RichTextField(
        features=PROSE_FEATURES,
        blank=True,
        help_text="The order of business, shown to everyone. Motions, budgets and elections "
        "to vote on are added as ballot items.",
    )

    video_link = models.URLField(
        "video-call link", blank=True, help_text="Shown only to eligible members."
    )
    dial_in_number = models.CharField(max_length=40, blank=True, help_text="For joining by phone.")
    video_meeting_id = models.CharField(
        "meeting ID",
        max_length=40,
        blank=True,
        help_text="The video call's meeting ID, for members joining from the app.",
    )
    video_passcode = models.CharField(
        "passcode", max_length=40, blank=True, help_text="The video call's passcode."
    )

    it_support_phone = models.CharField(
        "IT support phone",
        max_length=40,
        blank=True,
        help_text="Who members call if they cannot get into the meeting or vote.",
    )
    it_support_email = models.EmailField(
        "IT support email",
        blank=True,
        help_text="Where members write if they cannot get into the meeting or vote.",
    )
    it_support_hours = models.CharField(
        "IT support hours",
        max_length=120,
        blank=True,
        help_text='e.g. "From 30 minutes before the start until the meeting ends".',
    )
    guide = models.ForeignKey(
        "meetings.GuidePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="how-to guide",
        help_text="The guide members should read before the meeting.",
    )

    quorum = models.PositiveIntegerField(
        default=0,
        help_text="How many members must be present for votes to count (0: no quorum).",
    )
    quorum_share = models.PositiveSmallIntegerField(
        "quorum as a share",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=(
            "Or: the percentage of eligible members who must be present (e.g. 10 for one "
            "in ten, rounded up). Leave empty to use the number above."
        ),
    )
    proxy_cap = models.PositiveSmallIntegerField(
        "proxies per holder",
        default=1,
        validators=[MaxValueValidator(50)],
        help_text=(
            "How many other members' proxies one member may hold at this meeting "
            "(0: this meeting takes no proxies)."
        ),
    )
    # Staff appoint both in the page editor (`chair_appointments`, `scrutineer_appointments`:
    # rows the page's revisions keep, chosen from those who may take the role); these name
    # the people, as published.
    chairs = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="MeetingChair",
        blank=True,
        related_name="chaired_meetings",
        help_text="The people who run the vote, chosen in the Chairs rows.",
    )
    scrutineers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="MeetingScrutineer",
        blank=True,
        related_name="scrutinised_meetings",
        help_text="The tellers who hold the sealed ballots' key, chosen in the Scrutineers rows.",
    )

    objects = MeetingManager()

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("audience_kind"),
                FieldRowPanel([FieldPanel("audience_chapter"), FieldPanel("audience_local")]),
                FieldRowPanel([FieldPanel("audience_area_council"), FieldPanel("audience_sector")]),
            ],
            heading="Meeting and audience",
            help_text="Choose who may attend, then the one unit that matches.",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("time_zone"),
            ],
            heading="When",
        ),
        FieldPanel("agenda"),
        MultiFieldPanel(
            [
                FieldPanel("video_link"),
                FieldRowPanel([FieldPanel("video_meeting_id"), FieldPanel("video_passcode")]),
                FieldPanel("dial_in_number"),
            ],
            heading="Joining details (eligible members only)",
        ),
        InlinePanel("materials", heading="Materials (eligible members only)", label="Material"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("it_support_phone"), FieldPanel("it_support_email")]),
                FieldPanel("it_support_hours"),
            ],
            heading="IT support",
        ),
        FieldPanel("guide"),
        MultiFieldPanel(
            [
                AppointmentPanel(
                    "chair_appointments",
                    chooser_field_name="person",
                    heading="Chairs",
                    label="Chair",
                    help_text=(
                        "The people who run the vote: they open and close ballot items on "
                        "the meeting's chair page. Usually the chair and the recording "
                        "secretary. Offered: members in good standing with a confirmed "
                        "account; search by name, member ID or Chapter."
                    ),
                ),
                AppointmentPanel(
                    "scrutineer_appointments",
                    chooser_field_name="person",
                    heading="Scrutineers",
                    label="Scrutineer",
                    help_text=(
                        "The tellers who hold the key to the meeting's sealed ballots: one of "
                        "them unlocks it with their own passphrase on the chair's page so "
                        "that results can be counted. Nobody else can open a ballot. Appoint "
                        "at least two. Offered: the Scrutineers group."
                    ),
                ),
                FieldRowPanel([FieldPanel("quorum"), FieldPanel("quorum_share")]),
                FieldPanel("proxy_cap"),
            ],
            heading="Chairing, scrutineers, quorum and proxies",
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("agenda")]
    # Joining details and materials are for eligible members only: the member API has them.
    api_fields = [
        APIField("kind"),
        APIField("audience_kind"),
        APIField("audience_name"),
        APIField("starts_at"),
        APIField("ends_at"),
        APIField("time_zone"),
    ]

    parent_page_types = ["meetings.MeetingIndexPage"]
    subpage_types = ["meetings.MeetingMinutesPage"]

    class Meta:
        verbose_name = "meeting page"

    # Audience ---------------------------------------------------------------

    # Which unit field holds the audience for each kind, and the `Audience` level it fills.
    AUDIENCE_UNIT_FIELDS = {
        AudienceKind.SECTOR: ("audience_sector", "sectors"),
        AudienceKind.AREA_COUNCIL: ("audience_area_council", "area_councils"),
        AudienceKind.LOCAL: ("audience_local", "locals_"),
        AudienceKind.CHAPTER: ("audience_chapter", "chapters"),
    }

    @property
    def audience_unit(self):
        """The unit whose members may attend, or None for the whole union."""
        if self.audience_kind == AudienceKind.UNION:
            return None
        field, _ = self.AUDIENCE_UNIT_FIELDS[self.audience_kind]
        return getattr(self, field)

    @property
    def audience(self):
        """Who may attend, by unit, as the one audience rule (`members.audience.Audience`).

        A meeting whose unit is not chosen yet has nobody in its audience: not "members
        with no Chapter".
        """
        if self.audience_kind == AudienceKind.UNION:
            return Audience(everyone=True)
        field, level = self.AUDIENCE_UNIT_FIELDS[self.audience_kind]
        return Audience.of(**{level: [getattr(self, f"{field}_id")]})

    @property
    def audience_name(self):
        unit = self.audience_unit
        return "All members of the union" if unit is None else f"Members of {unit}"

    def clean(self):
        super().clean()
        errors = {}
        chosen = self.AUDIENCE_UNIT_FIELDS.get(self.audience_kind, (None, None))[0]
        if chosen and getattr(self, f"{chosen}_id") is None:
            errors[chosen] = "Choose the unit whose members may attend."
        audience_label = AudienceKind(self.audience_kind).label.lower()
        for field, _ in self.AUDIENCE_UNIT_FIELDS.values():
            if field != chosen and getattr(self, f"{field}_id") is not None:
                errors[field] = f"Leave this empty: the meeting is for {audience_label}."
        if self.quorum and self.quorum_share:
            errors["quorum_share"] = (
                "Give the quorum as a number of members or as a share, not both: "
                "set the number to 0 to use the share."
            )
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The meeting must end after it starts."
        if errors:
            raise ValidationError(errors)

    def includes(self, member):
        """True when the member belongs to this meeting's audience (no other checks)."""
        return self.audience.includes(member)

    def audience_members(self):
        """Every member on the roster in the audience (by unit only), in one query."""
        return self.audience.members()

    def eligible_members(self):
        """The members who may attend, as one query: the queryset twin of `eligibility`.

        In the audience, active standing, and a site account whose primary address
        is verified and that staff need not approve.
        """
        return (
            self.audience_members()
            .with_confirmed_account()
            .filter(standing=Standing.ACTIVE, account_needs_approval=False)
        )

    def eligibility(self, member):
        """The one rule for who may attend: the page, materials, calendar, API and ballots ask it.

        Eligible: a verified account that staff need not approve, active
        standing, and membership of the meeting's audience.
        """
        if member is None:
            return Eligibility(False, "Sign in with your member account to attend.")
        if not member_account_confirmed(member):
            return Eligibility(
                False, "Confirm your email address with the link we sent you to attend."
            )
        if member.account_needs_approval:
            return Eligibility(
                False,
                "The Member Resource Centre has not yet confirmed your account. "
                "Call them to attend this meeting.",
            )
        if member.standing != Standing.ACTIVE:
            return Eligibility(
                False,
                f"Your membership is {member.get_standing_display().lower()}, so you cannot "
                "attend. The Member Resource Centre can help.",
            )
        if not self.includes(member):
            who = self.audience_name[0].lower() + self.audience_name[1:]
            return Eligibility(False, f"This meeting is for {who} only.")
        return Eligibility(True)

    def is_eligible(self, member):
        return self.eligibility(member).ok

    def attending_member(self, request):
        """The signed-in member, who may attend this meeting; PermissionDenied saying why
        not otherwise. For the forms a member sends from the meeting page."""
        member = signed_in_member(request)
        eligibility = self.eligibility(member)
        if not eligibility:
            raise PermissionDenied(eligibility.reason)
        return member

    # Who runs it, and who sees results --------------------------------------

    def may_chair(self, user):
        """The one rule for who runs the meeting's ballot: the people named its chairs."""
        return user.is_authenticated and user.pk in chair_ids(self)

    def may_scrutinise(self, user):
        """The meeting's scrutineers: they unlock its sealed ballots for the count."""
        return user.is_authenticated and self.scrutineers.filter(pk=user.pk).exists()

    def appoint(self, *, chairs=None, scrutineers=None):
        """Name the meeting's chairs and scrutineers, in order, as the page editor does:
        saved with the page (or its next revision), so also before it is first saved."""
        if chairs is not None:
            self.chair_appointments = [
                MeetingChair(person=person, sort_order=n) for n, person in enumerate(chairs)
            ]
        if scrutineers is not None:
            self.scrutineer_appointments = [
                MeetingScrutineer(person=person, sort_order=n)
                for n, person in enumerate(scrutineers)
            ]

    def may_see_results(self, user, member):
        """Results and counted receipts: for members who may attend, and for the chairs
        (the page, the chair's page and the member API all ask this)."""
        return self.is_eligible(member) or self.may_chair(user)

    # Time ---------------------------------------------------------------------

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.zone)

    @property
    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.zone)

    @property
    def room_opens_at(self):
        return self.starts_at - ROOM_OPENS_BEFORE

    @property
    def local_room_opens_at(self):
        return timezone.localtime(self.room_opens_at, self.zone)

    @property
    def room_closes_at(self):
        return self.ends_at + ROOM_STAYS_OPEN_AFTER

    def room_is_open(self, now=None):
        now = now or timezone.now()
        return self.room_opens_at <= now <= self.room_closes_at

    def is_past(self, now=None):
        """The room has closed: the twin of `MeetingQuerySet.past`."""
        return (now or timezone.now()) > self.room_closes_at

    # Serving ------------------------------------------------------------------

    def remember_url(self):
        """Keep the page's URL on this instance, for a copy kept in the shared cache under
        the site version (which a move, rename or site change moves on): a vote's
        redirect then needs no lookup of the site's root paths."""
        self._known_url = super().get_url()

    def get_url(self, request=None, current_site=None):
        known = self.__dict__.get("_known_url")
        if known is not None and request is None and current_site is None:
            return known
        return super().get_url(request=request, current_site=current_site)

    url = property(get_url)

    def load_audience(self):
        """Fetch the audience unit (with a Chapter's Local) in one query, for display."""
        if (
            self.audience_kind == AudienceKind.CHAPTER
            and self.audience_chapter_id
            and not MeetingPage.audience_chapter.is_cached(self)
        ):
            self.audience_chapter = Chapter.objects.select_related("local").get(
                pk=self.audience_chapter_id
            )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        self.load_audience()
        member = signed_in_member(request)
        eligibility = self.eligibility(member)
        is_preview = getattr(request, "is_preview", False)
        if is_preview:
            eligibility = Eligibility(True)  # editors preview the members' view
        room_is_open = self.room_is_open()
        # The cache entries the page reads, in one round trip (cms/read_ahead.py).
        with read_ahead.reading(self.cache_keys(member, room_is_open)):
            context.update(
                member=member,
                eligibility=eligibility,
                room_is_open=room_is_open,
                # Read only if shown: not when they come with the shared parts.
                materials=SimpleLazyObject(partial(MATERIALS, self.pk)) if eligibility else [],
                is_chair=self.may_chair(request.user),
            )
            if eligibility:
                context["minutes_url"] = SimpleLazyObject(partial(published_minutes_url, self))
            if eligibility and not is_preview:
                # Entering the open room checks the member in to the attendance register.
                context["attendance"] = attendance_for(self, member, room_is_open=room_is_open)
            # Read once for the ballot's proxy forms and the proxy section.
            proxies = member_proxies(self.pk, member) if eligibility else None
            context.update(ballot_views.ballot_context(request, self, eligibility, proxies))
            if not is_preview:
                context.update(proxy_views.proxy_context(self, member, eligibility, proxies))
            context["shared_parts"] = self.shared_parts(
                request, eligibility, room_is_open, context["board"]
            )
        return context

    def cache_keys(self, member, room_is_open):
        """The shared cache's entries the page of this member reads."""
        keys = [
            NOW_KEY.format(pk=self.pk),
            chairs_key(self.pk),
            self.parts_key(room_is_open),
            OPENED_CHOICES_KEY.format(pk=self.pk),
        ]
        if member is not None:
            keys += [
                key.format(meeting=self.pk, member=member.pk)
                for key in (STAY_KEY, PROXIES_KEY, WEIGHT_KEY)
            ]
        return keys

    def parts_key(self, room_is_open):
        # Everything the parts show that the meeting's state does not fingerprint: the
        # page itself and the site (its version), and whether the room is open.
        return f"meeting-parts-{self.pk}-{site_version()}-{'open' if room_is_open else 'shut'}"

    def shared_parts(self, request, eligibility, room_is_open, board):
        """The page's parts shared by every member who may attend (cms/shared_parts.py),
        for such a member; None for anyone else, and for previews (not the live page).

        Their fingerprint: the meeting's polled state, which every chair action, count
        and agenda change moves on, and the ballot items as the page has just read them
        (`board`), so an item that changed shows at once even before the state moves:
        everything an open item's parts show (its heading, text, what it needs to carry
        and its vote form's choices) is in it.
        """
        if not eligibility or getattr(request, "is_preview", False) or self.pk is None:
            return None
        state = cached_now_state(self.pk)
        if state["counting"] or any(
            row.item.state == BallotItem.State.CLOSED and not row.item.is_counted for row in board
        ):
            return None  # a count's progress moves on without the state
        key = self.parts_key(room_is_open)
        fingerprint = (
            state["version"],
            state.get("changed"),
            tuple(
                (
                    item.pk,
                    item.position,
                    item.state,
                    item.title,
                    item.counted_at,
                    item.outside_counts_added_at,
                    item.acclaimed,
                    item.text,
                    item.kind,
                    item.majority,
                    item.seats,
                    item.requires_majority,
                    item.recorded,
                    tuple((choice.pk, choice.label) for choice in row.choices),
                )
                for row in board
                for item in (row.item,)
            ),
        )
        return SharedParts(key, fingerprint, read_ahead.get(key))

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        parts = getattr(response, "context_data", None) and response.context_data.get(
            "shared_parts"
        )
        if parts is not None:
            response.add_post_render_callback(parts.save)
        # What this page shows depends on who is asking: never cache it in shared caches.
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Cookie"])
        ballot_views.forget_shown_receipts(request, response)
        return response

    @path("ballot/", name="ballot")
    def ballot(self, request):
        """The ballot section alone, for the page's script to swap in."""
        self.load_audience()
        return ballot_views.ballot_fragment(request, self)

    @path("vote/", name="light_ballot")
    def light_ballot(self, request):
        """The light voting page: the open items and their forms, for slow connections."""
        return light_page.light_ballot(request, self)

    @path("receipt/<int:item_id>/", name="email_receipt")
    def email_receipt(self, request, item_id):
        return ballot_views.email_receipt(request, self, item_id)

    @path("receipts/<int:item_id>/", name="receipt_list")
    def receipt_list(self, request, item_id):
        """The receipt codes of a closed item's counted ballots, as plain text."""
        return ballot_views.receipt_list(request, self, item_id)

    @path("receipts/<int:item_id>/check/", name="receipt_check")
    def receipt_check(self, request, item_id):
        """Whether one receipt code is among a closed item's counted ballots."""
        return ballot_views.receipt_check(request, self, item_id)

    @path("chair/", name="chair")
    def chair(self, request):
        self.load_audience()
        return ballot_views.chair_console(request, self)

    @path("chair/open-without-quorum/<int:item_id>/", name="open_without_quorum")
    def open_without_quorum(self, request, item_id):
        """The chair confirms opening an item without quorum, with the reason."""
        return attendance_views.open_without_quorum_page(request, self, item_id)

    @path("chair/<str:action>/<int:item_id>/", name="chair_act")
    def chair_act(self, request, action, item_id):
        return ballot_views.chair_act(request, self, action, item_id)

    @path("chair/business/", name="floor_business")
    def floor_business(self, request):
        """The chair adds motions, amendments and nominations from the floor."""
        return floor_views.floor_business(request, self)

    @path("chair/minutes/", name="chair_minutes")
    def chair_minutes(self, request):
        """The chair drafts the minutes, adds notes and publishes them."""
        return minutes_views.chair_minutes(request, self)

    @path("chair/unlock/", name="unlock_ballots")
    def unlock_ballots(self, request):
        return scrutineer_views.unlock_ballots(request, self)

    @path("chair/end-voting/", name="end_voting")
    def end_voting(self, request):
        return scrutineer_views.end_voting(request, self)

    @path("chair/results/", name="results_csv")
    def results_csv(self, request):
        return ballot_views.results_csv(request, self)

    @path("attendance/sign-out/", name="sign_out")
    def sign_out(self, request):
        """A member signs out of the meeting: the register records when they left."""
        return attendance_views.sign_out_of_meeting(request, self)

    @path("attendance/return/", name="return_to_meeting")
    def return_to_meeting(self, request):
        """A member who signed out checks in again."""
        return attendance_views.return_to_the_meeting(request, self)

    @path("proxy/", name="give_proxy")
    def give_proxy(self, request):
        """The member asks to give their proxy to another member (staff approve it)."""
        return proxy_views.give_proxy(request, self)

    @path("proxy/withdraw/", name="withdraw_proxy")
    def withdraw_proxy(self, request):
        """The member withdraws their proxy (or their request for one)."""
        return proxy_views.take_back_proxy(request, self)

    @path("calendar/", name="calendar")
    def calendar(self, request):
        """The meeting as a calendar entry, for eligible members."""
        if not self.is_eligible(signed_in_member(request)):
            raise PermissionDenied("Only members who may attend this meeting can add it.")
        return private_file(
            meeting_calendar(self, request),
            content_type="text/calendar; charset=utf-8",
            filename=f"{self.slug}.ics",
        )


class MeetingMaterial(Orderable):
    """A document for a meeting (a report, the budget): downloadable by eligible members only."""

    meeting = ParentalKey(MeetingPage, on_delete=models.CASCADE, related_name="materials")
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The file: a report, the budget, last year's minutes.",
    )
    title = models.CharField(
        max_length=160, blank=True, help_text="Leave empty to use the document's own title."
    )
    description = models.CharField(
        max_length=300, blank=True, help_text="Optional: one line on what it is."
    )

    panels = [FieldPanel("document"), FieldPanel("title"), FieldPanel("description")]

    def __str__(self):
        return self.title or self.document.title

    @property
    def display_title(self):
        return self.title or self.document.title


class MeetingChair(Orderable):
    """One of a meeting's chairs (`MeetingPage.chairs`): only someone who may chair a
    meeting (`members.chairs.may_chair_meetings`), chosen by name, member ID or Chapter."""

    meeting = ParentalKey(MeetingPage, on_delete=models.CASCADE, related_name="chair_appointments")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to=may_chair_meetings,
        verbose_name="chair",
    )

    panels = [FieldPanel("person", widget=meeting_chair_chooser_viewset.widget_class)]
    refusal = (
        "This person may not chair a meeting: a chair must be a member in good standing "
        "whose site account is confirmed. Choose someone the chooser offers."
    )

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_chair_seat_each")
        ]

    def __str__(self):
        return person_label(self.person)


class MeetingScrutineer(Orderable):
    """One of a meeting's scrutineers (`MeetingPage.scrutineers`): a member of the
    Scrutineers group."""

    meeting = ParentalKey(
        MeetingPage, on_delete=models.CASCADE, related_name="scrutineer_appointments"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to=IN_SCRUTINEERS_GROUP,
        verbose_name="scrutineer",
    )

    panels = [FieldPanel("person", widget=meeting_scrutineer_chooser_viewset.widget_class)]
    refusal = (
        "This person is not a scrutineer: staff add scrutineers to the Scrutineers group "
        "first. Choose someone the chooser offers."
    )

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_scrutineer_seat_each")
        ]

    def __str__(self):
        return person_label(self.person)


# A meeting's materials as the meeting page lists them, compiled once per process
# (cms/prepared_queries.py): every member loads the page at the start of an AGM.
MATERIALS = PreparedQuery(
    lambda meeting_id: (
        MeetingMaterial.objects.filter(meeting_id=meeting_id)
        .select_related("document")
        .order_by("sort_order", "pk")
    )
)


__all__ = [
    "AttendanceRecord",
    "AudienceKind",
    "Ballot",
    "BallotItem",
    "Candidate",
    "ChairAction",
    "Choice",
    "Eligibility",
    "FloorItem",
    "GuideIndexPage",
    "GuidePage",
    "MeetingIndexPage",
    "MeetingKind",
    "MeetingChair",
    "MeetingMaterial",
    "MeetingMinutesPage",
    "MeetingNotice",
    "MeetingPage",
    "MeetingScrutineer",
    "MinutesItem",
    "Nomination",
    "NoticeDelivery",
    "Proxy",
    "VoterRecord",
    "meeting_calendar",
]
