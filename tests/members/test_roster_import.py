"""Importing the roster from CSV: checking, importing, and the import_roster command."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.factories import ChapterFactory, LocalFactory, MemberFactory, SectorFactory
from members.models import Member, Standing
from members.roster_import import check_roster, import_roster

HEADER = "member_id,given_name,family_name,local,chapter,email,standing"


def roster(*lines, header=HEADER):
    """A roster file's bytes: the header, then one line per row."""
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def writes_in(queries):
    return [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


@pytest.fixture
def units(db):
    """Local 54 with Chapters 1 and 2; Local 12 with Chapter 3."""
    health = SectorFactory(name="Health care", slug="health-care")
    local_54 = LocalFactory(number=54, sector=health)
    local_12 = LocalFactory(number=12, sector=health)
    return {
        "local_54": local_54,
        "local_12": local_12,
        "chapter_54_1": ChapterFactory(local=local_54, number=1),
        "chapter_54_2": ChapterFactory(local=local_54, number=2),
        "chapter_12_3": ChapterFactory(local=local_12, number=3),
    }


GOOD_ROWS = (
    "004217,Ada,Lovelace,54,1,ada@example.org,active",
    "000001,Grace,Hopper,54,,grace@example.org,Active",
    "120000,Mary,Jackson,12,3,,suspended",
)


# A valid file


def test_valid_file_creates_members_keeping_leading_zeros(units):
    report = import_roster(roster(*GOOD_ROWS), dry_run=False)

    assert report.ok and report.applied
    assert (report.created_count, report.updated_count, report.unchanged) == (3, 0, 0)
    ada = Member.objects.get(member_id="004217")
    assert (ada.given_name, ada.local, ada.chapter) == (
        "Ada",
        units["local_54"],
        units["chapter_54_1"],
    )
    grace = Member.objects.get(member_id="000001")
    assert grace.chapter is None
    assert grace.standing == Standing.ACTIVE
    assert Member.objects.get(member_id="120000").standing == Standing.SUSPENDED


def test_blank_or_missing_yes_no_columns_take_the_defaults_on_create(units):
    data = roster(
        "004217,Ada,Lovelace,54,,,active,,yes,n",
        header=HEADER + ",meeting_notices,newsletter,refuses_email",
    )
    import_roster(data, dry_run=False)

    ada = Member.objects.get(member_id="004217")
    assert ada.wants_meeting_notices is True  # blank: the default
    assert ada.wants_newsletter is True
    assert ada.refuses_email is False
    assert ada.wants_partner_mailings is False  # no column: the default
    assert ada.refuses_contact_sharing is False


def test_yes_no_values_are_read_in_any_case(units):
    header = HEADER + ",newsletter,partner_mailings,refuses_email,refuses_postal_mail"
    import_roster(
        roster("004217,Ada,Lovelace,54,,,active,NO,True,Y,1", header=header), dry_run=False
    )

    ada = Member.objects.get(member_id="004217")
    assert (ada.wants_newsletter, ada.wants_partner_mailings) == (False, True)
    assert (ada.refuses_email, ada.refuses_postal_mail) == (True, True)


def test_file_with_byte_order_mark_is_accepted(units):
    report = import_roster(b"\xef\xbb\xbf" + roster(*GOOD_ROWS), dry_run=False)

    assert report.ok
    assert Member.objects.count() == 3


def test_accented_names_in_utf8_are_imported(units):
    import_roster(roster("004217,Zoë,Bélanger-Côté,54,,,active"), dry_run=False)

    assert Member.objects.get(member_id="004217").family_name == "Bélanger-Côté"


def test_check_reports_what_would_change_and_writes_nothing(units):
    report = check_roster(roster(*GOOD_ROWS))

    assert report.ok and not report.applied and report.dry_run
    assert report.created_count == 3
    assert [change.member_id for change in report.created] == ["004217", "000001", "120000"]
    assert Member.objects.count() == 0


def test_dry_run_import_writes_nothing(units):
    with CaptureQueriesContext(connection) as queries:
        report = import_roster(roster(*GOOD_ROWS), dry_run=True)

    assert report.created_count == 3
    assert writes_in(queries) == []
    assert Member.objects.count() == 0


# Bad rows: each named by its line (the header is line 1) and its reason


BAD_ROWS = {
    "member ID of five digits": ("04217,Ada,Lovelace,54,1,,active", "leading zeros"),
    "member ID with letters": ("00421A,Ada,Lovelace,54,1,,active", "not exactly six digits"),
    "member ID of seven digits": ("0042170,Ada,Lovelace,54,1,,active", "not exactly six digits"),
    "member ID in non-ASCII digits": ("٠٠٤٢١٧,Ada,Lovelace,54,1,,active", "not exactly six"),
    "missing member ID": (",Ada,Lovelace,54,1,,active", "member_id is missing"),
    "unknown Local": ("004217,Ada,Lovelace,99,,,active", "there is no Local 99"),
    "Local not a number": ("004217,Ada,Lovelace,Local 54,,,active", "not a Local number"),
    "unknown Chapter": ("004217,Ada,Lovelace,54,7,,active", "no Chapter 7 in any Local"),
    "Chapter of another Local": (
        "004217,Ada,Lovelace,54,3,,active",
        "Chapter 3 is not in Local 54",
    ),
    "bad email": ("004217,Ada,Lovelace,54,1,ada@,active", 'email "ada@" is not a valid'),
    "missing given name": ("004217,,Lovelace,54,1,,active", "given_name is missing"),
    "missing family name": ("004217,Ada,,54,1,,active", "family_name is missing"),
    "missing Local": ("004217,Ada,Lovelace,,,,active", "local is missing"),
    "missing standing": ("004217,Ada,Lovelace,54,1,,", "standing is missing"),
    "bad standing": ("004217,Ada,Lovelace,54,1,,retired", 'standing "retired" is not one of'),
    "name too long": (f"004217,{'A' * 101},Lovelace,54,1,,active", "given_name is 101 characters"),
    "too few values": ("004217,Ada,Lovelace,54,1,active", "has 6 values but the header has 7"),
    "too many values": ("004217,Ada,Lovelace,54,1,,active,x", "has 8 values"),
}


@pytest.mark.parametrize("bad_row, reason", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_row_is_reported_with_its_line_and_reason(units, bad_row, reason):
    report = check_roster(roster(GOOD_ROWS[0], GOOD_ROWS[1], bad_row, GOOD_ROWS[2]))

    assert not report.ok
    assert [error.line for error in report.row_errors] == [4]
    assert reason in str(report.row_errors[0])
    assert str(report.row_errors[0]).startswith("Line 4: ")


def test_bad_yes_no_value_is_reported_with_its_line(units):
    report = check_roster(
        roster("004217,Ada,Lovelace,54,,,active,maybe", header=HEADER + ",newsletter")
    )

    assert [(error.line, error.reasons) for error in report.row_errors] == [
        (2, ['newsletter "maybe" is not yes or no'])
    ]


def test_field_too_long_for_province_is_reported(units):
    report = check_roster(
        roster("004217,Ada,Lovelace,54,,,active,Alberta", header=HEADER + ",province")
    )

    assert "province is 7 characters long; the most allowed is 2" in str(report.row_errors[0])


def test_duplicate_member_id_names_the_earlier_line(units):
    report = check_roster(roster(*GOOD_ROWS, "004217,Ada,King,54,,,active"))

    assert [str(error) for error in report.row_errors] == [
        "Line 5: member ID 004217 is also on line 2"
    ]


def test_every_bad_row_is_reported_not_only_the_first(units):
    report = check_roster(
        roster(
            "04217,Ada,Lovelace,54,,,active",
            GOOD_ROWS[1],
            "120000,Mary,Jackson,99,,not-an-email,gone",
        )
    )

    assert [error.line for error in report.row_errors] == [2, 4]
    assert len(report.row_errors[1].reasons) == 3  # Local, email and standing


def test_line_numbers_count_lines_inside_quoted_values(units):
    data = roster(
        '004217,Ada,Lovelace,54,,,active,"Unit 4\nNorth Building"',
        "000001,Grace,Hopper,99,,,active,",
        header=HEADER + ",address_line_1",
    )
    report = check_roster(data)

    assert [error.line for error in report.row_errors] == [4]


def test_one_bad_row_among_good_ones_writes_nothing(units):
    existing = MemberFactory(member_id="000001", given_name="Grace", local=units["local_54"])

    report = import_roster(
        roster(*GOOD_ROWS, "777777,Bad,Row,99,,,active"),  # Grace's row would update her
        dry_run=False,
    )

    assert not report.applied
    assert [error.line for error in report.row_errors] == [5]
    assert list(Member.objects.values_list("member_id", flat=True)) == ["000001"]
    existing.refresh_from_db()
    assert existing.family_name != "Hopper"


# Whole-file problems


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\n\n", "The file is empty."),
        (roster(), "The file has a header but no member rows."),
        (roster(header=HEADER + ",shoe_size"), 'Unknown columns: "shoe_size"'),
        (
            roster(header="member_id,given_name,family_name,chapter,email"),
            "Missing required columns: local, standing",
        ),
        (roster(header=HEADER + ",email"), "Columns named more than once: email"),
        (roster(header=HEADER.replace(",", ";")), "separated by semicolons"),
        ("member_id,given_name\n".encode("utf-16"), "saved as UTF-16"),
    ],
    ids=[
        "empty",
        "only a byte order mark",
        "header only",
        "unknown column",
        "missing required columns",
        "repeated column",
        "semicolons",
        "UTF-16",
    ],
)
def test_whole_file_problems_are_reported_and_nothing_written(units, data, message):
    report = import_roster(data, dry_run=False)

    assert not report.ok and not report.applied
    assert message in " ".join(report.file_errors)
    assert report.row_errors == []
    assert Member.objects.count() == 0


