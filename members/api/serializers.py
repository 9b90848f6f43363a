"""The shapes of the member API's answers, typed so the OpenAPI schema says exactly what comes.

Serializers only read: what a member may see of a meeting is decided in
`members.api.meetings`, which hands them `None` for anything withheld.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from wagtail.rich_text import expand_db_html

from meetings.ballots.models import MAX_CHOICES, BallotItem
from meetings.ballots.ranked import RULES as RANKED_RULES
from meetings.models import AudienceKind, MeetingKind
from members.models import Standing


class MeetingTimeField(serializers.DateTimeField):
    """An ISO 8601 time with the UTC offset of the meeting's own time zone.

    DRF would convert every time to the server's zone; a member in Toronto wants
    their meeting's 19:00-04:00, not 17:00-06:00.
    """

    def enforce_timezone(self, value):
        return value


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why the request was refused, in plain words.")


# Profile ------------------------------------------------------------------------------


class SectorSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()


class LocalSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The Local's number, as on membership cards.")
    name = serializers.CharField()


class ChapterSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The Chapter's number within its Local.")
    name = serializers.CharField()


class AreaCouncilSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()


class CommunicationChoicesSerializer(serializers.Serializer):
    meeting_notices = serializers.BooleanField(source="wants_meeting_notices")
    newsletter = serializers.BooleanField(source="wants_newsletter")
    partner_mailings = serializers.BooleanField(source="wants_partner_mailings")
    refuses_postal_mail = serializers.BooleanField()
    refuses_email = serializers.BooleanField()
    refuses_contact_sharing = serializers.BooleanField(
        help_text="Their Local or Chapter chair sees their name but not their email or phone."
    )


class ProfileSerializer(serializers.Serializer):
    """The member's own roster entry (their contact details stay on "My information")."""

    member_id = serializers.CharField(help_text="Six digits, as on the membership card.")
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    standing = serializers.ChoiceField(choices=Standing.choices)
    email = serializers.CharField(help_text="Personal email on the roster; may be empty.")
    account_email = serializers.EmailField(
        source="account.email", help_text="The email the member signs in with."
    )
    sector = SectorSerializer(source="local.sector")
    local = LocalSerializer()
    chapter = ChapterSerializer(allow_null=True, help_text="Null when the Local has no Chapters.")
    area_council = AreaCouncilSerializer(source="local.area_council", allow_null=True)
    communication_choices = CommunicationChoicesSerializer(source="*")


# Meetings -----------------------------------------------------------------------------


class JoiningDetailsSerializer(serializers.Serializer):
    video_link = serializers.CharField(help_text="The video-call link; may be empty.")
    video_meeting_id = serializers.CharField()
    video_passcode = serializers.CharField()
    dial_in_number = serializers.CharField(help_text="For joining by phone; may be empty.")


class ITSupportSerializer(serializers.Serializer):
    phone = serializers.CharField(source="it_support_phone")
    email = serializers.CharField(source="it_support_email")
    hours = serializers.CharField(source="it_support_hours")


class MaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(source="display_title")
    description = serializers.CharField()
    file_extension = serializers.CharField(source="document.file_extension")
    file_size = serializers.IntegerField(
        source="document.file_size", allow_null=True, help_text="In bytes, when known."
    )
    document_url = serializers.SerializerMethodField(
        help_text="The file on the site: for a browser signed in to the site."
    )
    download_url = serializers.SerializerMethodField(
        help_text="The file through this API: for programs using a token."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_document_url(self, material):
        return self.context["request"].build_absolute_uri(material.document.url)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, material):
        path = reverse(
            "member_api:material_download",
            kwargs={"meeting_id": material.meeting_id, "material_id": material.pk},
        )
        return self.context["request"].build_absolute_uri(path)


