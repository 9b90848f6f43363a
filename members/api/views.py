"""The member API's endpoints, its schema, and a plain page describing both."""

import functools

from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from wagtail.documents import get_document_model
from wagtail.documents.models import document_served

from meetings.ballots.casting import (
    VOTE_LIMIT_RETRY_AFTER,
    VOTE_LIMITED,
    VoteRefused,
    cast_vote,
    over_vote_limit,
    vote_reads,
    vote_target,
)
from meetings.ballots.results import (
    RECEIPT_CHECKS_LIMITED,
    closed_item,
    counted_receipts,
    over_receipt_check_limit,
    receipt_is_counted,
    receipt_shape,
)
from meetings.member_meetings import MemberMeeting, meetings_of, member_meetings
from meetings.models import MeetingPage
from members.api.access import MemberAPIAnonThrottle, MemberAPIView
from members.api.meetings import MemberBallot
from members.api.serializers import (
    ErrorSerializer,
    MeetingBallotSerializer,
    MeetingSerializer,
    ProfileSerializer,
    ReceiptCheckSerializer,
    ReceiptListSerializer,
    ReceiptSerializer,
    VoteRefusalSerializer,
    VoteSerializer,
)

NO_SUCH_MEETING = "There is no meeting with that ID for you."
NO_SUCH_MATERIAL = "There is no such material for this meeting."
NO_SUCH_ITEM = "There is no such ballot item at this meeting."
NO_SUCH_CLOSED_ITEM = "There is no closed ballot item with that ID at this meeting."
NOT_A_RECEIPT = "That is not a receipt code: a receipt is 10 letters and digits."
NOT_A_VOTE = 'Send the IDs of your choices as JSON: {"choices": [12]}.'

# How each VoteRefused code is answered; any other code is 400.
VOTE_REFUSAL_STATUS = {
    "already_voted": 409,
    "not_open": 409,
    "ineligible": 403,
    "no_proxy": 403,
    "giver_ineligible": 403,
    "proxy_ended": 409,
}

REFUSALS = {
    401: OpenApiResponse(ErrorSerializer, description="No valid token or session."),
    403: OpenApiResponse(
        ErrorSerializer, description="Signed in, but not a member with a confirmed account."
    ),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; try again later."),
}
NOT_FOUND = {
    404: OpenApiResponse(
        ErrorSerializer,
        description="No such meeting, or not one for this member: the same answer for both.",
    )
}


class MyProfile(MemberAPIView):
    """The member's own roster entry."""

    @extend_schema(
        operation_id="me",
        summary="Your profile",
        description="Your own roster entry: member ID, names, units, standing and the "
        "communication choices you have made.",
        responses={200: OpenApiResponse(ProfileSerializer, "Your profile."), **REFUSALS},
        tags=["profile"],
    )
    def get(self, request):
        member = self.member
        member.account = request.user  # already loaded; saves a query for `account_email`
        return Response(ProfileSerializer(member).data)


class MyMeetings(MemberAPIView):
    """The meetings whose audience includes the member."""

    @extend_schema(
        operation_id="meetings_list",
        summary="Your meetings",
        description="Meetings whose audience includes you: upcoming ones first (soonest "
        "first), then past ones (latest first). Joining details, agenda, IT support and "
        "materials are given only to members who may attend; joining details only while "
        "the meeting room is open.",
        parameters=[
            OpenApiParameter(
                "when",
                str,
                enum=["upcoming", "past"],
                required=False,
                description="Only upcoming (including in progress) or only past meetings.",
            )
        ],
        responses={
            200: OpenApiResponse(MeetingSerializer(many=True), "Your meetings."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, 'An unknown value of "when".'),
            **REFUSALS,
        },
        tags=["meetings"],
    )
    def get(self, request):
        when = request.query_params.get("when")
        if when not in (None, "upcoming", "past"):
            raise ValidationError({"when": ['Use "upcoming" or "past".']})
        meetings = member_meetings(self.member)
        rows = meetings[when] if when else meetings["upcoming"] + meetings["past"]
        context = {"request": request}
        return Response(MeetingSerializer(rows, many=True, context=context).data)


class MyMeeting(MemberAPIView):
    """One meeting whose audience includes the member."""

    @extend_schema(
        operation_id="meetings_retrieve",
        summary="One of your meetings",
        description="The same as an entry of your meetings list. Meetings that are not "
        "for you are answered exactly as IDs that do not exist.",
        responses={
            200: OpenApiResponse(MeetingSerializer, "The meeting."),
            **REFUSALS,
            **NOT_FOUND,
        },
        tags=["meetings"],
    )
    def get(self, request, meeting_id):
        meeting = meetings_of(self.member).filter(pk=meeting_id).first()
        if meeting is None:
            raise NotFound(NO_SUCH_MEETING)
        row = MemberMeeting.build(meeting, self.member)
        return Response(MeetingSerializer(row, context={"request": request}).data)


