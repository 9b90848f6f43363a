"""Importing the membership roster from a CSV file.

The file is checked as a whole before anything is written: every bad row is
reported with its line number and reason, and a file with any bad row writes
nothing. A good file creates the members it adds and updates, field by field,
the members whose details changed; members on the roster but not in the file
are left alone. The management command ``import_roster`` and the admin upload
view both go through :func:`check_roster` and :func:`import_roster`.

The columns, by header name:

- required: ``member_id, given_name, family_name, local, standing``
- optional: ``chapter, email, phone, address_line_1, address_line_2, city,
  province, postal_code, meeting_notices, newsletter, partner_mailings,
  refuses_postal_mail, refuses_email, refuses_contact_sharing``

``local`` is the Local's number and ``chapter`` the Chapter's number within that
Local. A column the file has is taken as the roster's word for every row: a
blank ``chapter`` means no Chapter and a blank text cell clears the field. The
one exception is a blank yes/no cell, which means the default for a new member
and "leave as it is" for an existing one. A column the file lacks leaves that
field alone.

Everything is done with a fixed number of queries however long the file is: the
Locals, Chapters and existing members are read once into dicts, and the writes
are batched.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import Chapter, Local, Member, Standing

REQUIRED_COLUMNS = ("member_id", "given_name", "family_name", "local", "standing")

# CSV column -> Member field, for the columns that hold text.
TEXT_COLUMNS = {
    "given_name": "given_name",
    "family_name": "family_name",
    "email": "email",
    "phone": "phone",
    "address_line_1": "address_line_1",
    "address_line_2": "address_line_2",
    "city": "city",
    "province": "province",
    "postal_code": "postal_code",
}

# CSV column -> Member field, for the yes/no columns.
YES_NO_COLUMNS = {
    "meeting_notices": "wants_meeting_notices",
    "newsletter": "wants_newsletter",
    "partner_mailings": "wants_partner_mailings",
    "refuses_postal_mail": "refuses_postal_mail",
    "refuses_email": "refuses_email",
    "refuses_contact_sharing": "refuses_contact_sharing",
}

OPTIONAL_COLUMNS = (
    "chapter",
    "email",
    "phone",
    "address_line_1",
    "address_line_2",
    "city",
    "province",
    "postal_code",
    *YES_NO_COLUMNS,
)
ALL_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)

# The Member fields an import can write, and the CSV column each one comes from.
FIELD_COLUMNS = {
    **{model_field: column for column, model_field in TEXT_COLUMNS.items()},
    "local_id": "local",
    "chapter_id": "chapter",
    "standing": "standing",
    **{model_field: column for column, model_field in YES_NO_COLUMNS.items()},
}

IMPORTED_FIELDS = tuple(FIELD_COLUMNS)

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}

# ASCII digits only: \d would also take other scripts' digits.
MEMBER_ID_PATTERN = re.compile(r"[0-9]{6}")
NUMBER_PATTERN = re.compile(r"[0-9]{1,9}")
STANDINGS = {
    **{value: value for value in Standing.values},
    **{str(label).lower(): value for value, label in Standing.choices},
}

BATCH_SIZE = 1000
# bulk_update sets each field with a CASE of one WHEN per row in the batch, and
# the database tries the WHENs in turn: small batches keep that cheap.
UPDATE_BATCH_SIZE = 100

_email_validator = EmailValidator()


def _count(number, noun):
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass
class RowError:
    """One bad row: its line in the file (the header is line 1) and what is wrong."""

    line: int
    member_id: str
    reasons: list[str]

    def __str__(self):
        return f"Line {self.line}: {'; '.join(self.reasons)}"


@dataclass
class MemberChange:
    """A member the import creates or updates, and (for updates) the columns that change."""

    line: int
    member_id: str
    name: str
    columns: list[str] = field(default_factory=list)

    def __str__(self):
        if self.columns:
            return f"{self.member_id} {self.name} (line {self.line}): {', '.join(self.columns)}"
        return f"{self.member_id} {self.name} (line {self.line})"


@dataclass
class RosterReport:
    """What a check or an import of a roster file found and did."""

    dry_run: bool = True
    applied: bool = False
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: list[MemberChange] = field(default_factory=list)
    updated: list[MemberChange] = field(default_factory=list)
    unchanged: int = 0
    not_in_file: int = 0
    # A fingerprint of exactly what the import would write, given the roster as
    # it stood when checked; applying refuses if the roster has moved since.
    plan_digest: str = ""

    @property
    def ok(self):
        return not self.file_errors and not self.row_errors

    @property
    def created_count(self):
        return len(self.created)

    @property
    def updated_count(self):
        return len(self.updated)

    def summary(self):
        """One sentence with the counts."""
        if self.file_errors:
            return "The file was not imported: " + " ".join(self.file_errors)
        if self.row_errors:
            verb = "has a problem" if len(self.row_errors) == 1 else "have problems"
            return f"Nothing was imported: {len(self.row_errors)} of {self.rows} rows {verb}."
        create, update = ("created", "updated") if self.applied else ("to create", "to update")
        not_in_file = (
            "1 member on the roster is not in the file and is left as it is."
            if self.not_in_file == 1
            else f"{self.not_in_file} members on the roster are not in the file "
            "and are left as they are."
        )
        return (
            f"{_count(self.rows, 'row')} read: {_count(self.created_count, 'member')} "
            f"{create}, {self.updated_count} {update}, {self.unchanged} unchanged. {not_in_file}"
        )

    def lines(self):
        """The whole report as lines of text, for the command line and logs."""
        out = [self.summary()]
        for error in self.file_errors:
            out.append(f"File: {error}")
        out.extend(str(error) for error in self.row_errors)
        if self.ok:
            out.extend(f"Create {change}" for change in self.created)
            out.extend(f"Update {change}" for change in self.updated)
        return out


@dataclass
class _Plan:
    # Member ID -> field values; made into Members only when they are written.
    new_members: dict[str, dict] = field(default_factory=dict)
    # Members to update, grouped by the set of fields that change, so each
    # UPDATE writes only the fields that changed.
    updates: dict[tuple[str, ...], list[Member]] = field(default_factory=dict)


class CSVFileError(Exception):
    """A problem with the file as a whole; no row is checked."""


def csv_rows(source):
    """A CSV file's (line, row) pairs, line being the row's first line in the file: the
    one reading of an uploaded CSV file (the roster, a delegate list). Raises
    CSVFileError for a file that is not CSV text as a whole."""
    return _numbered_rows(_decode(_read_bytes(source)))


def _read_bytes(source):
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    if hasattr(source, "chunks"):  # a Django UploadedFile
        source.seek(0)
        return b"".join(source.chunks())
    return source.read()


def _decode(data):
    """The file as text. Bytes that are not UTF-8 become lone surrogates, so each
    row holding them can be reported by its line rather than the file as a whole."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CSVFileError(
            'The file is saved as UTF-16; save it as "CSV UTF-8 (comma delimited)" and try again.'
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return data.decode("utf-8", errors="surrogateescape")