class MeetingSerializer(serializers.Serializer):
    """One of the member's meetings. Withheld parts are null, and `reason` says why."""

    id = serializers.IntegerField(source="meeting.pk")
    title = serializers.CharField(source="meeting.title")
    kind = serializers.ChoiceField(source="meeting.kind", choices=MeetingKind.choices)
    kind_label = serializers.CharField(source="meeting.get_kind_display")
    audience_kind = serializers.ChoiceField(
        source="meeting.audience_kind", choices=AudienceKind.choices
    )
    audience_name = serializers.CharField(source="meeting.audience_name")
    starts_at = MeetingTimeField(source="meeting.local_starts_at")
    ends_at = MeetingTimeField(source="meeting.local_ends_at", help_text="The expected end.")
    time_zone = serializers.CharField(
        source="meeting.time_zone", help_text='An IANA time zone, e.g. "America/Edmonton".'
    )
    url = serializers.SerializerMethodField(help_text="The meeting's page on the site.")
    status = serializers.ChoiceField(
        choices=[("upcoming", "Upcoming or in progress"), ("past", "Past")]
    )
    room_opens_at = MeetingTimeField(
        source="meeting.local_room_opens_at",
        help_text="When joining details appear: 30 minutes before the start.",
    )
    room_is_open = serializers.BooleanField()
    eligible = serializers.BooleanField(help_text="Whether this member may attend.")
    reason = serializers.CharField(help_text="Why not, when `eligible` is false; else empty.")
    agenda = serializers.CharField(
        allow_null=True, help_text="HTML. Null unless the member may attend."
    )
    joining = JoiningDetailsSerializer(
        allow_null=True, help_text="Null unless the member may attend and the room is open."
    )
    it_support = ITSupportSerializer(
        allow_null=True, help_text="Null unless the member may attend."
    )
    materials = MaterialSerializer(
        many=True, allow_null=True, help_text="Null unless the member may attend."
    )

    def get_url(self, row) -> str:
        return row.meeting.get_full_url(self.context["request"]._request)


# Ballots ------------------------------------------------------------------------------


class BallotChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Send this ID to vote for the choice.")
    label = serializers.CharField()
    is_abstain = serializers.BooleanField(help_text="Abstain cannot be combined with a choice.")


class ProxyHeldSerializer(serializers.Serializer):
    """An approved proxy the member holds at the meeting."""

    on_behalf_of = serializers.CharField(
        source="giver_member_id",
        help_text="The giver's member ID: send it as `on_behalf_of` to vote for them.",
    )
    giver_name = serializers.CharField(help_text="The member who gave you their proxy.")


class ProxyBallotSerializer(serializers.Serializer):
    """Your ballot, as proxy holder, for one giver on this item."""

    on_behalf_of = serializers.CharField(help_text="The giver's member ID.")
    giver_name = serializers.CharField()
    has_voted = serializers.BooleanField(
        help_text="Whether a vote for the giver on this item is recorded (by you, or by the "
        "giver in person, which ends the proxy)."
    )


class OpenBallotItemSerializer(serializers.Serializer):
    """An item the chair has opened: the member may vote on it once."""

    id = serializers.IntegerField(source="item.pk")
    kind = serializers.ChoiceField(source="item.kind", choices=BallotItem.Kind.choices)
    title = serializers.CharField(source="item.title")
    text = serializers.SerializerMethodField(
        help_text="HTML: the motion as moved, the budget summary or the position elected."
    )
    max_choices = serializers.IntegerField(
        source="item.max_choices",
        help_text="How many choices a ballot may mark: 1, or an election's number of seats; "
        "in a ranked election, how many candidates it may rank (all of them).",
    )
    seats = serializers.IntegerField(
        source="item.seats", help_text="Elections: how many are elected."
    )
    counting_rule = serializers.SerializerMethodField(
        help_text="Ranked elections: how the rankings are counted, in words; null otherwise."
    )
    choices = BallotChoiceSerializer(many=True)
    has_voted = serializers.BooleanField(help_text="Whether you have already voted on it.")
    proxy_ballots = ProxyBallotSerializer(
        many=True,
        help_text="One ballot per proxy you hold: each is cast apart (`on_behalf_of`), "
        "sealed and counted like any other, and recorded in the giver's name.",
    )

    def get_text(self, row) -> str:
        return expand_db_html(row.item.text)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_counting_rule(self, row):
        return RANKED_RULES[row.item.counting_rule] if row.item.is_ranked else None


class ChoiceResultSerializer(serializers.Serializer):
    label = serializers.CharField()
    votes = serializers.IntegerField()
    percent = serializers.FloatField(
        allow_null=True,
        help_text="Of the votes counted (abstentions are not counted); null for Abstain.",
    )
    is_abstain = serializers.BooleanField()
    elected = serializers.BooleanField()
    tied = serializers.BooleanField(help_text="In a tie the chair must resolve.")


class RankedStageSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    action = serializers.ChoiceField(
        choices=["first preferences", "surplus", "exclusion", "last vacancies"]
    )
    subject = serializers.CharField(
        allow_null=True, help_text="Whose surplus was transferred or who was excluded."
    )
    transferred = serializers.CharField(help_text="Votes passed on to others in this stage.")
    votes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Each candidate's votes at the end of the stage, in `candidates` order, as "
        'exact decimals ("14.99996").',
    )
    elected = serializers.ListField(child=serializers.CharField())
    excluded = serializers.ListField(child=serializers.CharField())
    exhausted = serializers.CharField(help_text="Votes with no further preference, so far.")
    lost_to_rounding = serializers.CharField(
        help_text="Votes lost by truncating transfer values to five places, so far."
    )
    tie_broken_by = serializers.CharField(
        help_text='"", "an earlier stage" or "lot": how a tie in this stage was broken.'
    )


class RankedLotSerializer(serializers.Serializer):
    stage = serializers.IntegerField()
    purpose = serializers.CharField(help_text='"exclusion" or "surplus order".')
    among = serializers.ListField(child=serializers.CharField())
    drawn = serializers.CharField()


class RankedCountSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The counting rule's code.")
    rule_name = serializers.CharField()
    rule_text = serializers.CharField(help_text="The counting rule in full.")
    seats = serializers.IntegerField()
    quota = serializers.IntegerField(
        allow_null=True, help_text="Votes that elect (STV); null for instant-runoff."
    )
    valid_ballots = serializers.IntegerField()
    candidates = serializers.ListField(child=serializers.CharField())
    elected = serializers.ListField(
        child=serializers.CharField(), help_text="In order of election."
    )
    stages = RankedStageSerializer(many=True)
    lots = RankedLotSerializer(many=True, help_text="Lots drawn by the site to break ties.")


class RecordedVoteSerializer(serializers.Serializer):
    member = serializers.CharField()
    choices = serializers.CharField(help_text='The choices marked, "; " between, in order.')


class OutsideCountSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="A show of hands in the room, or tellers' count.")
    voters = serializers.IntegerField(help_text="Members voting in this count.")
    votes = serializers.DictField(child=serializers.IntegerField(), help_text="Votes by choice.")
    entered_by = serializers.CharField(help_text="Who entered the count.")
    entered_at = serializers.DateTimeField()
    note = serializers.CharField(help_text="May be empty.")


class ItemResultSerializer(serializers.Serializer):
    ballots_cast = serializers.IntegerField()
    votes_counted = serializers.IntegerField(help_text="Ballots that were not abstentions.")
    choices = ChoiceResultSerializer(many=True)
    carried = serializers.BooleanField(
        allow_null=True, help_text="Motions and budgets: whether it carried; null for elections."
    )
    elected = serializers.ListField(
        child=serializers.CharField(), help_text="Elections: who was elected."
    )
    unfilled_seats = serializers.IntegerField()
    tie = serializers.BooleanField(help_text="A tie the chair must resolve, or that defeated it.")
    note = serializers.CharField(help_text="A note on the result in plain words; may be empty.")
    outcome = serializers.CharField(
        help_text='The result in words, as the meeting page says it, e.g. "Carried."'
    )
    acclaimed = serializers.BooleanField(
        help_text="Elections: decided by acclamation, with no vote (no more candidates than seats)."
    )
    recorded_votes = RecordedVoteSerializer(
        many=True,
        help_text="A recorded (named, not secret) vote: who voted what; empty otherwise.",
    )
    outside_counts = OutsideCountSerializer(
        many=True, help_text="Counts taken outside the site, shown apart from the ballots."
    )
    outside_added = serializers.BooleanField(
        help_text="Whether the chair added `outside_counts` to the totals above."
    )
    ranked = RankedCountSerializer(
        allow_null=True,
        help_text="Ranked elections: the count stage by stage; null for other items. The "
        "choices' `votes` are then first preferences.",
    )


