"""Demo union for the Northwind Workers' Union: structure, a few hundred members, sign-ins.

Everything here is invented. Member data is generated from a fixed seed, so
loading it twice gives the same roster, and nothing is duplicated.
"""

import random

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from members.models import AreaCouncil, Chapter, Local, Member, Sector, Standing

SECTORS = [
    ("Health care", "health-care"),
    ("Education", "education"),
    ("Government services", "government-services"),
]
AREA_COUNCILS = [
    ("Capital Region Area Council", "capital-region"),
    ("Northern Lakes Area Council", "northern-lakes"),
]
# (number, name, sector slug, area council slug, [(chapter number, chapter name)])
LOCALS = [
    (
        41,
        "Capital Regional Health",
        "health-care",
        "capital-region",
        [(1, "Riverside General Hospital"), (2, "Capital Home Care"), (3, "Westgate Laboratories")],
    ),
    (
        47,
        "Northern Lakes Continuing Care",
        "health-care",
        "northern-lakes",
        [(1, "Birchwood Lodge"), (2, "Lakeshore Manor")],
    ),
    (
        63,
        "Aspen School Division Support Staff",
        "education",
        "capital-region",
        [(1, "Educational Assistants"), (2, "Custodial and Maintenance")],
    ),
    (
        68,
        "Northwind Polytechnic",
        "education",
        "northern-lakes",
        [(1, "Academic Support"), (2, "Facilities")],
    ),
    (
        12,
        "Provincial Government Services",
        "government-services",
        "capital-region",
        [(1, "Motor Vehicle Registries"), (2, "Corrections"), (3, "Parks and Forestry")],
    ),
    (19, "City of Fort Calder", "government-services", "northern-lakes", []),
]

GIVEN_NAMES = [
    "Amara",
    "Benoit",
    "Chen",
    "Dana",
    "Elif",
    "Farah",
    "Gurpreet",
    "Hana",
    "Isaac",
    "Jolene",
    "Kwame",
    "Leah",
    "Mateo",
    "Nadia",
    "Owen",
    "Paulette",
    "Quinn",
    "Rosa",
    "Sipho",
    "Tanya",
    "Uma",
    "Victor",
    "Wren",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Marcel",
    "Ingrid",
    "Tomas",
    "Aroha",
]
FAMILY_NAMES = [
    "Abara",
    "Bouchard",
    "Cardinal",
    "Dube",
    "Eriksen",
    "Fontaine",
    "Gill",
    "Hassan",
    "Ibrahim",
    "Janvier",
    "Kowalski",
    "Laboucan",
    "Mercredi",
    "Nguyen",
    "Olsen",
    "Petrenko",
    "Quewezance",
    "Rossi",
    "Singh",
    "Tanaka",
    "Ulrich",
    "Vasquez",
    "Wong",
    "Yellowhorn",
    "Zielinski",
]
STREETS = ["Birch Avenue", "Tamarack Way", "Saskatoon Crescent", "Aspen Drive", "Muskeg Road"]
CITIES = [("Edmonton", "T5K"), ("Fort Calder", "T9S"), ("St. Albert", "T8N"), ("Lac Brûlé", "T0A")]

DEMO_MEMBER_COUNT = 300

# The people whose sign-ins load_demo prints. Member IDs below 100 are theirs.
DEMO_PASSWORD = "northwind-demo-member"  # noqa: S105 - a published demo sign-in
DEMO_PEOPLE = [
    # member_id, given, family, local, chapter, role
    ("000011", "Maya", "Okonkwo", 41, 1, "member"),
    ("000012", "Daniel", "Tremblay", 41, 1, "chapter chair"),
    ("000013", "Priya", "Sandhu", 41, 2, "local chair"),
    ("000014", "Sam", "Whitehorse", 63, 2, "member"),
    # Holds the chapter chair's proxy at the Riverside Chapter AGM (meetings/demo.py).
    ("000015", "Ruth", "Lachance", 41, 1, "proxy holder"),
]


def demo_email(given, family, member_id):
    return f"{given}.{family}.{member_id}@members.northwind.example".lower()


