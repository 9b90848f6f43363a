"""Demo content of the home app: the union's home page as the default site's root, at
the address the site is served on, its contact settings and general pages.

Also what the other apps' demo modules share: rich text written the way the editor
stores it, `ensure_child` (publish a page unless its slug is taken), and a mail
folder for the emails the demo sends. Everything here is invented for the fictional
Northwind Workers' Union. `load_demo` calls the `load_*` functions in order; each
reports what it did with `note(done, what, verb="created")` and leaves anything
already there as it is.
"""

import datetime
import ipaddress
import re
from contextlib import contextmanager
from itertools import count
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management.base import CommandError
from django.test.utils import override_settings
from wagtail.models import Page, Site

from home.models import ContentPage, HomePage, MemberResourceCentre, PrivacyOfficer
from members.models import Chapter, Local

SITE_NAME = "Northwind Workers' Union"

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


def ensure_child(parent, page, *, note, expected_type=None):
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
        note(False, f'"{existing.title}" ({existing.get_url() or existing.url_path})')
        return existing
    parent.add_child(instance=page)
    page.save_revision().publish()
    note(True, f'"{page.title}" ({page.get_url() or page.url_path})')
    return page


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


# Loading, in the order load_demo calls it ------------------------------------------


def load_home_page(*, note):
    """The union's HomePage, in place of Wagtail's welcome page. Returns (home, is_new)."""
    home = HomePage.objects.first()
    if home is not None:
        note(False, f'Home page "{home.title}"')
        return home, False

    root = Page.get_first_root_node()
    # The welcome page is the default site's root; deleting it would delete the
    # site, so the site lets go of it first.
    Site.objects.filter(root_page__in=_welcome_pages()).update(root_page=root)
    _remove_welcome_pages(note)
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
    note(True, f'Home page "{home.title}"')
    return home, True


# runserver's "every interface" addresses: a browser on this machine opens them as localhost.
WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]"}  # noqa: S104 - names, not a bind
HOSTNAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def served_address(host, port):
    """The (hostname, port) a browser opens for a site served on ``host``:``port``.

    Raises CommandError, naming the bad value, for anything that is not a host
    name or an IP address and a port number.
    """
    host = host.strip().lower()
    if host in WILDCARD_HOSTS:
        host = "localhost"
    bare = host.removeprefix("[").removesuffix("]")
    try:
        if ipaddress.ip_address(bare).version == 6:
            host = f"[{bare}]"
    except ValueError:
        if not HOSTNAME.fullmatch(host):
            raise CommandError(
                f"--host {host!r} is not a host name or IP address; give the one the site "
                "is served on, such as 127.0.0.1 or localhost."
            ) from None
    if not 0 < port < 65536:
        raise CommandError(f"--port {port} is not a port number (1 to 65535).")
    return host, port


def load_site(home, *, hostname, port, note):
    """The default Site, rooted at the home page, at the address the site is served on.

    Wagtail makes every full address from the Site (`root_url`): the meeting
    notices' links, the sitemap, the address printed in a guide's PDF and the API's
    `html_url`. So its hostname and port are the ones `runserver` listens on, not
    the `localhost:80` of Wagtail's first migration. Also removes Wagtail's welcome
    page and fills the contact settings. Returns (site, moved): moved is True when
    an existing site's address changed, so what was written with the old one
    (guides' PDFs) can be rewritten.
    """
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.filter(hostname=hostname, port=port).first() or Site()
    moved = site.pk is not None and (site.hostname, site.port) != (hostname, port)
    changed = (
        site.pk is None
        or moved
        or site.root_page_id != home.pk
        or site.site_name != SITE_NAME
        or not site.is_default_site
    )
    taken = Site.objects.exclude(pk=site.pk).filter(hostname=hostname, port=port).first()
    if taken is not None:
        raise CommandError(
            f'The site "{taken}" already has the address {taken.root_url}; give the '
            "default site another address, or delete that site, and run again."
        )
    if changed:
        site.hostname, site.port = hostname, port
        site.root_page = home
        site.site_name = SITE_NAME
        site.is_default_site = True
        site.save()
    note(changed, f"Default site {site.root_url}", verb="updated")
    _remove_welcome_pages(note)
    _fill_settings(site, note)
    return site, moved


def _welcome_pages():
    """Wagtail's "Welcome" page: a plain Page just under the root, with nothing below it."""
    plain_page = ContentType.objects.get_for_model(Page)
    return Page.objects.filter(depth=2, content_type=plain_page, numchild=0)


def _remove_welcome_pages(note):
    for page in _welcome_pages():
        if page.sites_rooted_here.exists():
            continue  # still some site's root; deleting it would delete the site
        page.delete()
        note(True, f'Wagtail\'s "{page.title}" page', verb="removed")


def _fill_settings(site, note):
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
        note(bool(blank), f"Settings: {model._meta.verbose_name}", verb="filled")


def load_about(home, *, note):
    return ensure_child(home, about_page(), note=note)


def load_contact(home, *, note):
    return ensure_child(home, contact_page(), note=note)


def publish_home_page(home, *, guide, privacy_statement, about):
    """The new home page's body links to its children, so it is published once they exist."""
    home.body = home_page_body(guide=guide, privacy_statement=privacy_statement, about=about)
    home.save_revision().publish()


def load_local_pages(home, *, note):
    """Pages aimed at one Local: after the union's structure exists."""
    return ensure_child(home, local_bargaining_page(), note=note)


# The demo's emails -------------------------------------------------------------------


class EmailFolderBackend(BaseEmailBackend):
    """Writes each email to its own .eml file in EMAIL_FILE_PATH; any mail program opens one.

    Django's file backend writes every message of a connection into one log file,
    which mail programs cannot open.
    """

    def send_messages(self, email_messages):
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        for message in email_messages:
            recipient = re.sub(r"[^\w.@-]", "_", (message.to or ["no-recipient"])[0])
            data = message.message().as_bytes(linesep="\r\n")
            for number in count(1):
                try:
                    with open(folder / f"{stamp}-{number:02d}-{recipient}.eml", "xb") as file:
                        file.write(data)
                    break
                except FileExistsError:
                    continue
        return len(email_messages)


@contextmanager
def emails_kept_in(folder):
    """Emails sent inside the block become .eml files in ``folder`` instead of being sent.

    Yields a list that, when the block ends, holds the paths of the files written.
    """
    folder = Path(folder)
    before = set(folder.glob("*.eml"))
    written = []
    with override_settings(
        EMAIL_BACKEND=f"{__name__}.EmailFolderBackend", EMAIL_FILE_PATH=str(folder)
    ):
        try:
            yield written
        finally:
            written.extend(sorted(set(folder.glob("*.eml")) - before))
