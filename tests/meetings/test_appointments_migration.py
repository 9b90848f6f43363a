"""The migration that gives a meeting's chairs and scrutineers rows of their own
(meetings 0020) keeps every appointment, in order, and rewrites the page's revisions,
so a draft saved before it still publishes with the chairs it named. Run backwards and
forwards again, on the real migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from wagtail.models import Revision

from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import MeetingPage
from tests.member_fixtures import member_with_account, two_chapters

BEFORE = [("meetings", "0019_chair_actions_of_the_floor_and_of_elections")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_appointments_and_revisions_survive_the_move_and_an_old_draft_still_publishes(home_page):
    chapter, _ = two_chapters()
    chair, secretary = (member_with_account(chapter).account for _ in range(2))
    meeting = MeetingPageFactory(parent=MeetingIndexPageFactory(parent=home_page))
    scrutineer = meeting.scrutineers.get()
    meeting.chairs.add(chair)
    meeting.save_revision().publish()
    # A draft that names the secretary first, then the chair: not published yet.
    draft = MeetingPage.objects.get(pk=meeting.pk)
    draft.appoint(chairs=[secretary, chair])
    draft_revision = draft.save_revision()

    # Before the change: many-to-many rows, and revisions that list ids.
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old_meeting = old.get_model("meetings", "MeetingPage").objects.get(pk=meeting.pk)
    assert list(old_meeting.chairs.values_list("pk", flat=True)) == [chair.pk]
    assert list(old_meeting.scrutineers.values_list("pk", flat=True)) == [scrutineer.pk]
    old_content = Revision.objects.get(pk=draft_revision.pk).content
    assert old_content["chairs"] == [secretary.pk, chair.pk]
    assert "chair_appointments" not in old_content

    executor = migrate(executor.loader.graph.leaf_nodes())

    meeting = MeetingPage.objects.get(pk=meeting.pk)
    assert list(meeting.chairs.all()) == [chair]
    assert list(meeting.scrutineers.all()) == [scrutineer]
    assert meeting.may_chair(chair) and meeting.may_scrutinise(scrutineer)
    content = Revision.objects.get(pk=draft_revision.pk).content
    assert "chairs" not in content
    assert [row["person"] for row in content["chair_appointments"]] == [secretary.pk, chair.pk]

    # Publishing the draft saved before the change seats the chairs it named, in order.
    Revision.objects.get(pk=draft_revision.pk).publish()

    meeting = MeetingPage.objects.get(pk=meeting.pk)
    assert [row.person for row in meeting.chair_appointments.all()] == [secretary, chair]
    assert set(meeting.chairs.all()) == {secretary, chair}
    assert list(meeting.scrutineers.all()) == [scrutineer]
