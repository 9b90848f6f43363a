"""Load the demo content of the fictional Northwind Workers' Union.

The content lives with each app (home/demo.py, meetings/demo.py, policies/demo.py,
staff/demo.py, members/demo.py); this command calls them in order, in one
transaction, and prints a short summary: the pages' addresses on the host and port
the site is served on, and the sign-ins. Safe to run again: anything already there
is left as it is, so a second run adds no pages, documents, users or revisions.
"""

from contextlib import nullcontext
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from home import demo as home_demo
from meetings import demo as meetings_demo
from members import demo as members_demo
from policies import demo as policies_demo
from staff import demo as staff_demo

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


class Command(BaseCommand):
    help = (
        "Load the Northwind Workers' Union demo content: pages, the guide and its PDF, "
        "site settings, the union's structure and roster, meetings, and demo sign-ins "
        "for staff and members. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="The host the site is served on (runserver's), for the site's own "
            "addresses: links in emails, the sitemap, guides' PDFs. Default 127.0.0.1.",
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="The port it is served on. Default 8000."
        )
        parser.add_argument(
            "--email-folder",
            type=Path,
            default=settings.BASE_DIR / "sent-emails",
            help="Where the emails the demo sends (meeting notices) are saved as .eml "
            "files when the site prints emails on the console. Default sent-emails/.",
        )
        parser.add_argument(
            "--print-emails",
            action="store_true",
            help="Print the demo's emails on the console instead of saving them.",
        )

    def handle(self, *args, host, port, email_folder, print_emails, verbosity, **options):
        # Checked before anything is written: a bad address changes nothing.
        hostname, port = home_demo.served_address(host, port)
        self.outcomes = []
        note = self.note
        # Seven full notices would bury the sign-ins (and the console is where the
        # developer reads the site's own emails, such as sign-up links).
        keep_emails = settings.EMAIL_BACKEND == CONSOLE_EMAIL and not print_emails
        emails_kept = home_demo.emails_kept_in(email_folder) if keep_emails else nullcontext([])
        with emails_kept as emails, transaction.atomic():
            home, home_is_new = home_demo.load_home_page(note=note)
            site, moved = home_demo.load_site(home, hostname=hostname, port=port, note=note)
            about = home_demo.load_about(home, note=note)
            guide = meetings_demo.load_guides(home, note=note, rewrite_pdfs=moved)
            privacy_statement = policies_demo.load_policies(home, note=note)
            contact = home_demo.load_contact(home, note=note)
            if home_is_new:
                home_demo.publish_home_page(
                    home, guide=guide, privacy_statement=privacy_statement, about=about
                )
            editor_password = staff_demo.load_editor(note=note)
            staff_sign_ins = staff_demo.load_staff(note=note)
            member_sign_ins = members_demo.load_union(note=note)
            bargaining = home_demo.load_local_pages(home, note=note)
            meetings = meetings_demo.load_meetings(home, guide, note=note)

        if verbosity < 1:
            return
        self.print_outcomes(verbose=verbosity > 1)
        if emails:
            self.print_emails(emails, email_folder)
        pages = [about, guide.get_parent(), guide, privacy_statement, contact, bargaining]
        self.print_addresses(site, pages, list(meetings.values()))
        self.print_staff_sign_ins(site, editor_password, staff_sign_ins)
        self.print_member_sign_ins(site, member_sign_ins, meetings["riverside-chapter-agm"])

    def note(self, done, what, verb="created"):
        self.outcomes.append((verb if done else "already present", what))

    def write(self, *lines):
        for line in lines:
            self.stdout.write(line)

    def print_outcomes(self, *, verbose):
        changes = [outcome for outcome, _ in self.outcomes if outcome != "already present"]
        if verbose:
            width = max(len(outcome) for outcome, _ in self.outcomes)
            self.write("Demo content:")
            self.write(*(f"  {outcome.ljust(width)}  {what}" for outcome, what in self.outcomes))
        if changes:
            more = "" if verbose else " (load_demo -v 2 lists everything)"
            self.write(self.style.SUCCESS(f"Demo content loaded: {len(changes)} change(s){more}."))
        else:
            self.write("Demo content: everything was already in place; nothing changed.")

    def print_emails(self, emails, folder):
        folder = folder.resolve()
        if folder.is_relative_to(settings.BASE_DIR):
            folder = f"{folder.relative_to(settings.BASE_DIR)}/"
        self.write(
            f"The demo's {len(emails)} meeting notice email(s) are saved in {folder} as .eml "
            "files (a mail program opens them; --print-emails prints them instead)."
        )

    def print_addresses(self, site, pages, meetings):
        serve = f"manage.py runserver {site.hostname}:{site.port}"
        self.write("", f"The site: {site.root_url}/  (make run serves it, or `{serve}`)")
        rows = [(page.title, page.get_full_url()) for page in pages]
        rows.append(("Meetings", meetings[0].get_parent().get_full_url()))
        for meeting in meetings:
            under_way = " (under way)" if meeting.room_is_open() else ""
            rows.append((f"{meeting.title}{under_way}", meeting.get_full_url()))
        width = max(len(title) for title, _ in rows)
        self.write(*(f"  {title.ljust(width)}  {url}" for title, url in rows))
        self.write("  A meeting page shows the meeting only to members who may attend: sign in.")

    def print_staff_sign_ins(self, site, editor_password, sign_ins):
        password = editor_password or (
            "changed since the demo was loaded (`manage.py changepassword editor` sets one)"
        )
        width = max(len(username) for username, *_ in sign_ins)
        self.write(
            "",
            f"Admin: {site.root_url}/admin/",
            f"  {staff_demo.EDITOR_USERNAME.ljust(width)}  password {password}: a superuser",
            f"  One sign-in per staff role, password {staff_demo.STAFF_PASSWORD}:",
        )
        for username, group_name, does, password in sign_ins:
            changed = "" if password else " (password changed since the demo was loaded)"
            self.write(f"  {username.ljust(width)}  {group_name}: {does}{changed}")
        self.write(
            f"  The scrutineer's ballot passphrase is {staff_demo.BALLOT_PASSPHRASE}; "
            f"they change it at {site.root_url}/scrutineer/passphrase/"
        )

    def print_member_sign_ins(self, site, sign_ins, chaired_meeting):
        self.write(
            "",
            f"Members sign in at {site.root_url}/account/login/ "
            f"(password {members_demo.DEMO_PASSWORD}):",
        )
        width = max(len(person["role"]) for person in sign_ins)
        for person in sign_ins:
            who = f"{person['name']}, {person['where']}"
            self.write(f"  {person['role'].ljust(width)}  {person['email']}  ({who})")
        self.write(
            f"  The chapter chair chairs the {chaired_meeting.title}: "
            f"{chaired_meeting.get_full_url()}chair/"
        )
        for proxy in meetings_demo.demo_proxies(chaired_meeting):
            self.write(
                f"  {proxy.holder.full_name} holds the proxy of {proxy.giver.full_name} at that "
                "meeting: their ballot has a vote for each of them. Membership staff keep the "
                f"proxy register at {site.root_url}/admin/meetings/proxies/"
            )