def test_header_names_are_read_regardless_of_case_and_spaces(units):
    report = check_roster(
        roster(
            GOOD_ROWS[0], header=" Member_ID,Given_Name ,family_name,LOCAL,chapter,email,standing"
        )
    )

    assert report.ok


def test_latin1_file_is_rejected_naming_each_line_that_is_not_utf8(units):
    data = "\n".join(
        [
            HEADER,
            "004217,Zoë,Bélanger,54,,,active",
            "000001,Grace,Hopper,54,,,active",
            "120000,Mary,Côté,12,,,active",
        ]
    ).encode("latin-1")

    report = import_roster(data, dry_run=False)

    assert not report.applied
    assert [error.line for error in report.row_errors] == [2, 4]
    assert "not UTF-8" in str(report.row_errors[0])
    assert "CSV UTF-8" in str(report.row_errors[0])
    assert Member.objects.count() == 0


def test_a_row_holding_a_nul_character_is_rejected_by_its_line(units):
    # A spreadsheet's own format saved as .csv, say; PostgreSQL could not store it anyway.
    report = import_roster(
        roster(GOOD_ROWS[0], "000001,Grace,Hop\x00per,54,,,active"), dry_run=False
    )

    assert not report.applied
    assert [error.line for error in report.row_errors] == [3]
    assert "NUL character" in str(report.row_errors[0])
    assert Member.objects.count() == 0


