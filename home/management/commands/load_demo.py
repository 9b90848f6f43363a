"""Load the demo content of the fictional Northwind Workers' Union.

The content lives with each app (home/demo.py, meetings/demo.py, policies/demo.py,
staff/demo.py, members/demo.py); this command calls them in order, in one
transaction, and prints what it did and the sign-ins. Safe to run again: anything
already there is left as it is, so a second run adds no pages, documents, users or
revisions.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from home import demo as home_demo
from meetings import demo as meetings_demo
from members import demo as members_demo
from policies import demo as policies_demo
from staff import demo as staff_demo


class Command(BaseCommand):
    help = (
        "Load the Northwind Workers' Union demo content: home page, privacy statement, "
        "virtual AGM guide with its PDF, general pages, site settings, the union's "
        "structure and roster, meetings, an editor sign-in and one sign-in per staff "
        "role. Running it again changes nothing."
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

    def handle(self, *args, host, port, **options):
        # Checked before anything is written: a bad address changes nothing.
        hostname, port = home_demo.served_address(host, port)
        self.outcomes = []
        note = self.note
        with transaction.atomic():
            home, home_is_new = home_demo.load_home_page(note=note)
            site, moved = home_demo.load_site(home, hostname=hostname, port=port, note=note)
            about = home_demo.load_about(home, note=note)
            guide = meetings_demo.load_guides(home, note=note, rewrite_pdfs=moved)
            privacy_statement = policies_demo.load_policies(home, note=note)
            home_demo.load_contact(home, note=note)
            if home_is_new:
                home_demo.publish_home_page(
                    home, guide=guide, privacy_statement=privacy_statement, about=about
                )
            editor_password = staff_demo.load_editor(note=note)
            staff_sign_ins = staff_demo.load_staff(note=note)
            member_sign_ins = members_demo.load_union(note=note)
            home_demo.load_local_pages(home, note=note)
            meetings_demo.load_meetings(home, guide, note=note)

        self.site_url = site.root_url + "/"
        self.admin_url = self.site_url + "admin/"
        self.print_summary()
        self.print_sign_in(editor_password)
        self.print_staff_sign_ins(staff_sign_ins)
        self.print_member_sign_ins(member_sign_ins)

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
            f"Staff sign-ins (at {self.admin_url}, password {staff_demo.STAFF_PASSWORD}), "
            "one per role:"
        )
        width = max(len(username) for username, *_ in sign_ins)
        for username, group_name, does, password in sign_ins:
            changed = "" if password else " (password changed since the demo was loaded)"
            self.stdout.write(f"  {username.ljust(width)}  {group_name}: {does}{changed}")

    def print_member_sign_ins(self, sign_ins):
        self.stdout.write("")
        self.stdout.write(
            f"Member sign-ins (at {self.site_url}account/login/, "
            f"password {members_demo.DEMO_PASSWORD}):"
        )
        for person in sign_ins:
            who = f"{person['name']}, {person['where']}"
            self.stdout.write(f"  {person['role'].ljust(13)}  {person['email']}  ({who})")
        self.stdout.write(
            "  The chapter chair also chairs the Riverside Chapter AGM: its chair's page is at "
            f"{self.site_url}meetings/riverside-chapter-agm/chair/"
        )

    def print_sign_in(self, editor_password):
        password = editor_password or (
            "(changed since the demo was loaded; it was not reset. Use "
            "`manage.py changepassword editor` to set a new one.)"
        )
        self.stdout.write("")
        self.stdout.write("Run the site with `python manage.py runserver`, then:")
        self.stdout.write(f"  Site:   {self.site_url}")
        self.stdout.write(f"  Admin:  {self.admin_url}")
        self.stdout.write(f"  Editor: username {staff_demo.EDITOR_USERNAME}, password {password}")
        self.stdout.write("          (a superuser: every part of the admin)")
