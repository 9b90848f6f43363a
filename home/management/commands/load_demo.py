"""Load the demo content of the fictional Northwind Workers' Union.

Replaces Wagtail's "Welcome" page with the union's home page, fills the
site-wide contact settings, publishes the privacy statement, the virtual AGM
guide (with its printable PDF, generated on the fly) and a couple of general
pages, and creates an editor sign-in and one sign-in per staff role. Safe to run
again: anything already there is left as it is, so a second run adds no pages,
documents, users or revisions.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Page, Site

from home.models import ContentPage, HomePage, MemberResourceCentre, PrivacyOfficer
from meetings.demo import load_meetings
from meetings.models import GuideIndexPage, GuidePage
from members.demo import DEMO_PASSWORD, load_union
from members.models import Chapter, Local
from policies.models import PolicyPage
from staff.roles import (
    COMMUNICATIONS_EDITORS,
    MEETING_ORGANISERS,
    MEMBERSHIP_STAFF,
    MODERATORS,
    PRIVACY_OFFICER,
)

SITE_NAME = "Northwind Workers' Union"
SITE_URL = "http://127.0.0.1:8000/"
ADMIN_URL = "http://127.0.0.1:8000/admin/"

EDITOR_USERNAME = "editor"
EDITOR_EMAIL = "editor@northwind.example"
EDITOR_PASSWORD = "northwind-demo-editor"  # noqa: S105 - a published demo sign-in

# One sign-in per staff role, each in its group only (staff/roles.py), so the demo
# shows what each role sees of the admin: (username, group, what they do).
STAFF_PASSWORD = "northwind-demo-staff"  # noqa: S105 - a published demo sign-in
STAFF_SIGN_INS = [
    ("communications", COMMUNICATIONS_EDITORS, "writes pages and guides, submits them"),
    ("moderator", MODERATORS, "approves and publishes pages and guides"),
    ("privacy-officer", PRIVACY_OFFICER, "approves policy changes; access log; roster read-only"),
    ("organiser", MEETING_ORGANISERS, "meeting pages and ballot items"),
    ("membership", MEMBERSHIP_STAFF, "roster, roster import, mailed-notice lists"),
]

MEMBER_RESOURCE_CENTRE = {
    "name": "Member Resource Centre",
    "local_phone": "780-555-0100",
    "toll_free_phone": "1-800-555-0199",
    "email": "mrc@northwind.example",
    "hours": "Monday to Friday, 8:30 a.m. to 4:30 p.m.",
}

PRIVACY_OFFICER = {
    "name": "Privacy Officer",
    "organisation": SITE_NAME,
    "postal_address": "Suite 400, 10250 Northwind Way NW\nEdmonton, AB  T5X 0N7",
    "local_phone": "780-555-0123",
    "toll_free_phone": "1-800-555-0124",
    "email": "privacy@northwind.example",
}


# Rich text, written the way the editor stores it ------------------------------


def paragraphs(*texts):
    return "".join(f"<p>{text}</p>" for text in texts)


def bullets(*items):
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def page_link(page, text):
    return f'<a linktype="page" id="{page.pk}">{text}</a>'


def text_block(text, heading=""):
    return {"type": "text", "value": {"heading": heading, "text": text}}


def list_block(heading, items, *, style="bulleted", introduction=""):
    return {
        "type": "list",
        "value": {
            "heading": heading,
            "introduction": introduction,
            "style": style,
            "items": list(items),
        },
    }


def callout_block(heading, text, *, tone="info"):
    return {"type": "callout", "value": {"tone": tone, "heading": heading, "text": text}}


def faq_block(question, answer):
    return {"type": "faq", "value": {"question": question, "answer": answer}}


def site_contact_block(contact):
    return {"type": "site_contact", "value": {"contact": contact}}


# The pages ----------------------------------------------------------------------


def home_page_body(*, guide, privacy_statement, about):
    return [
        callout_block(
            "AGM season is here",
            paragraphs(
                "Locals, Chapters and Area Councils are holding their Annual General "
                "Meetings online this season. You elect your component officers and your "
                "Provincial Executive members, and you vote on budgets and motions, all "
                "from the meeting page.",
                "You need a member account to take part. Set yours up now, not on the "
                f"night: {page_link(guide, 'read how to take part in a virtual AGM')}.",
            ),
            tone="important",
        ),
        text_block(
            paragraphs(
                "Every member belongs to a sector and to a Local, the union's unit at their "
                "employer. Larger Locals are divided into Chapters, so that a worksite can "
                "elect its own stewards and officers. Area Councils bring the Locals of one "
                "region together across sectors.",
                "Sign in to see the meetings, materials and news for your own sector, Local "
                f"and Chapter. {page_link(about, 'How the union is organised')}.",
            ),
            heading="Your union, close to home",
        ),
        text_block(
            paragraphs(
                "We hold your membership details to represent you and to run the union's "
                "democracy, and for nothing else. We never sell them and never hand them to "
                "outside organisations. "
                + page_link(privacy_statement, "Read our privacy statement")
                + "."
            ),
            heading="Your information stays with us",
        ),
        site_contact_block("member_resource_centre"),
    ]


def about_page():
    return ContentPage(
        title="About the union",
        slug="about",
        show_in_menus=True,
        search_description="Who the Northwind Workers' Union is and how it is organised.",
        introduction=(
            "The Northwind Workers' Union represents people who deliver Alberta's public "
            "services, from hospital wards and provincial offices to colleges and labs."
        ),
        body=[
            text_block(
                paragraphs(
                    "We are a member-run union. Members bargain their collective agreements "
                    "together, elect the people who speak for them, and decide how the "
                    "union's money is spent.",
                    "Union staff support that work: negotiating, handling grievances, running "
                    "education courses and answering members' questions through the Member "
                    "Resource Centre.",
                ),
                heading="Who we are",
            ),
            list_block(
                "How the union is organised",
                [
                    "<b>Sectors</b> group members who work in the same part of the public "
                    "sector and often share a collective agreement.",
                    "<b>Locals</b> are the union at one employer or group of worksites. Each "
                    "Local has a number and its own elected officers.",
                    "<b>Chapters</b> divide larger Locals, usually by worksite or town, so "
                    "members can meet close to where they work.",
                    "<b>Area Councils</b> bring together the Locals of one region, whatever "
                    "their sector.",
                    "<b>The Provincial Executive</b> leads the union between conventions. "
                    "Its members are elected at Local and Area Council AGMs.",
                ],
                introduction="<p>From the smallest unit to the largest:</p>",
            ),
            text_block(
                paragraphs(
                    "Every year each Local, Chapter and Area Council holds an Annual General "
                    "Meeting. Members elect component officers and Provincial Executive "
                    "members there, adopt budgets and vote on motions. AGMs are held online, "
                    "so members in every part of the province can take part."
                ),
                heading="How decisions are made",
            ),
        ],
    )


def local_bargaining_page():
    """A page aimed at Local 041, with sections only its members (and one Chapter) see."""
    local = Local.objects.get(number=41)
    riverside = Chapter.objects.get(local=local, number=1)
    page = ContentPage(
        title="Local 041 bargaining update",
        slug="local-041-bargaining",
        search_description="Where talks with Capital Regional Health stand.",
        introduction=(
            "Talks with Capital Regional Health resumed this autumn. Here is where things "
            "stand, and how members of Local 041 can have their say."
        ),
        body=[
            text_block(
                paragraphs(
                    "Your bargaining committee met the employer three times in October. "
                    "Scheduling and safe staffing are the main open items."
                ),
                heading="Where talks stand",
            ),
            {
                "type": "members_only",
                "value": {
                    "heading": "For Local 041 members",
                    "content": [
                        text_block(
                            paragraphs(
                                "The committee's full proposal package is in the materials "
                                "for your Local's AGM. Send questions to your Chapter chair."
                            )
                        )
                    ],
                    "sectors": [],
                    "locals": [local.pk],
                    "chapters": [],
                    "invite_sign_in": True,
                },
            },
            {
                "type": "members_only",
                "value": {
                    "heading": "Riverside General Hospital worksite meeting",
                    "content": [
                        text_block(
                            paragraphs(
                                "Riverside members meet in the east cafeteria on the first "
                                "Tuesday of the month, at 07:30 and again at 19:30 for the "
                                "night shift."
                            )
                        )
                    ],
                    "sectors": [],
                    "locals": [],
                    "chapters": [riverside.pk],
                    "invite_sign_in": False,
                },
            },
        ],
    )
    page.aimed_at_locals = [local]
    return page


def contact_page():
    return ContentPage(
        title="Contact the union",
        slug="contact",
        show_in_menus=True,
        search_description="Phone numbers, email addresses and hours of the Member Resource "
        "Centre, and how to reach the Privacy Officer.",
        introduction="Questions about your membership, your account or a meeting? Start here.",
        body=[
            text_block(
                paragraphs(
                    "The Member Resource Centre answers questions about your membership, "
                    "your member ID and member account, meeting notices and your dues. Have "
                    "your member ID ready if you can."
                ),
                heading="Member Resource Centre",
            ),
            site_contact_block("member_resource_centre"),
            text_block(
                paragraphs(
                    "For questions about the personal information the union holds about you, "
                    "or to ask for a copy of it, contact the Privacy Officer."
                ),
                heading="Privacy questions",
            ),
            site_contact_block("privacy_officer"),
        ],
    )


def privacy_statement_page():
    return PolicyPage(
        title="Privacy statement",
        slug="privacy-statement",
        show_in_menus=True,
        last_reviewed=datetime.date(2026, 9, 15),
        search_description="What personal information the union holds, how it is used and "
        "protected, and how to see or correct it.",
        introduction=(
            "How the Northwind Workers' Union collects, uses and protects its members' "
            "personal information, and how you can see and correct what we hold about you."
        ),
        body=[
            text_block(
                paragraphs(
                    "The union follows Alberta's Personal Information Protection Act (PIPA). "
                    "Beyond what the law asks, we treat members' privacy as a duty we owe "
                    "each other: the information you trust us with is used to represent you "
                    "and for nothing else.",
                ),
                heading="Our commitment",
            ),
            list_block(
                "What counts as personal information",
                [
                    "your age or date of birth",
                    "identifying numbers, such as your member ID or employee number",
                    "what you earn",
                    "your ethnic or national origin",
                    "your religion or beliefs",
                    "opinions you hold, and opinions others have given about you",
                    "records of discipline at work",
                    "your credit history",
                    "your health and medical records",
                ],
                introduction=(
                    "<p>Under PIPA, personal information is anything about a person who can "
                    "be identified. It includes, for example:</p>"
                ),
            ),
            text_block(
                paragraphs(
                    "Business contact information, such as the name, job title, work address "
                    "and work phone number someone uses for their job, is not personal "
                    "information under the Act."
                ),
            ),
            text_block(
                paragraphs(
                    "The union is the legal representative of its members with their "
                    "employers. Doing that job sometimes means collecting, using or "
                    "disclosing a member's personal information: when we take a grievance "
                    "forward, for example, or help a member with a disability claim.",
                    "Information gathered for one of those purposes is used for that purpose "
                    "only. You may refuse your consent; tell your union representative or the "
                    "Privacy Officer. Unless you do, we take it that you agree to our using "
                    "your information as the case requires.",
                ),
                heading="Why we collect it",
            ),
            list_block(
                "How we use our membership database",
                [
                    "To tell members about meetings, including Annual General Meetings: by "
                    "mail, and by email where we have an active address.",
                    "To pay members' expense claims.",
                    "To send union publications, bargaining updates and news of events.",
                    "To produce statistics, with no member named, that help us prepare for "
                    "bargaining.",
                    "To send out mailings from a small number of partner organisations, at "
                    "their cost. We do the mailing ourselves; the partner never receives "
                    "the list.",
                    "To give a Local or Chapter chair the contact information of the members "
                    "of their own Local or Chapter, and nobody else's.",
                ],
                style="numbered",
            ),
            text_block(
                paragraphs(
                    "In every case above, the union keeps the information. We do not sell, "
                    "rent or trade members' personal information, and we do not share it "
                    "with outside organisations.",
                    "Only staff whose work needs it can see personal information, and every "
                    "time it is viewed or exported the system records who did so and when. "
                    "Personal information is never published on this website; business "
                    "contact information sometimes is.",
                    "Shared areas of the union's offices are watched by security cameras at "
                    "all hours.",
                ),
                heading="What we never do",
            ),
            text_block(
                paragraphs(
                    "You can ask what the union holds about you at any time, and ask us to "
                    "correct anything that is wrong. Contact the Privacy Officer, or call "
                    "the Member Resource Centre and ask for the Privacy Officer.",
                    "When you are signed in to this site you can also see your own details "
                    "and choose how we contact you. If you refuse a kind of contact, every "
                    "mailing list we produce leaves you out of it.",
                ),
                heading="Seeing and correcting what we hold",
            ),
            callout_block(
                "Cookies and links to other sites",
                paragraphs(
                    "This site sets only the cookies it needs to keep you signed in, to "
                    'protect its forms and to carry a one-time notice, such as "your '
                    'choices are saved" or the receipt code of your vote, to the next '
                    "page you open. It does not use advertising or tracking cookies.",
                    "Some pages link to other organisations' websites or list their phone "
                    "numbers and addresses for your convenience. We do not control those "
                    "sites, are not responsible for what they say or offer, and do not "
                    "endorse them by linking to them. Their own privacy policies apply once "
                    "you leave this site.",
                ),
            ),
            faq_block(
                "Will the union give my email address to anyone else?",
                paragraphs(
                    "No. Your email address is used to send you union notices and news you "
                    "have not refused. Partner mailings are sent by the union itself, so the "
                    "partner never sees your address."
                ),
            ),
            faq_block(
                "Who can see my phone number and address?",
                paragraphs(
                    "Union staff who need them for their work, and the chair of your own "
                    "Local or Chapter. A chair sees only contact information, and only for "
                    "members of their own Local or Chapter."
                ),
            ),
        ],
    )


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
                    "title": "Press “Enter meeting” on My meetings",
                    "text": paragraphs(
                        "Open <b>My meetings</b>. It lists the upcoming meetings of your "
                        "Local, Chapter and Area Council. When it is time, press <b>Enter "
                        "meeting</b> beside your AGM to open its meeting page."
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


class Command(BaseCommand):
    help = (
        "Load the Northwind Workers' Union demo content: home page, privacy statement, "
        "virtual AGM guide with its PDF, general pages, site settings, an editor "
        "sign-in and one sign-in per staff role. Running it again changes nothing."
    )

    def handle(self, *args, **options):
        self.outcomes = []
        with transaction.atomic():
            home, home_is_new = self.ensure_home_page()
            site = self.ensure_default_site(home)
            self.remove_welcome_pages()
            self.fill_settings(site)

            about = self.ensure_child(home, about_page())
            guides = self.ensure_child(home, guide_index_page(), GuideIndexPage)
            guide = self.ensure_guide(guides)
            privacy_statement = self.ensure_child(home, privacy_statement_page(), PolicyPage)
            self.ensure_child(home, contact_page())

            if home_is_new:
                # The home page links to its children, so it is published once they exist.
                home.body = home_page_body(
                    guide=guide, privacy_statement=privacy_statement, about=about
                )
                home.save_revision().publish()

            editor_password = self.ensure_editor()
            staff_sign_ins = self.ensure_staff()

            union_summary, member_sign_ins = load_union()
            self.note(
                bool(union_summary["members created"]),
                f"{union_summary['members']} members in {union_summary['sectors']} sectors, "
                f"{union_summary['locals']} Locals and {union_summary['chapters']} Chapters",
                verb=f"{union_summary['members created']} members created",
            )
            self.ensure_child(home, local_bargaining_page())
            load_meetings(home, guide, note=self.note)

        self.print_summary()
        self.print_sign_in(editor_password)
        self.print_staff_sign_ins(staff_sign_ins)
        self.print_member_sign_ins(member_sign_ins)

    # Pages -------------------------------------------------------------------

    def ensure_home_page(self):
        """The union's HomePage, in place of Wagtail's welcome page."""
        home = HomePage.objects.first()
        if home is not None:
            self.note(False, f'Home page "{home.title}"')
            return home, False

        root = Page.get_first_root_node()
        # The welcome page is the default site's root; deleting it would delete the
        # site, so the site lets go of it first.
        Site.objects.filter(root_page__in=self.welcome_pages()).update(root_page=root)
        self.remove_welcome_pages()
        slug = "home" if not root.get_children().filter(slug="home").exists() else "northwind"
        home = HomePage(
            title=SITE_NAME,
            slug=slug,
            seo_title="Home",
            introduction=(
                "The union for the people who keep Alberta's public services running. "
                "Find your meetings, your rights at work and the people who can help."
            ),
        )
        root.add_child(instance=home)
        self.note(True, f'Home page "{home.title}"')
        return home, True

    def ensure_default_site(self, home):
        """The default Site, rooted at the home page.

        An existing default site keeps its hostname and port (it answers for
        every host anyway); a new one is created for localhost on port 80.
        """
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site.objects.filter(hostname="localhost", port=80).first() or Site(
                hostname="localhost", port=80
            )
        changed = (
            site.pk is None
            or site.root_page_id != home.pk
            or site.site_name != SITE_NAME
            or not site.is_default_site
        )
        if changed:
            site.root_page = home
            site.site_name = SITE_NAME
            site.is_default_site = True
            site.save()
        self.note(changed, f"Default site {site.hostname}:{site.port}", verb="updated")
        return site

    def welcome_pages(self):
        """Wagtail's "Welcome" page: a plain Page just under the root, with nothing below it."""
        plain_page = ContentType.objects.get_for_model(Page)
        return Page.objects.filter(depth=2, content_type=plain_page, numchild=0)

    def remove_welcome_pages(self):
        for page in self.welcome_pages():
            if page.sites_rooted_here.exists():
                continue  # still some site's root; deleting it would delete the site
            page.delete()
            self.note(True, f'Wagtail\'s "{page.title}" page', verb="removed")

    def ensure_child(self, parent, page, expected_type=None):
        """Publish ``page`` under ``parent`` unless a page with its slug is already there."""
        expected_type = expected_type or type(page)
        existing = parent.get_children().filter(slug=page.slug).first()
        if existing is not None:
            existing = existing.specific
            if not isinstance(existing, expected_type):
                raise CommandError(
                    f"{existing.url_path} is a {existing._meta.verbose_name}, not a "
                    f"{expected_type._meta.verbose_name}; move or rename it and run again."
                )
            self.note(False, f'"{existing.title}" ({existing.get_url() or existing.url_path})')
            return existing
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.note(True, f'"{page.title}" ({page.get_url() or page.url_path})')
        return page

    def ensure_guide(self, guides):
        """The virtual AGM guide, published with its printable PDF attached."""
        guide = virtual_agm_guide()
        existing = guides.get_children().filter(slug=guide.slug).first()
        if existing is not None:
            guide = existing.specific
            self.note(False, f'"{guide.title}" ({guide.get_url() or guide.url_path})')
            if guide.instructions_document_id is not None:
                self.note(False, f'Document "{guide.instructions_document.title}"')
                return guide
        else:
            guides.add_child(instance=guide)
            self.note(True, f'"{guide.title}" ({guide.get_url() or guide.url_path})')
        # Publishing writes the printable PDF from the page and attaches it (meetings.signals).
        guide.save_revision().publish()
        guide.refresh_from_db()
        self.note(True, f'Document "{guide.instructions_document.title}"')
        return guide

    # Settings and people -----------------------------------------------------------

    def fill_settings(self, site):
        """Fill the site's contact settings, never overwriting what an editor has set."""
        for model, values in (
            (MemberResourceCentre, MEMBER_RESOURCE_CENTRE),
            (PrivacyOfficer, PRIVACY_OFFICER),
        ):
            setting = model.for_site(site)
            blank = [field for field in values if not getattr(setting, field)]
            # "name" has a default, so it is never blank; fill it only on a fresh setting.
            for field in blank:
                setattr(setting, field, values[field])
            if blank:
                setting.save()
            self.note(bool(blank), f"Settings: {model._meta.verbose_name}", verb="filled")

    def ensure_editor(self):
        """A superuser for editors. Returns the demo password, or None if it has been changed."""
        user_model = get_user_model()
        editor = user_model.objects.filter(username=EDITOR_USERNAME).first()
        if editor is None:
            user_model.objects.create_superuser(
                username=EDITOR_USERNAME, email=EDITOR_EMAIL, password=EDITOR_PASSWORD
            )
            self.note(True, f'Editor sign-in "{EDITOR_USERNAME}"')
            return EDITOR_PASSWORD
        self.note(False, f'Editor sign-in "{EDITOR_USERNAME}"')
        # An existing account keeps its password: never reset it behind someone's back.
        return EDITOR_PASSWORD if editor.check_password(EDITOR_PASSWORD) else None

    def ensure_staff(self):
        """One sign-in per staff role, in that role's group only.

        Returns (username, group, what they do, password or None when it has been
        changed) for each. An existing account keeps its password and groups.
        """
        user_model = get_user_model()
        sign_ins = []
        for username, group_name, does in STAFF_SIGN_INS:
            group = Group.objects.filter(name=group_name).first()
            user = user_model.objects.filter(username=username).first()
            created = user is None
            if created:
                user = user_model.objects.create_user(
                    username=username,
                    email=f"{username}@northwind.example",
                    password=STAFF_PASSWORD,
                )
                if group is not None:
                    user.groups.add(group)
            self.note(created, f'Staff sign-in "{username}" ({group_name})')
            password = STAFF_PASSWORD if user.check_password(STAFF_PASSWORD) else None
            sign_ins.append((username, group_name, does, password))
        return sign_ins

    # Output ------------------------------------------------------------------------

    def note(self, done, what, verb="created"):
        self.outcomes.append((verb if done else "already present", what))

    def print_summary(self):
        width = max(len(outcome) for outcome, _ in self.outcomes)
        self.stdout.write("Demo content:")
        for outcome, what in self.outcomes:
            style = self.style.SUCCESS if outcome != "already present" else str
            self.stdout.write(f"  {style(outcome.ljust(width))}  {what}")
        changes = sum(outcome != "already present" for outcome, _ in self.outcomes)
        if changes:
            self.stdout.write(self.style.SUCCESS(f"{changes} change(s) made."))
        else:
            self.stdout.write("Everything was already in place; nothing changed.")

    def print_staff_sign_ins(self, sign_ins):
        self.stdout.write("")
        self.stdout.write(
            f"Staff sign-ins (at {ADMIN_URL}, password {STAFF_PASSWORD}), one per role:"
        )
        width = max(len(username) for username, *_ in sign_ins)
        for username, group_name, does, password in sign_ins:
            changed = "" if password else " (password changed since the demo was loaded)"
            self.stdout.write(f"  {username.ljust(width)}  {group_name}: {does}{changed}")

    def print_member_sign_ins(self, sign_ins):
        self.stdout.write("")
        self.stdout.write(
            f"Member sign-ins (at {SITE_URL}account/login/, password {DEMO_PASSWORD}):"
        )
        for person in sign_ins:
            who = f"{person['name']}, {person['where']}"
            self.stdout.write(f"  {person['role'].ljust(13)}  {person['email']}  ({who})")
        self.stdout.write(
            "  The chapter chair also chairs the Riverside Chapter AGM: its chair's page is at "
            f"{SITE_URL}meetings/riverside-chapter-agm/chair/"
        )

    def print_sign_in(self, editor_password):
        password = editor_password or (
            "(changed since the demo was loaded; it was not reset. Use "
            "`manage.py changepassword editor` to set a new one.)"
        )
        self.stdout.write("")
        self.stdout.write("Run the site with `python manage.py runserver`, then:")
        self.stdout.write(f"  Site:   {SITE_URL}")
        self.stdout.write(f"  Admin:  {ADMIN_URL}")
        self.stdout.write(f"  Editor: username {EDITOR_USERNAME}, password {password}")
        self.stdout.write("          (a superuser: every part of the admin)")