_UNDECODABLE = re.compile("[\udc80-\udcff]")


def has_undecodable_bytes(values):
    return bool(_UNDECODABLE.search("".join(values)))


NOT_UTF8 = (
    'the text is not UTF-8 (in a spreadsheet, save the file as "CSV UTF-8 (comma delimited)")'
)


_HAS_NUL = (
    "the row holds a NUL character, so it is not plain text (is this a CSV file, saved as "
    '"CSV UTF-8 (comma delimited)"?)'
)


def _read_header(rows):
    """The header row's column names, after checking them."""
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank lines before the header
        if has_undecodable_bytes(row):
            raise CSVFileError(f"The header (line {line}): {NOT_UTF8}.")
        header = [cell.strip().lower() for cell in row]
        problems = []
        unknown = [name for name in header if name not in ALL_COLUMNS]
        if unknown:
            names = ", ".join(f'"{name}"' for name in unknown)
            problems.append(f"Unknown columns: {names}.")
            if len(header) == 1 and ";" in header[0]:
                problems.append("The columns look separated by semicolons; use commas.")
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            problems.append(f"Columns named more than once: {', '.join(duplicates)}.")
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            problems.append(f"Missing required columns: {', '.join(missing)}.")
        if problems:
            problems.append(f"The columns a roster file may have are: {', '.join(ALL_COLUMNS)}.")
            raise CSVFileError(" ".join(problems))
        return header
    raise CSVFileError("The file is empty.")