@transaction.atomic
def load_union(*, note):
    """Create the demo structure, roster and sign-ins; `note(done, what, verb)` reports it.

    Returns the demo people's sign-ins.
    """
    sectors = {
        slug: Sector.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for name, slug in SECTORS
    }
    councils = {
        slug: AreaCouncil.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for name, slug in AREA_COUNCILS
    }
    chapters = []
    locals_ = {}
    for number, name, sector, council, chapter_list in LOCALS:
        local, _ = Local.objects.get_or_create(
            number=number,
            defaults={"name": name, "sector": sectors[sector], "area_council": councils[council]},
        )
        locals_[number] = local
        for chapter_number, chapter_name in chapter_list:
            chapters.append(
                Chapter.objects.get_or_create(
                    local=local, number=chapter_number, defaults={"name": chapter_name}
                )[0]
            )

    members_before = Member.objects.count()
    _load_roster(locals_, chapters)
    sign_ins = _load_demo_people(locals_)
    members = Member.objects.count()
    note(
        members > members_before,
        f"{members} members in {len(sectors)} sectors, {len(locals_)} Locals and "
        f"{len(chapters)} Chapters",
        verb=f"{members - members_before} members created",
    )
    return sign_ins


def _load_roster(locals_, chapters):
    rng = random.Random(2026)  # noqa: S311 - fixed seed: the same demo roster every time
    units = [(chapter.local, chapter) for chapter in chapters]
    units += [(local, None) for local in locals_.values() if not local.chapters.exists()]
    existing = set(Member.objects.values_list("member_id", flat=True))
    new = []
    for n in range(DEMO_MEMBER_COUNT):
        member_id = f"{200000 + n * 37:06d}"
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        local, chapter = rng.choice(units)
        city, postal_prefix = rng.choice(CITIES)
        has_email = rng.random() < 0.85
        standing = rng.choices(
            [Standing.ACTIVE, Standing.SUSPENDED, Standing.LAPSED], weights=[92, 3, 5]
        )[0]
        fields = dict(
            given_name=given,
            family_name=family,
            local=local,
            chapter=chapter,
            email=demo_email(given, family, member_id) if has_email else "",
            phone=f"825-555-{rng.randint(100, 199):04d}",
            address_line_1=f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
            city=city,
            province="AB",
            postal_code=f"{postal_prefix} {rng.randint(0, 9)}A{rng.randint(0, 9)}",
            standing=standing,
            wants_newsletter=rng.random() < 0.7,
            wants_partner_mailings=rng.random() < 0.2,
            refuses_postal_mail=rng.random() < 0.05,
            refuses_contact_sharing=rng.random() < 0.08,
        )
        if member_id not in existing:
            new.append(Member(member_id=member_id, **fields))
    Member.objects.bulk_create(new, batch_size=500)


def _load_demo_people(locals_):
    User = get_user_model()
    sign_ins = []
    for member_id, given, family, local_number, chapter_number, role in DEMO_PEOPLE:
        local = locals_[local_number]
        chapter = Chapter.objects.get(local=local, number=chapter_number)
        email = demo_email(given, family, member_id)
        member, _ = Member.objects.get_or_create(
            member_id=member_id,
            defaults=dict(
                given_name=given,
                family_name=family,
                local=local,
                chapter=chapter,
                email=email,
                phone="825-555-0111",
                address_line_1="100 Demo Street",
                city="Edmonton",
                postal_code="T5K 0A1",
            ),
        )
        if member.account_id is None:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    username=f"member-{member_id}",
                    email=email,
                    password=DEMO_PASSWORD,
                    first_name=given,
                    last_name=family,
                )
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"primary": True, "verified": True}
            )
            member.account = user
            member.save(update_fields=["account", "updated_at"])
        if role == "chapter chair" and chapter.chair_id != member.pk:
            chapter.chair = member
            chapter.save(update_fields=["chair"])
        if role == "local chair" and local.chair_id != member.pk:
            local.chair = member
            local.save(update_fields=["chair"])
        where = f"{chapter}" if role != "local chair" else f"{local}"
        sign_ins.append({"role": role, "name": member.full_name, "email": email, "where": where})
    return sign_ins
