"""Importing a delegate meeting's delegate list: each delegate's member ID and weight.

A Local's convention sends delegates who carry their members' votes; the union keeps the
list in a spreadsheet. The file replaces the meeting's whole list, all of it or (if any
row is bad) none of it: delegates in the file get its weight, delegates no longer in it
go back to one vote. Columns, by header name: ``member_id`` and ``weight``.

Each row's member must be on the roster and in the meeting's audience; a weight is a
whole number from 1 to ``MAX_WEIGHT``; a member appears once. While an item is open the
list cannot change (the open item's ballots would be counted with weights they were not
cast under): `DelegateWeight.clean` says so for the admin's one-at-a-time edits too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from meetings.ballots.models import MAX_WEIGHT, WEIGHT_KEY, DelegateWeight, weights_may_change
from members.models import Member
from members.roster_import import (
    MEMBER_ID_PATTERN,
    NOT_UTF8,
    CSVFileError,
    RowError,
    csv_rows,
    has_undecodable_bytes,
)

COLUMNS = ("member_id", "weight")
MAX_FILE_SIZE = 2 * 1024 * 1024  # 2 MB: some 100,000 delegates, far more than any meeting


@dataclass
class DelegateListReport:
    """What an import of a delegate list found and did."""

    applied: bool = False
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def ok(self):
        return not self.file_errors and not self.row_errors

    def summary(self):
        if self.file_errors:
            return "Nothing was imported: " + " ".join(self.file_errors)
        if self.row_errors:
            verb = "has a problem" if len(self.row_errors) == 1 else "have problems"
            return f"Nothing was imported: {len(self.row_errors)} of {self.rows} rows {verb}."
        return (
            f"{self.rows} delegate{'s' if self.rows != 1 else ''} in the file: "
            f"{self.added} added, {self.changed} with a new weight, {self.unchanged} "
            f"unchanged; {self.removed} no longer in the list now cast one vote."
        )


def _header(rows):
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if has_undecodable_bytes(row):
            raise CSVFileError(f"The header (line {line}): {NOT_UTF8}.")
        header = [cell.strip().lower() for cell in row]
        if sorted(header) != sorted(COLUMNS):
            raise CSVFileError(
                f"The header must name the columns member_id and weight (and no others); "
                f"this file's header is: {', '.join(header)}."
            )
        return header
    raise CSVFileError("The file is empty.")


def _weight(text):
    if not text.isascii() or not text.isdigit():
        return None, f'the weight "{text}" is not a whole number'
    weight = int(text)
    if not 1 <= weight <= MAX_WEIGHT:
        return None, f"the weight {weight} is not between 1 and {MAX_WEIGHT:,}"
    return weight, None


def _read(meeting, source, report):
    """{member pk: weight} for a good file; else the report holds every problem."""
    rows = csv_rows(source)
    header = _header(rows)
    at = {name: header.index(name) for name in COLUMNS}
    good = {}  # member ID -> (line, weight)
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        report.rows += 1
        if len(row) != len(header):
            report.row_errors.append(
                RowError(line, "", [f"the row has {len(row)} cells; the header has 2"])
            )
            continue
        member_id, weight_text = (row[at[name]].strip() for name in COLUMNS)
        reasons = []
        if has_undecodable_bytes(row):
            reasons.append(NOT_UTF8)
        elif not MEMBER_ID_PATTERN.fullmatch(member_id):
            reasons.append(f'"{member_id}" is not a member ID (six digits)')
        elif member_id in good:
            reasons.append(f"member {member_id} is already on line {good[member_id][0]}")
        weight, problem = _weight(weight_text)
        if problem:
            reasons.append(problem)
        if reasons:
            report.row_errors.append(RowError(line, member_id, reasons))
        else:
            good[member_id] = (line, weight)
    if report.rows == 0:
        report.file_errors.append("The file has a header but no delegates.")
        return {}

    # One query for the file's members in the meeting's audience, one for the roster.
    in_audience = dict(
        meeting.audience_members().filter(member_id__in=good).values_list("member_id", "pk")
    )
    on_roster = set(Member.objects.filter(member_id__in=good).values_list("member_id", flat=True))
    for member_id, (line, _) in good.items():
        if member_id not in on_roster:
            report.row_errors.append(RowError(line, member_id, ["no member has this ID"]))
        elif member_id not in in_audience:
            report.row_errors.append(
                RowError(line, member_id, [f"not a member of {meeting.audience_name}"])
            )
    report.row_errors.sort(key=lambda error: error.line)
    if report.row_errors:
        return {}
    return {in_audience[member_id]: weight for member_id, (_, weight) in good.items()}


def import_delegate_list(meeting, source):
    """Replace the meeting's delegate weights with the file's: all of it or nothing."""
    report = DelegateListReport()
    with transaction.atomic():
        try:
            weights = _read(meeting, source, report)
        except CSVFileError as error:
            report.file_errors.append(str(error))
        if not report.ok:
            return report
        try:
            weights_may_change(meeting, lock=True)
        except ValidationError as error:
            report.file_errors.extend(error.messages)
            return report
        existing = dict(
            DelegateWeight.objects.filter(meeting=meeting).values_list("member_id", "weight")
        )
        report.added = len(weights.keys() - existing.keys())
        report.removed = len(existing.keys() - weights.keys())
        report.changed = sum(
            1 for pk, weight in weights.items() if pk in existing and existing[pk] != weight
        )
        report.unchanged = len(weights) - report.added - report.changed
        DelegateWeight.objects.filter(meeting=meeting).delete()
        DelegateWeight.objects.bulk_create(
            DelegateWeight(meeting=meeting, member_id=pk, weight=weight)
            for pk, weight in weights.items()
        )
        # The meeting page shows each delegate their weight from the shared cache.
        keys = [WEIGHT_KEY.format(meeting=meeting.pk, member=pk) for pk in {*existing, *weights}]
        transaction.on_commit(lambda: cache.delete_many(keys))
        report.applied = True
    return report
