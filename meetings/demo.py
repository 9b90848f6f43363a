"""Demo meetings for the Northwind Workers' Union: a Chapter AGM happening now, a Local
AGM and an Area Council meeting ahead, with materials written as real PDFs.

Loaded by `load_demo` after the union's structure exists. Idempotent: meetings
are found by slug; only the Chapter AGM is moved forward when a re-run finds its
room closed, so the demo always has a meeting to enter.
"""

import datetime
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone
from fpdf import FPDF
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail.utils.file import hash_filelike

from meetings.guides.pdf import pdf_text
from meetings.models import (
    AudienceKind,
    BallotItem,
    Candidate,
    MeetingIndexPage,
    MeetingKind,
    MeetingMaterial,
    MeetingPage,
)
from members.models import AreaCouncil, Chapter, Local

IT_SUPPORT = {
    "it_support_phone": "780-555-0150",
    "it_support_email": "meetings-help@northwind.example",
    "it_support_hours": "From 30 minutes before the start until the meeting ends",
}


def _material(title, paragraphs):
    """A real PDF document, written on the fly, stored as a Wagtail document."""
    Document = get_document_model()
    existing = Document.objects.filter(title=title).first()
    if existing:
        return existing
    pdf = FPDF(format="Letter")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 5.6, pdf_text(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    data = bytes(pdf.output())
    document = Document(
        title=title,
        collection=Collection.get_first_root_node(),
        file=ContentFile(data, name=f"{title.lower().replace(' ', '-')}.pdf"),
        file_size=len(data),
        file_hash=hash_filelike(BytesIO(data)),
    )
    document.save()
    return document


def _chapter_agm_materials():
    return [
        (
            _material(
                "Riverside Chapter executive report 2026",
                [
                    "This year the Chapter executive met eleven times and brought 23 "
                    "grievances forward, 17 of them about scheduling.",
                    "Highlights: the new float-pool agreement, two joint health and "
                    "safety inspections, and a steward course held on site.",
                    "Priorities for next year: safe staffing on nights, and parking "
                    "for evening shifts.",
                ],
            ),
            "Chapter executive report",
            "What your executive did this year and its priorities for the next.",
        ),
        (
            _material(
                "Riverside Chapter proposed budget 2027",
                [
                    "Income: Chapter rebate from the Local, $18,400.",
                    "Spending: steward training $6,200; member events $4,000; "
                    "communications $2,100; bursaries $3,000; reserve $3,100.",
                    "The executive asks members to adopt this budget at the AGM.",
                ],
            ),
            "Proposed budget 2027",
            "The budget members vote on.",
        ),
    ]


def _demo_chairs():
    """The demo's Chapter chair runs the Chapter AGM's vote."""
    from members.models import Member

    chair = Member.objects.filter(member_id="000012").select_related("account").first()
    return [chair.account] if chair and chair.account else []


def _meetings_plan(now, guide):
    riverside = Chapter.objects.get(local__number=41, number=1)
    local_41 = Local.objects.get(number=41)
    capital = AreaCouncil.objects.get(slug="capital-region")
    # The Chapter AGM is under way, so demo members can enter it straight away.
    chapter_start = now.replace(minute=0, second=0, microsecond=0)
    local_start = (now + datetime.timedelta(days=14)).replace(
        hour=1, minute=0, second=0, microsecond=0
    )  # 18:00 in Edmonton the evening before, in UTC terms
    council_start = (now + datetime.timedelta(days=30)).replace(
        hour=16, minute=0, second=0, microsecond=0
    )
    common = {"kind": MeetingKind.AGM, "guide": guide, **IT_SUPPORT}
    return [
        {
            "slug": "riverside-chapter-agm",
            "title": "Riverside General Hospital Chapter AGM",
            "audience_kind": AudienceKind.CHAPTER,
            "audience_chapter": riverside,
            "starts_at": chapter_start,
            "ends_at": chapter_start + datetime.timedelta(hours=4),
            "agenda": (
                "<ol><li>Call to order and adoption of the agenda</li>"
                "<li>Chapter executive report</li><li>Motion on night-shift staffing</li>"
                "<li>Budget 2027</li><li>Election of Chapter officers</li>"
                "<li>Adjournment</li></ol>"
            ),
            "video_link": "https://video.northwind.example/j/4101",
            "video_meeting_id": "410 1202 6",
            "video_passcode": "RGH2026",
            "dial_in_number": "1-800-555-0181",
            "materials": _chapter_agm_materials(),
            "chairs": _demo_chairs(),
            **common,
        },
        {
            "slug": "local-041-agm",
            "title": "Local 041 Annual General Meeting",
            "audience_kind": AudienceKind.LOCAL,
            "audience_local": local_41,
            "starts_at": local_start,
            "ends_at": local_start + datetime.timedelta(hours=3),
            "agenda": (
                "<ol><li>Reports of the Local executive</li><li>Bargaining update</li>"
                "<li>Elections: Local chair, and Provincial Executive member</li></ol>"
            ),
            "video_link": "https://video.northwind.example/j/4100",
            "video_meeting_id": "410 0000 1",
            "video_passcode": "L041AGM",
            "dial_in_number": "1-800-555-0182",
            "materials": [],
            **common,
        },
        {
            "slug": "capital-region-area-council",
            "title": "Capital Region Area Council meeting",
            "audience_kind": AudienceKind.AREA_COUNCIL,
            "audience_area_council": capital,
            "starts_at": council_start,
            "ends_at": council_start + datetime.timedelta(hours=2),
            "agenda": "<p>Regional campaign plan; reports from each Local.</p>",
            "video_link": "https://video.northwind.example/j/9001",
            "video_meeting_id": "900 1000 2",
            "video_passcode": "CAPITAL",
            "dial_in_number": "1-800-555-0183",
            "materials": [],
            **{**common, "kind": MeetingKind.SPECIAL},
        },
    ]


def load_meetings(home, guide, *, note):
    """Create the meeting index and the demo meetings; `note(done, what)` reports each."""
    now = timezone.now()
    index = home.get_children().type(MeetingIndexPage).first()
    if index is None:
        index = MeetingIndexPage(
            title="Meetings",
            slug="meetings",
            show_in_menus=True,
            introduction=(
                "Annual General Meetings and special meetings of the union's Locals, "
                "Chapters and Area Councils. Sign in to see the ones you can attend."
            ),
        )
        home.add_child(instance=index)
        index.save_revision().publish()
        note(True, '"Meetings" (/meetings/)')
    else:
        index = index.specific
        note(False, '"Meetings" (/meetings/)')

    meetings = {}
    for plan in _meetings_plan(now, guide):
        materials = plan.pop("materials")
        existing = MeetingPage.objects.child_of(index).filter(slug=plan["slug"]).first()
        if existing is not None:
            meetings[plan["slug"]] = existing
            if plan["slug"] == "riverside-chapter-agm" and not existing.room_is_open(now):
                existing.starts_at, existing.ends_at = plan["starts_at"], plan["ends_at"]
                existing.save_revision().publish()
                note(True, f'"{existing.title}" moved to today', verb="rescheduled")
            else:
                note(False, f'"{existing.title}"')
            continue
        chairs = plan.pop("chairs", [])
        meeting = MeetingPage(**plan)
        meeting.chairs = chairs
        for sort_order, (document, title, description) in enumerate(materials):
            meeting.materials.add(
                MeetingMaterial(
                    document=document, title=title, description=description, sort_order=sort_order
                )
            )
        index.add_child(instance=meeting)
        meeting.save_revision().publish()
        meetings[plan["slug"]] = meeting
        note(True, f'"{meeting.title}" ({meeting.url_path})')
    _ensure_ballot(meetings["riverside-chapter-agm"], note)
    return meetings


def _ensure_ballot(meeting, note):
    """The Chapter AGM's votes: a motion, the budget and an election for two seats."""
    if BallotItem.objects.filter(meeting=meeting).exists():
        note(False, f'Ballot items of "{meeting.title}"')
        return
    BallotItem.objects.create(
        meeting=meeting,
        position=1,
        kind=BallotItem.Kind.MOTION,
        title="Motion 1: safe staffing on night shifts",
        text=(
            "<p>That the Chapter asks Local 041 to make minimum night-shift staffing "
            "levels its first priority in the next round of bargaining.</p>"
        ),
    )
    BallotItem.objects.create(
        meeting=meeting,
        position=2,
        kind=BallotItem.Kind.BUDGET,
        title="Budget 2027",
        text="<p>That the Chapter adopts the proposed 2027 budget in the meeting materials.</p>",
        majority=BallotItem.Majority.TWO_THIRDS,
    )
    election = BallotItem.objects.create(
        meeting=meeting,
        position=3,
        kind=BallotItem.Kind.ELECTION,
        title="Election: Chapter chair and vice-chair",
        text="<p>Two seats. Choose up to two candidates.</p>",
        seats=2,
    )
    for order, (name, statement) in enumerate(
        [
            ("Amara Cardinal", "Night-shift RN, steward since 2019"),
            ("Tomas Petrenko", "Porter, health and safety rep"),
            ("Leah Bouchard", "Unit clerk, Chapter treasurer"),
        ]
    ):
        Candidate.objects.create(item=election, name=name, statement=statement, sort_order=order)
    note(True, f'Ballot of "{meeting.title}": a motion, the budget and an election')
