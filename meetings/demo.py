"""Demo content of the meetings app for the Northwind Workers' Union: the guide to
taking part in a virtual AGM, with its printable PDF, and the meetings: a Chapter AGM
happening now, a Local AGM and an Area Council meeting ahead, with materials written
as real PDFs.

`load_demo` calls `load_guides` once the home page exists and `load_meetings` after
the union's structure exists. Idempotent: pages are found by slug; only the Chapter
AGM is moved forward when a re-run finds its room closed, so the demo always has a
meeting to enter.
"""

import datetime
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone
from fpdf import FPDF
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail.utils.file import hash_filelike

from home.demo import bullets, ensure_child, faq_block, paragraphs, site_contact_block, text_block
from meetings.ballots.ranked import SCOTTISH_STV
from meetings.guides.pdf import pdf_text, refresh_guide_pdf
from meetings.models import (
    AudienceKind,
    BallotItem,
    Candidate,
    GuideIndexPage,
    GuidePage,
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


# The guide ---------------------------------------------------------------------------


def guide_index_page():
    return GuideIndexPage(
        title="Guides",
        slug="guides",
        show_in_menus=True,
        search_description="Step-by-step help for taking part in the union online.",
        introduction=(
            "Step-by-step help for taking part in the union online, starting with your "
            "virtual Annual General Meeting."
        ),
    )


def virtual_agm_guide():
    return GuidePage(
        title="Taking part in a virtual AGM",
        slug="virtual-agm",
        search_description="Create your member account, join your Annual General Meeting "
        "online and vote from the meeting page.",
        introduction=paragraphs(
            "Each year members meet at Local, Chapter and Area Council level for their "
            "Annual General Meetings (AGMs). At your AGM you elect your component officers "
            "and the members who represent you on the union's Provincial Executive, and you "
            "vote on budgets and motions.",
            "AGMs take place online: you follow the meeting on a video call and vote on this "
            "website. This guide shows you how to get ready, how to join on the day and how "
            "to vote.",
            "When your AGM is scheduled, we mail you a meeting notice. If we have an active "
            "email address for you, the notice also comes by email.",
        ),
        steps=[
            {
                "type": "step",
                "value": {
                    "title": "Create your member account",
                    "text": paragraphs(
                        "Your member account lets this site show you your own meetings and "
                        "take your vote. To create one you need:"
                    )
                    + bullets(
                        "your 6-digit member ID, and",
                        "a personal email address that only you use.",
                    )
                    + paragraphs(
                        "We email you a link to confirm the address. Open it: you cannot "
                        "enter a meeting until your email address is confirmed.",
                        "Your member account is <b>not</b> the sign-in you use for union "
                        "education courses. Create a member account even if you have one "
                        "of those.",
                        "Can’t find your member ID? Call the Member Resource Centre, Monday "
                        "to Friday, 8:30 a.m. to 4:30 p.m.",
                    ),
                },
            },
            {
                "type": "step",
                "value": {
                    "title": "Sign in",
                    "text": paragraphs(
                        "Choose <b>Sign in</b> at the top of any page and enter the details "
                        "you chose when you created your account. Once you are signed in, "
                        "the site shows you what is meant for your own sector, Local and "
                        "Chapter."
                    ),
                },
            },
            {
                "type": "step",
                "value": {
                    # The names of the site's own link, heading and button
                    # (templates/includes/account_links.html, members/dashboard.html).
                    "title": "Press “Enter meeting” on My union",
                    "text": paragraphs(
                        "Choose <b>My union</b> at the top of any page. Under <b>My "
                        "meetings</b> it lists the upcoming meetings of your Local, Chapter "
                        "and Area Council. When it is time, press <b>Enter meeting</b> beside "
                        "your AGM to open its meeting page."
                    ),
                },
            },
            {
                "type": "step",
                "value": {
                    "title": "Use the meeting page",
                    "text": paragraphs(
                        "The meeting page is where you vote, and where you find everything "
                        "else you need during the meeting:"
                    )
                    + bullets(
                        "voting in elections and on budgets and motions, one item at a time "
                        "as the chair opens it",
                        "materials to download, such as reports from your Chapter executive",
                        "the phone number and email address of IT support, if anything goes "
                        "wrong before or during the meeting",
                        "the video call link and the dial-in number",
                    )
                    + paragraphs(
                        "You do not need to refresh the page. When the chair opens the next "
                        "item, it appears on the meeting page by itself. Refreshing does no "
                        "harm if you want to be sure.",
                        "After you vote you get a receipt code. Keep it if you want to check "
                        "later that your ballot was counted.",
                    ),
                },
            },
            {
                "type": "step",
                "value": {
                    "title": "Join the video call beside the meeting page",
                    "text": paragraphs(
                        "Use the video call link on the meeting page to join the call in a "
                        "second window or browser tab, and keep both open: you watch and "
                        "speak in the video call, and you vote on the meeting page.",
                        "To speak, use <b>Raise hand</b> in the video call and wait for the "
                        "chair to call on you. Your microphone and camera stay off until then.",
                        "On a slow connection, call the dial-in number to listen by phone "
                        "instead. You still vote on the meeting page.",
                    ),
                },
            },
        ],
        comparison=[
            {
                "type": "comparison",
                "value": {
                    "heading": "What each window is for",
                    "left": {
                        "title": "Video call window",
                        "text": bullets(
                            "Watching and listening to the meeting",
                            "Raising your hand to speak, and speaking when the chair calls on you",
                            "Typing a question for the chair",
                            "Listening by phone with the dial-in number if your connection is slow",
                        ),
                    },
                    "right": {
                        "title": "Meeting page",
                        "text": bullets(
                            "Voting in elections and on budgets and motions; the next item "
                            "appears by itself",
                            "Downloading the meeting materials",
                            "IT support's phone number and email address",
                            "The video call link and the dial-in number",
                        ),
                    },
                },
            }
        ],
        tips=[
            {"type": "tip", "value": text}
            for text in (
                paragraphs(
                    "A laptop or desktop computer gives you room for both windows side by "
                    "side, but a tablet or phone works too."
                ),
                paragraphs(
                    "Check your internet connection before the meeting. A cable is steadier "
                    "than Wi-Fi; on Wi-Fi, sit close to your router."
                ),
                paragraphs(
                    "Sign in and open the meeting page at least 15 minutes early, so IT "
                    "support can help with any problem before the meeting starts."
                ),
                paragraphs("A headset with a microphone helps you hear and be heard clearly."),
                paragraphs(
                    "Short on bandwidth? Listen by phone with the dial-in number and keep "
                    "only the meeting page open for voting."
                ),
                paragraphs(
                    "Keep your member ID handy in case you need to call the Member Resource Centre."
                ),
            )
        ],
        body=[
            text_block(
                paragraphs(
                    "The answers to what members ask most often. Anything else, the Member "
                    "Resource Centre can help with."
                ),
                heading="Questions members ask",
            ),
            faq_block(
                "Do I have to refresh the meeting page to see the next vote?",
                paragraphs(
                    "No. The next item appears on the meeting page as soon as the chair "
                    "opens it. You can refresh if you want to be sure; nothing is lost."
                ),
            ),
            faq_block(
                "Can I use the sign-in I have for union education courses?",
                paragraphs(
                    "No. AGMs need a member account, created with your 6-digit member ID and "
                    "a personal email address."
                ),
            ),
            faq_block(
                "Can I take part by phone only?",
                paragraphs(
                    "You can listen and speak by phone with the dial-in number, but votes "
                    "are cast on the meeting page, so you also need a phone, tablet or "
                    "computer with a web browser."
                ),
            ),
            faq_block(
                "Is my vote secret?",
                paragraphs(
                    "Yes. The record that you have voted is kept apart from your ballot, so "
                    "nobody can tell how you voted. Your receipt code lets you check that "
                    "your ballot was counted."
                ),
            ),
            site_contact_block("member_resource_centre"),
        ],
    )


def load_guides(home, *, note, rewrite_pdfs=False):
    """The guide index and the virtual AGM guide, published with its printable PDF.

    ``rewrite_pdfs``: the site's address changed, so every published guide's
    generated PDF, which prints the guide's address, is written again. Returns the
    virtual AGM guide.
    """
    if rewrite_pdfs:
        for page in GuidePage.objects.live().specific():
            if refresh_guide_pdf(page) is not None:
                note(True, f'PDF of "{page.title}", for the new address', verb="rewritten")
    guides = ensure_child(home, guide_index_page(), note=note, expected_type=GuideIndexPage)
    guide = virtual_agm_guide()
    existing = guides.get_children().filter(slug=guide.slug).first()
    if existing is not None:
        guide = existing.specific
        note(False, f'"{guide.title}" ({guide.get_url() or guide.url_path})')
        if guide.instructions_document_id is not None:
            note(False, f'Document "{guide.instructions_document.title}"')
            return guide
    else:
        guides.add_child(instance=guide)
        note(True, f'"{guide.title}" ({guide.get_url() or guide.url_path})')
    # Publishing writes the printable PDF from the page and attaches it (meetings.signals).
    guide.save_revision().publish()
    guide.refresh_from_db()
    note(True, f'Document "{guide.instructions_document.title}"')
    return guide


# The meetings ------------------------------------------------------------------------


def _material(title, texts):
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
    for paragraph in texts:
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


def _demo_scrutineers():
    """The demo's scrutineer (staff/demo.py) holds the key to every demo meeting's ballots."""
    from django.contrib.auth import get_user_model

    from staff.demo import SCRUTINEER_USERNAME

    return list(get_user_model().objects.filter(username=SCRUTINEER_USERNAME))


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
    common = {
        "kind": MeetingKind.AGM,
        "guide": guide,
        "scrutineers": _demo_scrutineers(),
        **IT_SUPPORT,
    }
    # Quorums: about one in six of the demo roster's members in good standing of the
    # Chapter (28) and the Local (74), one in nine of the Area Council's (181).
    return [
        {
            "slug": "riverside-chapter-agm",
            "title": "Riverside General Hospital Chapter AGM",
            "audience_kind": AudienceKind.CHAPTER,
            "audience_chapter": riverside,
            "quorum": 5,
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
            "quorum": 12,
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
            "quorum": 20,
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
            changed = False
            if plan["slug"] == "riverside-chapter-agm" and not existing.room_is_open(now):
                existing.starts_at, existing.ends_at = plan["starts_at"], plan["ends_at"]
                note(True, f'"{existing.title}" moved to today', verb="rescheduled")
                changed = True
            if not existing.scrutineers.exists() and plan["scrutineers"]:
                # Loaded before ballots were sealed: the demo scrutineer holds the key.
                existing.appoint(scrutineers=plan["scrutineers"])
                note(True, f'"{existing.title}": scrutineer', verb="updated")
                changed = True
            if existing.quorum == 0:
                # Loaded before the demo meetings had quorums: the chair's page shows it.
                existing.quorum = plan["quorum"]
                note(True, f'"{existing.title}": quorum {existing.quorum}', verb="updated")
                changed = True
            if changed:
                existing.save_revision().publish()
            else:
                note(False, f'"{existing.title}"')
            continue
        chairs = plan.pop("chairs", [])
        scrutineers = plan.pop("scrutineers")
        meeting = MeetingPage(**plan)
        meeting.appoint(chairs=chairs, scrutineers=scrutineers)
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
    _ensure_ranked_election(meetings["riverside-chapter-agm"], note)
    _ensure_proxy(meetings["riverside-chapter-agm"], note)
    return meetings


# The Chapter AGM's proxy: the chapter chair, who runs the meeting, gave his proxy to a
# member of his Chapter (both demo sign-ins), whose ballot has a vote for each of them.
DEMO_PROXY = ("000012", "000015")  # giver, holder


def _ensure_proxy(meeting, note):
    from meetings.proxies.models import Proxy
    from meetings.proxies.rules import ProxyRefused, check_proxy
    from members.models import Member

    if Proxy.objects.filter(meeting=meeting).exists():
        note(False, f'Proxy at "{meeting.title}"')
        return
    giver, holder = (Member.objects.get(member_id=member_id) for member_id in DEMO_PROXY)
    try:
        check_proxy(meeting, giver, holder)
    except ProxyRefused as refused:
        note(False, f'Proxy at "{meeting.title}" ({refused.message})')
        return
    Proxy.objects.create(
        meeting=meeting,
        giver=giver,
        holder=holder,
        status=Proxy.Status.APPROVED,
        source=Proxy.Source.PAPER_FORM,
        decided_by_name="Membership staff (demo)",
        decided_at=timezone.now(),
    )
    note(True, f'Proxy at "{meeting.title}": {giver.full_name} to {holder.full_name}')


def demo_proxies(meeting):
    """The meeting's approved proxies, for the demo's sign-in summary."""
    from meetings.proxies.models import Proxy

    return Proxy.objects.filter(meeting=meeting, status=Proxy.Status.APPROVED).select_related(
        "giver", "holder"
    )


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


RANKED_CANDIDATES = [
    ("Grace Nakamura", "ICU nurse, steward for eight years"),
    ("Owen Delacroix", "Lab technician, bargaining committee"),
    ("Priya Raman", "Dietary aide, new members' organiser"),
    ("Samuel Osei", "Respiratory therapist, health and safety rep"),
    ("Hélène Gagnon", "Ward clerk, Chapter secretary"),
]


def _ensure_ranked_election(meeting, note):
    """The Chapter AGM's ranked election: three stewards' seats, five candidates, counted
    by the single transferable vote (Scottish STV rules 2007)."""
    if BallotItem.objects.filter(meeting=meeting, kind=BallotItem.Kind.RANKED).exists():
        note(False, f'Ranked election of "{meeting.title}"')
        return
    position = BallotItem.objects.filter(meeting=meeting).order_by("-position").first().position + 1
    election = BallotItem.objects.create(
        meeting=meeting,
        position=position,
        kind=BallotItem.Kind.RANKED,
        title="Election: three Chapter stewards (ranked)",
        text=(
            "<p>Three seats. Rank as many candidates as you like: 1st, 2nd, 3rd and so on. "
            "If your first choice is elected with votes to spare, or cannot be elected, "
            "your vote moves on to your next choice.</p>"
        ),
        seats=3,
        counting_rule=SCOTTISH_STV,
    )
    for order, (name, statement) in enumerate(RANKED_CANDIDATES):
        Candidate.objects.create(item=election, name=name, statement=statement, sort_order=order)
    note(True, f'Ranked election of "{meeting.title}": three seats, five candidates')