def _numbered_rows(text):
    """(line, row) pairs, where line is the row's first line in the file."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next_line = 1
    try:
        for row in reader:
            yield next_line, row
            next_line = reader.line_num + 1
    except csv.Error as error:
        raise CSVFileError(
            f"Line {reader.line_num + 1} cannot be read as CSV ({error})."
        ) from error


def _max_length(field_name):
    return Member._meta.get_field(field_name).max_length


class _RosterChecker:
    """Checks rows against the roster as loaded once at the start."""

    def __init__(self, header):
        self.header = header
        self.columns = set(header)
        self.locals_by_number = dict(Local.objects.values_list("number", "pk"))
        self.chapters = {}  # (Local pk, Chapter number) -> Chapter pk
        self.local_of_chapter = {}  # Chapter pk -> Local pk
        self.locals_of_chapter_number = defaultdict(list)  # Chapter number -> Local numbers
        local_numbers = {pk: number for number, pk in self.locals_by_number.items()}
        for pk, local_id, number in Chapter.objects.values_list("pk", "local_id", "number"):
            self.chapters[(local_id, number)] = pk
            self.local_of_chapter[pk] = local_id
            self.locals_of_chapter_number[number].append(local_numbers[local_id])
        self.existing = {
            row[0]: row[1:]
            for row in Member.objects.order_by().values_list("member_id", "pk", *IMPORTED_FIELDS)
        }
        self.field_index = {name: index + 1 for index, name in enumerate(IMPORTED_FIELDS)}
        self.lines_by_member_id = {}
        self.max_lengths = {column: _max_length(name) for column, name in TEXT_COLUMNS.items()}

    def check(self, line, row):
        """The Member field values a row asks for, and its problems."""
        reasons = []
        if len(row) != len(self.header):
            reasons.append(
                f"the row has {len(row)} values but the header has {len(self.header)} columns"
            )
            return None, reasons
        if has_undecodable_bytes(row):
            reasons.append(NOT_UTF8)
            return None, reasons
        if any("\x00" in cell for cell in row):
            # No roster value holds one, and PostgreSQL cannot store one.
            reasons.append(_HAS_NUL)
            return None, reasons
        cells = {name: value.strip() for name, value in zip(self.header, row, strict=True)}
        values = {}

        member_id = cells["member_id"]
        if not member_id:
            reasons.append("member_id is missing")
        elif not MEMBER_ID_PATTERN.fullmatch(member_id):
            hint = ""
            if NUMBER_PATTERN.fullmatch(member_id) and len(member_id) < 6:
                hint = " (a spreadsheet may have dropped its leading zeros)"
            reasons.append(f'member ID "{member_id}" is not exactly six digits, e.g. 004217{hint}')
        elif member_id in self.lines_by_member_id:
            reasons.append(
                f"member ID {member_id} is also on line {self.lines_by_member_id[member_id]}"
            )
        else:
            self.lines_by_member_id[member_id] = line

        for column, model_field in TEXT_COLUMNS.items():
            if column not in self.columns:
                continue
            value = cells[column]
            if not value and column in REQUIRED_COLUMNS:
                reasons.append(f"{column} is missing")
            elif len(value) > self.max_lengths[column]:
                reasons.append(
                    f"{column} is {len(value)} characters long; "
                    f"the most allowed is {self.max_lengths[column]}"
                )
            elif column == "email" and value:
                try:
                    _email_validator(value)
                except ValidationError:
                    reasons.append(f'email "{value}" is not a valid email address')
                else:
                    values[model_field] = value
            else:
                values[model_field] = value

        local_id = None
        local_number = cells["local"]
        if not local_number:
            reasons.append("local is missing")
        elif not NUMBER_PATTERN.fullmatch(local_number):
            reasons.append(f'local "{local_number}" is not a Local number')
        elif int(local_number) not in self.locals_by_number:
            reasons.append(f"there is no Local {int(local_number)}")
        else:
            local_id = self.locals_by_number[int(local_number)]
            values["local_id"] = local_id

        if "chapter" in self.columns:
            chapter_number = cells["chapter"]
            if not chapter_number:
                values["chapter_id"] = None
            elif not NUMBER_PATTERN.fullmatch(chapter_number):
                reasons.append(f'chapter "{chapter_number}" is not a Chapter number')
            elif int(chapter_number) not in self.locals_of_chapter_number:
                reasons.append(f"there is no Chapter {int(chapter_number)} in any Local")
            elif local_id is not None:
                chapter_id = self.chapters.get((local_id, int(chapter_number)))
                if chapter_id is None:
                    elsewhere = ", ".join(
                        str(number)
                        for number in sorted(self.locals_of_chapter_number[int(chapter_number)])
                    )
                    reasons.append(
                        f"Chapter {int(chapter_number)} is not in Local {int(local_number)} "
                        f"(Locals with a Chapter {int(chapter_number)}: {elsewhere})"
                    )
                else:
                    values["chapter_id"] = chapter_id

        standing = cells["standing"]
        if not standing:
            reasons.append("standing is missing")
        elif standing.lower() not in STANDINGS:
            reasons.append(f'standing "{standing}" is not one of: {", ".join(Standing.values)}')
        else:
            values["standing"] = STANDINGS[standing.lower()]

        for column, model_field in YES_NO_COLUMNS.items():
            if column not in self.columns or not cells[column]:
                continue
            answer = cells[column].lower()
            if answer in YES:
                values[model_field] = True
            elif answer in NO:
                values[model_field] = False
            else:
                reasons.append(f'{column} "{cells[column]}" is not yes or no')

        if reasons:
            return None, reasons
        return (member_id, values), reasons

    def changes(self, member_id, values):
        """For an existing member: its pk and {field: (old, new)} for the fields that differ."""
        existing = self.existing[member_id]
        if "chapter_id" not in values:
            # The file says nothing of Chapters: keep the member's Chapter, unless
            # they moved to a Local it is not part of.
            chapter_id = existing[self.field_index["chapter_id"]]
            if chapter_id is not None and self.local_of_chapter[chapter_id] != values["local_id"]:
                values = {**values, "chapter_id": None}
        differences = {}
        for name, new in values.items():
            old = existing[self.field_index[name]]
            if old != new:
                differences[name] = (old, new)
        return existing[0], differences


def _digest_line(*parts):
    return "\x1f".join("" if part is None else str(part) for part in parts) + "\x1e"


def _plan_roster(data, *, dry_run):
    """Check a roster file and work out what importing it would write."""
    report = RosterReport(dry_run=dry_run)
    plan = _Plan()
    try:
        rows = _numbered_rows(_decode(data))
        header = _read_header(rows)
        checker = _RosterChecker(header)
        good_rows = []
        for line, row in rows:
            if not any(cell.strip() for cell in row):
                continue  # blank lines are not rows
            report.rows += 1
            result, reasons = checker.check(line, row)
            if reasons:
                member_id = (
                    row[header.index("member_id")].strip() if len(row) == len(header) else ""
                )
                report.row_errors.append(RowError(line, member_id, reasons))
            else:
                good_rows.append((line, *result))
    except CSVFileError as error:
        report.file_errors.append(str(error))
        return report, plan
    if report.rows == 0:
        report.file_errors.append("The file has a header but no member rows.")
        return report, plan
    report.not_in_file = len(checker.existing.keys() - checker.lines_by_member_id.keys())
    if report.row_errors:
        return report, plan

    digest = hashlib.sha256()
    now = timezone.now()
    for line, member_id, values in good_rows:
        name = f"{values.get('given_name', '')} {values.get('family_name', '')}".strip()
        if member_id not in checker.existing:
            plan.new_members[member_id] = values
            report.created.append(MemberChange(line, member_id, name))
            digest.update(
                _digest_line("create", member_id, *sorted(values.items())).encode(
                    "utf-8", "surrogatepass"
                )
            )
            continue
        pk, differences = checker.changes(member_id, values)
        if not differences:
            report.unchanged += 1
            continue
        fields = tuple(sorted(differences))
        member = Member(pk=pk, member_id=member_id, updated_at=now)
        for field_name, (_old, new) in differences.items():
            setattr(member, field_name, new)
        plan.updates.setdefault(fields, []).append(member)
        report.updated.append(
            MemberChange(
                line,
                member_id,
                name,
                # in the order of the file's columns
                sorted((FIELD_COLUMNS[f] for f in fields), key=ALL_COLUMNS.index),
            )
        )
        digest.update(
            _digest_line("update", member_id, *sorted(differences.items())).encode(
                "utf-8", "surrogatepass"
            )
        )
    report.plan_digest = digest.hexdigest()
    return report, plan


def check_roster(source):
    """Check a roster file without writing anything.

    ``source`` is the file's bytes, a path, or a binary file object. The report
    lists every bad row, or else what an import would create and update.
    """
    report, _plan = _plan_roster(_read_bytes(source), dry_run=True)
    return report


def import_roster(source, *, dry_run, expected_digest=None):
    """Import a roster file: all of it, or (if any row is bad) none of it.

    With ``dry_run`` this is :func:`check_roster`. ``expected_digest`` is the
    ``plan_digest`` of an earlier check of the same file; if the roster has
    changed since, so that the import would now write something else, nothing
    is written and the report says to check again.
    """
    data = _read_bytes(source)
    if dry_run:
        return check_roster(data)
    try:
        with transaction.atomic():
            report, plan = _plan_roster(data, dry_run=False)
            if not report.ok:
                return report
            if expected_digest is not None and expected_digest != report.plan_digest:
                report.file_errors.append(
                    "The roster has changed since this file was checked, so the import "
                    "would no longer do what the check showed. Check the file again."
                )
                return report
            Member.objects.bulk_create(
                (
                    Member(member_id=member_id, **values)
                    for member_id, values in plan.new_members.items()
                ),
                batch_size=BATCH_SIZE,
            )
            for fields, members in plan.updates.items():
                Member.objects.bulk_update(
                    members, [*fields, "updated_at"], batch_size=UPDATE_BATCH_SIZE
                )
            report.applied = True
            return report
    except IntegrityError:
        # Someone added one of these member IDs while the import ran.
        return RosterReport(
            dry_run=False,
            file_errors=[
                "The roster changed while the file was being imported, so nothing was "
                "imported. Check the file again."
            ],
        )