class MaterialDownload(MemberAPIView):
    """A meeting's material, for members who may attend it."""

    @extend_schema(
        operation_id="meetings_material_download",
        summary="Download a meeting's material",
        description="The file itself, for members who may attend the meeting.",
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The document, sent with its own media type (for example "
                "application/pdf).",
            ),
            **REFUSALS,
            403: OpenApiResponse(
                ErrorSerializer,
                description="Not a confirmed member, or not one who may attend this meeting "
                "(the reason is given).",
            ),
            404: OpenApiResponse(
                ErrorSerializer, description="No such meeting or material for this member."
            ),
        },
        tags=["meetings"],
    )
    def get(self, request, meeting_id, material_id):
        meeting = meetings_of(self.member).filter(pk=meeting_id).first()
        if meeting is None:
            raise NotFound(NO_SUCH_MEETING)
        eligibility = meeting.eligibility(self.member)
        if not eligibility:
            raise PermissionDenied(eligibility.reason)
        material = next((m for m in meeting.materials.all() if m.pk == material_id), None)
        if material is None:
            raise NotFound(NO_SUCH_MATERIAL)
        document = material.document
        document_served.send(
            sender=get_document_model(), instance=document, request=request._request
        )
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.filename,
            content_type=document.content_type,
        )


def attended_meeting(member, meeting_id):
    """The meeting, if its audience includes the member; else 404, as for IDs that do not exist."""
    meeting = meetings_of(member).prefetch_related(None).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(NO_SUCH_MEETING)
    return meeting


class MeetingBallotView(MemberAPIView):
    """What a member who may attend can vote on now, and the results so far."""

    @extend_schema(
        operation_id="meetings_ballot",
        summary="The meeting's ballot",
        description="The items the chair has opened, with their choices and whether you "
        "have voted, and the items the chair has closed, with their results and where "
        "their counted receipts are listed. Items not yet opened are not listed. "
        "Poll this to follow the meeting.",
        responses={
            200: OpenApiResponse(MeetingBallotSerializer, "The ballot."),
            **REFUSALS,
            403: OpenApiResponse(
                ErrorSerializer,
                description="Not a confirmed member, or not one who may attend this meeting "
                "(the reason is given).",
            ),
            **NOT_FOUND,
        },
        tags=["ballots"],
    )
    def get(self, request, meeting_id):
        meeting = attended_meeting(self.member, meeting_id)
        eligibility = meeting.eligibility(self.member)
        if not eligibility:
            raise PermissionDenied(eligibility.reason)
        ballot = MemberBallot.build(meeting, self.member)
        context = {"meeting": meeting, "request": request}
        return Response(MeetingBallotSerializer(ballot, context=context).data)


def closed_item_of(request, member, meeting_id, item_id):
    """A closed item of a meeting whose results the member may see: the page's rule,
    `MeetingPage.may_see_results` (members who may attend, and the meeting's chairs).
    A meeting neither for them nor chaired by them answers as an ID that does not exist."""
    meeting = MeetingPage.objects.live().filter(pk=meeting_id).first()
    if meeting is None or not (meeting.includes(member) or meeting.may_chair(request.user)):
        raise NotFound(NO_SUCH_MEETING)
    if not meeting.may_see_results(request.user, member):
        raise PermissionDenied(meeting.eligibility(member).reason)
    item = closed_item(meeting, item_id)
    if item is None:
        raise NotFound(NO_SUCH_CLOSED_ITEM)
    return item


RECEIPT_REFUSALS = {
    **REFUSALS,
    403: OpenApiResponse(
        ErrorSerializer,
        description="Not a confirmed member, or not one who may attend this meeting "
        "(the reason is given).",
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description="No such meeting for this member, or no closed item with that ID at it.",
    ),
}


class ReceiptListView(MemberAPIView):
    """Every counted receipt of a closed item."""

    @extend_schema(
        operation_id="meetings_ballot_receipts",
        summary="The receipts counted on a closed item",
        description="The receipt code of every ballot counted on an item the chair has "
        "closed, sorted, so that every member can check theirs is there.",
        responses={
            200: OpenApiResponse(ReceiptListSerializer, "The receipts."),
            **RECEIPT_REFUSALS,
        },
        tags=["ballots"],
    )
    def get(self, request, meeting_id, item_id):
        item = closed_item_of(request, self.member, meeting_id, item_id)
        return Response(
            ReceiptListSerializer({"item_id": item.pk, "receipts": counted_receipts(item)}).data
        )


class ReceiptCheckView(MemberAPIView):
    """Whether one receipt code was counted on a closed item, and nothing else."""

    @extend_schema(
        operation_id="meetings_ballot_receipt_check",
        summary="Check one receipt",
        description="Whether a ballot with this receipt code was counted on an item the "
        "chair has closed. It says nothing else about that ballot. The code is neither "
        "logged nor stored.",
        responses={
            200: OpenApiResponse(ReceiptCheckSerializer, "The answer."),
            400: OpenApiResponse(ErrorSerializer, "Not the shape of a receipt code."),
            **RECEIPT_REFUSALS,
        },
        tags=["ballots"],
    )
    def get(self, request, meeting_id, item_id, receipt):
        item = closed_item_of(request, self.member, meeting_id, item_id)
        if over_receipt_check_limit(request._request):
            return Response(
                {"detail": RECEIPT_CHECKS_LIMITED}, status=429, headers={"Retry-After": "60"}
            )
        code = receipt_shape(receipt)
        if code is None:
            return Response({"detail": NOT_A_RECEIPT}, status=400)
        counted = receipt_is_counted(item, code)
        return Response(ReceiptCheckSerializer({"receipt": code, "counted": counted}).data)


