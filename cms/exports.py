"""Every CSV file the site hands out, written one way.

Mailing lists, chairs' contact lists, meeting results and registers are all
opened in spreadsheets, where a cell that starts with `=`, `+`, `-` or `@` runs
as a formula (`=HYPERLINK(...)` in a candidate's name would). `csv_response`
writes each cell through `spreadsheet_safe`, adds a byte-order mark so
spreadsheets read accented names as UTF-8, and keeps the file out of every
cache. A file that holds members' personal information names them in
`personal`, and is then written to the access log before it is handed out.
"""

import csv
import io
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.text import slugify

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell's text, with a leading apostrophe where a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass
class PersonalData:
    """What an export shows of whom, for the access log (`members.access_log`)."""

    what: str
    members: list
    role: str
    reason: str = ""

    def record(self, request, action):
        """Write it to the access log as seen by `request`'s user, in one `action`."""
        from members.access_log import record_access

        return record_access(
            request,
            action=action,
            what=self.what,
            members=self.members,
            role=self.role,
            reason=self.reason,
        )


def csv_response(request, *, filename, header, rows, personal=None):
    """A CSV download of `rows` under `header`, safe to open in a spreadsheet.

    With `personal`, the export is written to the access log first (who, what,
    whose, why), so nothing personal leaves the site unrecorded.
    """
    if personal is not None:
        from members.models import AccessLogEntry

        personal.record(request, AccessLogEntry.Action.EXPORT)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename) or "export"}.csv"'
    add_never_cache_headers(response)
    return response


def private_file(content, *, content_type, filename, inline=False):
    """A file for the one person who asked (a calendar entry, minutes, receipts): named,
    opened in the browser or saved, and kept out of shared caches."""
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    patch_cache_control(response, private=True, no_cache=True)
    return response