def test_latin1_header_is_a_whole_file_error(units):
    report = check_roster(("prénom," + HEADER).encode("latin-1") + b"\n")

    assert "The header (line 1)" in report.file_errors[0]
    assert "not UTF-8" in report.file_errors[0]


# Updates


def test_reimporting_the_same_file_changes_nothing_and_writes_nothing(units):
    data = roster(*GOOD_ROWS)
    import_roster(data, dry_run=False)
    stamps = dict(Member.objects.values_list("member_id", "updated_at"))

    with CaptureQueriesContext(connection) as queries:
        report = import_roster(data, dry_run=False)

    assert report.ok and report.applied
    assert (report.created_count, report.updated_count, report.unchanged) == (0, 0, 3)
    assert writes_in(queries) == []
    assert dict(Member.objects.values_list("member_id", "updated_at")) == stamps


def test_update_changes_only_the_changed_fields_and_reports_them(units):
    ada = MemberFactory(
        member_id="004217",
        given_name="Ada",
        family_name="Lovelace",
        local=units["local_54"],
        chapter=units["chapter_54_1"],
        email="ada@example.org",
        phone="780-555-0101",
        city="Edmonton",
        wants_newsletter=False,
    )
    before = ada.updated_at

    with CaptureQueriesContext(connection) as queries:
        report = import_roster(
            roster(
                "004217,Ada,Lovelace,54,2,ada@northwind.example,active,Calgary",
                header=HEADER + ",city",
            ),
            dry_run=False,
        )

    assert report.updated_count == 1
    assert report.updated[0].columns == ["chapter", "email", "city"]
    assert str(report.updated[0]) == "004217 Ada Lovelace (line 2): chapter, email, city"
    ada.refresh_from_db()
    assert (ada.chapter, ada.email, ada.city) == (
        units["chapter_54_2"],
        "ada@northwind.example",
        "Calgary",
    )
    # Fields the file does not speak of, and those it repeats, stay as they were.
    assert ada.phone == "780-555-0101"
    assert ada.wants_newsletter is False
    assert ada.given_name == "Ada"
    assert ada.updated_at > before
    # Only the changed columns are written.
    (update,) = writes_in(queries)
    assert '"phone"' not in update and '"given_name"' not in update
    assert '"email"' in update and '"city"' in update


