"""Time the roster import on a 50,000-member file against a fresh database.

    .venv/bin/python -m bench.import_roster
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.import_roster

The database is made for the run by bench/_scratch.py (an SQLite file in a
temporary folder, or a throw-away PostgreSQL database named after this process
when BENCH_POSTGRES_URL or DATABASE_URL names a PostgreSQL server) and removed at
the end. The CSV file is written to the same temporary folder. Four runs are timed:
a check of the whole file, the first import (50,000 new members), importing the
same file again (nothing to change), and an import with 5,000 changed rows.
Each is compared with the 60-second target.
"""

import csv
import io
import os
import random
import resource
import time

from bench._scratch import Scratch, named_postgres_server

MEMBERS = 50_000
CHANGED = 5_000
TARGET_SECONDS = 60.0
GIVEN_NAMES = ["Ada", "Zoë", "Grace", "Mary", "Amrit", "Jean-Luc", "Wei", "Fatima", "Olu", "Kai"]
FAMILY_NAMES = ["Lovelace", "Bélanger", "Hopper", "Jackson", "Singh", "Côté", "Chen", "Okafor"]
CITIES = ["Edmonton", "Calgary", "Red Deer", "Lethbridge", "Grande Prairie", "Medicine Hat"]


def make_structure():
    """Three sectors, 60 Locals, four Chapters in each: (Local number, [Chapter numbers])."""
    from members.models import Chapter, Local, Sector

    sectors = [
        Sector.objects.create(name=name, slug=name.lower().replace(" ", "-"))
        for name in ["Health care", "Education", "Municipal services"]
    ]
    units = []
    for number in range(1, 61):
        local = Local.objects.create(
            number=number, name=f"Local {number}", sector=sectors[number % 3]
        )
        Chapter.objects.bulk_create(
            Chapter(local=local, number=chapter, name=f"Chapter {chapter}")
            for chapter in range(1, 5)
        )
        units.append((number, [1, 2, 3, 4]))
    return units


def make_rows(units, rng):
    member_ids = rng.sample(range(1, 1_000_000), MEMBERS)
    rows = []
    for member_id in member_ids:
        local, chapters = rng.choice(units)
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        rows.append(
            {
                "member_id": f"{member_id:06d}",  # many with leading zeros
                "given_name": given,
                "family_name": family,
                "local": str(local),
                "chapter": str(rng.choice(chapters)) if rng.random() < 0.8 else "",
                "email": f"member{member_id:06d}@example.org" if rng.random() < 0.9 else "",
                "phone": f"780-555-{member_id % 10_000:04d}",
                "address_line_1": f"{rng.randint(1, 9999)} {rng.randint(1, 199)} Street NW",
                "address_line_2": "",
                "city": rng.choice(CITIES),
                "province": "AB",
                "postal_code": "T5J 0N3",
                "standing": rng.choice(["active"] * 8 + ["suspended", "lapsed"]),
                "meeting_notices": "yes",
                "newsletter": rng.choice(["yes", "no", ""]),
                "partner_mailings": "no",
                "refuses_postal_mail": rng.choice(["n", "N", "false"]),
                "refuses_email": "0",
                "refuses_contact_sharing": rng.choice(["no", "yes"]),
            }
        )
    return rows


def to_csv(rows):
    from members.roster_import import ALL_COLUMNS

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ALL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def change_some(rows, rng):
    changed = [dict(row) for row in rows]
    for row in rng.sample(changed, CHANGED):
        row["city"] = "Fort McMurray"
        row["email"] = f"new.{row['member_id']}@example.org"
        row["standing"] = "lapsed" if row["standing"] != "lapsed" else "active"
    return changed


def timed(label, function, results):
    started = time.perf_counter()
    report = function()
    seconds = time.perf_counter() - started
    results.append((label, seconds))
    print(
        f"{label:<34} {seconds:7.2f} s   {seconds / TARGET_SECONDS:5.3f} × the 60 s target"
        f"   ({report.created_count} created, {report.updated_count} updated, "
        f"{report.unchanged} unchanged)",
        flush=True,
    )
    return report


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    with Scratch("roster", sqlite=named_postgres_server() is None) as scratch:
        scratch.setup_django()
        from members.roster_import import check_roster, import_roster

        rng = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
        rows = make_rows(make_structure(), rng)
        first = to_csv(rows)
        changed = to_csv(change_some(rows, rng))
        csv_path = scratch.workdir / "roster.csv"
        csv_path.write_bytes(first)
        print(f"Roster file: {MEMBERS:,} members, {len(first) / 1e6:.1f} MB, {csv_path}\n")

        results = []
        report = timed("check only (50,000 new)", lambda: check_roster(first), results)
        assert report.ok and report.created_count == MEMBERS, report.lines()[:5]
        report = timed(
            "first import (50,000 creates)",
            lambda: import_roster(first, dry_run=False),
            results,
        )
        assert report.applied and report.created_count == MEMBERS
        report = timed(
            "re-import, same file (no-op)", lambda: import_roster(first, dry_run=False), results
        )
        assert report.applied and report.unchanged == MEMBERS
        report = timed(
            f"import with {CHANGED:,} changed rows",
            lambda: import_roster(changed, dry_run=False),
            results,
        )
        assert report.applied and report.updated_count == CHANGED

        slowest_label, slowest = max(results, key=lambda result: result[1])
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"\nSlowest: {slowest_label}, {slowest:.2f} s = {slowest / TARGET_SECONDS:.3f} × "
            f"the {TARGET_SECONDS:.0f} s target ({TARGET_SECONDS / slowest:.0f}× headroom). "
            f"Peak memory {peak_mb:.0f} MB."
        )


if __name__ == "__main__":
    main()