class CastVoteView(MemberAPIView):
    """Vote on an open item: the same single path as the meeting page (`cast_vote`)."""

    parser_classes = [JSONParser]
    loads_voter_only = True  # the member as a vote needs them (`signed_in_voter`)
    # A vote's limit is the one vote rate limit (`over_vote_limit`, below), as on the
    # meeting page: its 429 is the one this view documents. The API's per-user throttle is
    # not counted as well: looser (REST_FRAMEWORK's rate against the vote limit's), it
    # would answer a vote with another 429 than the documented one, and it cost every vote
    # a second round trip to Redis. (Anonymous requests are refused before any throttle.)
    throttle_classes = []

    @extend_schema(
        operation_id="meetings_ballot_vote",
        summary="Vote on an open item",
        description="Cast your vote on an item the chair has opened: one choice, or up to "
        "the item's `max_choices` in an election (Abstain alone). One vote per member per "
        "item; a vote cannot be changed. The ballot is secret: what you chose is stored "
        "apart from the record that you voted. Keep the receipt code to check, once the "
        "item closes, that your ballot was counted. Refused votes record nothing.",
        request=VoteSerializer,
        responses={
            201: OpenApiResponse(ReceiptSerializer, "Your vote is recorded."),
            400: OpenApiResponse(
                VoteRefusalSerializer,
                "Not a valid ballot: no choice, a choice not on this item, too many "
                "choices, Abstain with a choice, or a malformed body.",
            ),
            **REFUSALS,
            403: OpenApiResponse(
                ErrorSerializer,
                description='Not a confirmed member, or (with `code` "ineligible") not one '
                'who may vote at this meeting, or (`code` "no_proxy", "giver_ineligible") '
                "not holding a usable proxy from the `on_behalf_of` member.",
            ),
            404: OpenApiResponse(
                ErrorSerializer,
                description="No such meeting for this member, or no such item at it.",
            ),
            409: OpenApiResponse(
                VoteRefusalSerializer,
                "You have already voted on this item (for yourself, or for that giver), it "
                "is not open for voting, or the proxy ended.",
            ),
            429: OpenApiResponse(
                VoteRefusalSerializer,
                'Too many votes (`code` "rate_limited", the same limit as the meeting '
                "page's): nothing was recorded; try again after Retry-After seconds.",
            ),
        },
        tags=["ballots"],
    )
    def post(self, request, meeting_id, item_id):
        member = self.member
        # The one vote rate limit, as for the page's form, before the vote is looked at.
        if over_vote_limit(request._request):
            return Response(
                {"detail": VOTE_LIMITED, "code": "rate_limited"},
                status=429,
                headers={"Retry-After": str(VOTE_LIMIT_RETRY_AFTER)},
            )
        # The item and its meeting as the page form's votes get them (the shared cache),
        # and the member's proxies, read in one round trip.
        with vote_reads(meeting_id, item_id, member):
            item = vote_target(meeting_id, item_id)
            if item is None or not item.meeting.includes(member):
                attended_meeting(member, meeting_id)  # 404 for a meeting not for them
                raise NotFound(NO_SUCH_ITEM)
            vote = VoteSerializer(data=request.data)
            if not vote.is_valid():
                return Response({"detail": NOT_A_VOTE, "code": "invalid"}, status=400)
            try:
                receipt = cast_vote(
                    self.member,
                    item,
                    vote.validated_data["choices"],
                    on_behalf_of=vote.validated_data.get("on_behalf_of") or None,
                )
            except VoteRefused as refusal:
                status = VOTE_REFUSAL_STATUS.get(refusal.code, 400)
                return Response({"detail": refusal.message, "code": refusal.code}, status=status)
        return Response(ReceiptSerializer({"receipt": receipt}).data, status=201)


class MemberAPISchema(SpectacularAPIView):
    """The OpenAPI 3 schema of the member API: YAML, or JSON with `?format=json`."""

    authentication_classes = []
    throttle_classes = [MemberAPIAnonThrottle]


@functools.cache
def member_api_schema():
    """The generated schema, built once per process (it only changes with the code)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def api_docs(request):
    """A plain page listing the endpoints, built from the schema so the two always agree."""
    schema = member_api_schema()
    endpoints = [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "parameters": operation.get("parameters", []),
            "responses": sorted(operation["responses"].items()),
        }
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]
    return render(
        request,
        "members/api_docs.html",
        {"info": schema["info"], "endpoints": endpoints},
    )


def not_found(request, *args, **kwargs):
    """Unknown paths under the member API answer in JSON, not with the site's 404 page."""
    return JsonResponse({"detail": "There is no such endpoint in the member API."}, status=404)