def test_blank_yes_no_cell_leaves_an_existing_member_as_they_are(units):
    MemberFactory(
        member_id="004217",
        given_name="Ada",
        family_name="Lovelace",
        local=units["local_54"],
        email="",
        refuses_email=True,
        wants_newsletter=False,
    )
    report = import_roster(
        roster("004217,Ada,Lovelace,54,,,active,,", header=HEADER + ",refuses_email,newsletter"),
        dry_run=False,
    )

    assert report.unchanged == 1
    ada = Member.objects.get(member_id="004217")
    assert (ada.refuses_email, ada.wants_newsletter) == (True, False)


def test_blank_chapter_takes_a_member_out_of_their_chapter(units):
    MemberFactory(
        member_id="004217", local=units["local_54"], chapter=units["chapter_54_1"], email=""
    )
    report = import_roster(roster("004217,Ada,Lovelace,54,,,active"), dry_run=False)

    assert "chapter" in report.updated[0].columns
    assert Member.objects.get(member_id="004217").chapter is None


def test_moving_local_without_a_chapter_column_leaves_the_old_locals_chapter(units):
    MemberFactory(
        member_id="004217",
        given_name="Ada",
        family_name="Lovelace",
        local=units["local_54"],
        chapter=units["chapter_54_1"],
    )
    header = "member_id,given_name,family_name,local,standing"
    report = import_roster(roster("004217,Ada,Lovelace,12,active", header=header), dry_run=False)

    assert report.updated[0].columns == ["local", "chapter"]
    ada = Member.objects.get(member_id="004217")
    assert (ada.local, ada.chapter) == (units["local_12"], None)


def test_members_not_in_the_file_are_left_alone_and_counted(units):
    absent = MemberFactory(local=units["local_12"], standing=Standing.ACTIVE)
    before = absent.updated_at

    report = import_roster(roster(*GOOD_ROWS), dry_run=False)

    assert report.not_in_file == 1
    absent.refresh_from_db()
    assert absent.updated_at == before
    assert Member.objects.count() == 4