class ClosedBallotItemSerializer(serializers.Serializer):
    """An item the chair has closed: its result stands."""

    id = serializers.IntegerField(source="item.pk")
    kind = serializers.ChoiceField(source="item.kind", choices=BallotItem.Kind.choices)
    title = serializers.CharField(source="item.title")
    text = serializers.SerializerMethodField(help_text="HTML, as when it was open.")
    closed_at = serializers.SerializerMethodField(
        help_text="When voting closed, in the meeting's time zone."
    )
    result = ItemResultSerializer()
    receipts_url = serializers.SerializerMethodField(
        help_text="Where the receipt codes of every ballot counted are listed; "
        "`receipts_url` + `{receipt}/` says whether one code is among them. (A large "
        "meeting's list runs to megabytes, so it is not repeated here.)"
    )

    def get_text(self, row) -> str:
        return expand_db_html(row.item.text)

    @extend_schema_field(OpenApiTypes.URI)
    def get_receipts_url(self, row):
        url = reverse("member_api:ballot_receipts", args=[row.item.meeting_id, row.item.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_closed_at(self, row):
        zone = self.context["meeting"].zone
        return MeetingTimeField().to_representation(timezone.localtime(row.item.closed_at, zone))


class MeetingBallotSerializer(serializers.Serializer):
    """A meeting's ballot for a member who may attend: open items first, then results."""

    meeting_id = serializers.IntegerField(source="meeting.pk")
    open_items = OpenBallotItemSerializer(
        many=True, help_text="Open for voting now, in agenda order."
    )
    closed_items = ClosedBallotItemSerializer(
        many=True, help_text="Closed, with their results, in agenda order."
    )
    vote_weight = serializers.IntegerField(
        help_text="How many votes each of your votes counts for at this meeting: 1, or a "
        "delegate's weight at a delegate meeting."
    )
    proxies_held = ProxyHeldSerializer(
        many=True,
        help_text="The approved proxies you hold at this meeting (a proxy lapses when its "
        "giver votes in person).",
    )


class VoteSerializer(serializers.Serializer):
    choices = serializers.ListField(
        child=serializers.IntegerField(),
        max_length=MAX_CHOICES,
        help_text="The IDs of your choices: one, or up to the item's `max_choices`; in a "
        "ranked election, the candidates you rank, in your order of preference.",
    )
    on_behalf_of = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=6,
        help_text="To vote as proxy holder: the giver's member ID (see `proxies_held`). "
        "The vote is recorded in the giver's name. Leave out to vote for yourself.",
    )


class ReceiptSerializer(serializers.Serializer):
    receipt = serializers.CharField(
        help_text="Your receipt code: once the item closes, check at the item's "
        "`receipts_url` that your ballot was counted. It is shown only now."
    )


class ReceiptListSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    receipts = serializers.ListField(
        child=serializers.CharField(),
        help_text="The receipt code of every ballot counted, in alphabetical order. A "
        "receipt says nothing about the choice.",
    )


class ReceiptCheckSerializer(serializers.Serializer):
    receipt = serializers.CharField(help_text="The code checked, as stored (upper case).")
    counted = serializers.BooleanField(
        help_text="Whether a ballot with this receipt was counted on the item."
    )


# The `code` of a refused vote: `cast_vote`'s VoteRefused codes, and "invalid" for a body
# that is not a list of choice IDs.
VOTE_REFUSAL_CODES = [
    ("invalid", 'The request body is not {"choices": [IDs]}'),
    ("no_choice", "No choice was sent"),
    ("unknown_choice", "A choice is not on this item's ballot"),
    ("too_many_choices", "More choices than the item allows"),
    ("abstain_mixed", "Abstain combined with a choice"),
    ("ranked_twice", "A ranked election's candidate ranked more than once"),
    ("too_many_ranks", "More ranks than a ranked election has candidates"),
    ("ineligible", "You may not vote at this meeting"),
    ("not_open", "The item is not open for voting"),
    ("already_voted", "You have already voted on this item (or the giver has)"),
    ("no_proxy", "You hold no approved proxy from that member at this meeting"),
    ("proxy_ended", "The proxy ended (the giver voted in person)"),
    ("giver_ineligible", "The giver may no longer attend this meeting"),
    ("rate_limited", "Too many votes from this account or address in a minute"),
]


class VoteRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why the vote was not recorded, in plain words.")
    code = serializers.ChoiceField(
        choices=VOTE_REFUSAL_CODES,
        help_text="What went wrong, for programs. Nothing was recorded.",
    )
