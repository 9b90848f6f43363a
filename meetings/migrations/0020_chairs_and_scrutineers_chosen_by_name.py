"""A meeting's chairs and scrutineers become rows of their own (`MeetingChair`,
`MeetingScrutineer`), which the page editor fills from a searchable chooser; the
`chairs` and `scrutineers` many-to-many fields now go through them.

Existing appointments move over in the order they were made, and every meeting page
revision (drafts, scheduled and past ones) is rewritten to name them the new way, so
publishing or reverting to a revision made before this change keeps its chairs and
scrutineers. Reversible."""

import django.db.models.deletion
import modelcluster.fields
from django.conf import settings
from django.db import migrations, models

import members.chairs

# (old many-to-many field, new child relation on the page)
ROLES = [("chairs", "chair_appointments"), ("scrutineers", "scrutineer_appointments")]
ROW_MODELS = {"chairs": "MeetingChair", "scrutineers": "MeetingScrutineer"}


def _meeting_revisions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    meeting_type = ContentType.objects.filter(app_label="meetings", model="meetingpage").first()
    if meeting_type is None:
        return Revision.objects.none()
    return Revision.objects.filter(content_type=meeting_type)


def revision_to_rows(content):
    """A revision's content with `chairs: [ids]` as `chair_appointments: [rows]` (likewise
    scrutineers); the rows are new (no pk), as the editor's would be."""
    changed = False
    for field, relation in ROLES:
        if field in content:
            people = content.pop(field) or []
            content[relation] = [
                {"pk": None, "sort_order": n, "meeting": content.get("pk"), "person": person}
                for n, person in enumerate(people)
            ]
            changed = True
    return changed


def revision_to_m2m(content):
    changed = False
    for field, relation in ROLES:
        if relation in content:
            rows = sorted(content.pop(relation) or [], key=lambda row: row.get("sort_order") or 0)
            content[field] = [row["person"] for row in rows]
            changed = True
    return changed


def _rewrite_revisions(apps, rewrite):
    revisions = _meeting_revisions(apps)
    changed = [
        revision
        for revision in revisions.iterator()
        if isinstance(revision.content, dict) and rewrite(revision.content)
    ]
    revisions.model.objects.bulk_update(changed, ["content"], batch_size=200)


def move_to_rows(apps, schema_editor):
    MeetingPage = apps.get_model("meetings", "MeetingPage")
    for field_name, _ in ROLES:
        field = MeetingPage._meta.get_field(field_name)
        Through = field.remote_field.through
        page_column, person_column = field.m2m_field_name(), field.m2m_reverse_field_name()
        Row = apps.get_model("meetings", ROW_MODELS[field_name])
        rows, seats = [], {}
        for page_id, person_id in Through.objects.order_by("pk").values_list(
            f"{page_column}_id", f"{person_column}_id"
        ):
            seats[page_id] = seats.get(page_id, -1) + 1
            rows.append(Row(meeting_id=page_id, person_id=person_id, sort_order=seats[page_id]))
        Row.objects.bulk_create(rows, batch_size=500)
    _rewrite_revisions(apps, revision_to_rows)


def move_back_to_m2m(apps, schema_editor):
    MeetingPage = apps.get_model("meetings", "MeetingPage")
    for field_name, _ in ROLES:
        field = MeetingPage._meta.get_field(field_name)
        Through = field.remote_field.through
        page_column, person_column = field.m2m_field_name(), field.m2m_reverse_field_name()
        Row = apps.get_model("meetings", ROW_MODELS[field_name])
        Through.objects.bulk_create(
            [
                Through(**{f"{page_column}_id": page_id, f"{person_column}_id": person_id})
                for page_id, person_id in Row.objects.order_by(
                    "meeting_id", "sort_order", "pk"
                ).values_list("meeting_id", "person_id")
            ],
            batch_size=500,
        )
    _rewrite_revisions(apps, revision_to_m2m)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0019_chair_actions_of_the_floor_and_of_elections"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MeetingChair",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "meeting",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chair_appointments",
                        to="meetings.meetingpage",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        limit_choices_to=members.chairs.may_chair_meetings,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="chair",
                    ),
                ),
            ],
            options={
                "ordering": ["sort_order"],
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(
                        fields=("meeting", "person"), name="one_chair_seat_each"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MeetingScrutineer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "meeting",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scrutineer_appointments",
                        to="meetings.meetingpage",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        limit_choices_to={"groups__name": "Scrutineers"},
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="scrutineer",
                    ),
                ),
            ],
            options={
                "ordering": ["sort_order"],
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(
                        fields=("meeting", "person"), name="one_scrutineer_seat_each"
                    )
                ],
            },
        ),
        migrations.RunPython(move_to_rows, move_back_to_m2m),
        migrations.RemoveField(model_name="meetingpage", name="chairs"),
        migrations.RemoveField(model_name="meetingpage", name="scrutineers"),
        migrations.AddField(
            model_name="meetingpage",
            name="chairs",
            field=models.ManyToManyField(
                blank=True,
                related_name="chaired_meetings",
                through="meetings.MeetingChair",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="meetingpage",
            name="scrutineers",
            field=models.ManyToManyField(
                blank=True,
                related_name="scrutinised_meetings",
                through="meetings.MeetingScrutineer",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