def test_applying_refuses_when_the_roster_changed_since_the_check(units):
    ada = MemberFactory(
        member_id="004217", given_name="Ada", family_name="Lovelace", local=units["local_54"]
    )
    data = roster(
        "004217,Ada,Lovelace,54,,ada@example.org,active", "000001,Grace,Hopper,54,,,active"
    )
    checked = check_roster(data)
    Member.objects.filter(pk=ada.pk).update(email="changed.meanwhile@example.org")

    report = import_roster(data, dry_run=False, expected_digest=checked.plan_digest)

    assert not report.applied
    assert "changed since this file was checked" in report.file_errors[0]
    assert not Member.objects.filter(member_id="000001").exists()


def test_applying_with_the_checks_digest_imports_when_nothing_changed(units):
    data = roster(*GOOD_ROWS)
    checked = check_roster(data)

    report = import_roster(data, dry_run=False, expected_digest=checked.plan_digest)

    assert report.applied
    assert Member.objects.count() == 3


def test_checking_takes_the_same_number_of_queries_for_any_number_of_rows(units):
    def queries_to_check(rows):
        with CaptureQueriesContext(connection) as queries:
            check_roster(roster(*rows))
        return len(queries)

    MemberFactory.create_batch(5, local=units["local_12"])
    few = [f"{100 + n:06d},Given,Family,54,1,,active" for n in range(3)]
    many = [f"{200 + n:06d},Given,Family,54,1,,active" for n in range(300)]
    assert queries_to_check(few) == queries_to_check(many) == 3


def test_importing_writes_in_batches_not_row_by_row(units):
    rows = [f"{200 + n:06d},Given,Family,54,1,,active" for n in range(300)]
    with CaptureQueriesContext(connection) as queries:
        import_roster(roster(*rows), dry_run=False)
    assert len(writes_in(queries)) <= 300 / 20
    changed = [row.replace("Family", "Changed") for row in rows]

    with CaptureQueriesContext(connection) as queries:
        report = import_roster(roster(*changed), dry_run=False)

    assert report.updated_count == 300
    assert len(writes_in(queries)) <= 300 / 20


# The import_roster command


def write_roster(tmp_path, data):
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    return path


def test_command_dry_run_prints_the_report_and_writes_nothing(units, tmp_path):
    MemberFactory(
        member_id="000001", given_name="Grace", family_name="Hopper", local=units["local_54"]
    )
    out = io.StringIO()

    call_command(
        "import_roster", write_roster(tmp_path, roster(*GOOD_ROWS)), "--dry-run", stdout=out
    )

    output = out.getvalue()
    assert "Dry run: nothing was written." in output
    assert "3 rows read: 2 members to create, 1 to update, 0 unchanged." in output
    assert "Update 000001 Grace Hopper (line 3): email" in output
    assert Member.objects.count() == 1
    assert Member.objects.get(member_id="000001").email != "grace@example.org"


def test_command_imports_the_file(units, tmp_path):
    out = io.StringIO()

    call_command("import_roster", write_roster(tmp_path, roster(*GOOD_ROWS)), stdout=out)

    assert "3 members created, 0 updated" in out.getvalue()
    assert Member.objects.count() == 3


def test_command_lists_each_bad_row_and_fails(units, tmp_path):
    err = io.StringIO()
    path = write_roster(
        tmp_path, roster("04217,Ada,Lovelace,54,,,active", *GOOD_ROWS[1:], "1,X,Y,99,,,active")
    )

    with pytest.raises(CommandError, match="2 of 4 rows have problems"):
        call_command("import_roster", path, stderr=err)

    assert "Line 2: member ID" in err.getvalue()
    assert "Line 5: member ID" in err.getvalue()
    assert Member.objects.count() == 0


def test_command_reports_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_roster", tmp_path / "nowhere.csv")
