"""schemathesis against the member API's own OpenAPI schema, over HTTP on a live server.

Every operation in the schema is called with generated parameters and bodies (valid
and invalid), as a confirmed member with a token, half the time aimed at the member's
real meeting, material and ballot item so the full answers are checked too. No answer
may be a server error, and every answer must match the schema: its status code, content
type, headers and body.
"""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from meetings.factories import MeetingMaterialFactory
from members.api.access import issue_token
from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCHEMA_PATH = "/api/member/v1/schema/?format=json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 25
SCHEMA_WAIT_S = 120


@pytest.fixture
def member_with_token(home_page):
    agm = meeting_under_way(home_page)
    material = MeetingMaterialFactory(meeting=agm["meeting"])
    real_ids = {
        "meeting_id": agm["meeting"].pk,
        "material_id": material.pk,
        "item_id": agm["item"].pk,
    }
    return issue_token(agm["voter"].account), real_ids


def test_the_member_api_answers_as_its_schema_says(live_server, member_with_token):
    key, real_ids = member_with_token
    # The first request builds the whole OpenAPI document, which on a busy machine has
    # taken longer than schemathesis's default 10 s wait (a read timeout, not an error of
    # the site's); the answers themselves are checked below.
    schema = schemathesis.openapi.from_url(live_server.url + SCHEMA_PATH, timeout=SCHEMA_WAIT_S)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    headers = {"Authorization": f"Token {key}"}

    for operation in operations:
        run_operation(operation, CHECKS, live_server.url, headers, real_ids)


def run_operation(operation, checks, base_url, headers, real_ids):
    """Call one operation with generated requests and check every answer."""

    @given(case=operation.as_strategy(), aim_at_real_ids=st.booleans())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(case, aim_at_real_ids):
        # The member's throttle would otherwise answer 429 to most of the run.
        cache.clear()
        for name in case.path_parameters or {}:
            if aim_at_real_ids and name in real_ids:
                case.path_parameters[name] = real_ids[name]
        case.call_and_validate(base_url=base_url, headers=headers, checks=checks)

    call()
