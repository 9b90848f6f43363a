"""``manage.py import_roster FILE.csv [--dry-run]``: import the membership roster."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.roster_import import import_roster


class Command(BaseCommand):
    help = (
        "Import the membership roster from a UTF-8 CSV file. Every row is checked first; "
        "if any row is bad nothing is written. Members not in the file are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The roster as a CSV file (UTF-8).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, without writing anything.",
        )

    def handle(self, *args, file, dry_run, verbosity, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error

        report = import_roster(data, dry_run=dry_run)

        if not report.ok:
            for line in report.lines()[1:]:
                self.stderr.write(line)
            raise CommandError(report.summary())

        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(self.style.SUCCESS(report.summary()))
        if verbosity >= 1:
            # Created members by ID only at -v 2: a first import lists the whole roster.
            if verbosity >= 2:
                for change in report.created:
                    self.stdout.write(f"Create {change}")
            for change in report.updated:
                self.stdout.write(f"Update {change}")
