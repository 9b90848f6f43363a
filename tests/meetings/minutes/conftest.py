"""The Chapter AGM of the attendance tests: two members who may attend, one who may not."""

from tests.meetings.attendance.conftest import agm  # noqa: F401 - the fixture
