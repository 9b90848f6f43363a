"""A meeting as an iCalendar (.ics) entry: the page's download and the notice's attachment."""

import icalendar
from django.utils import timezone

from meetings.notices.models import MeetingNotice


def meeting_calendar(meeting, request):
    """An iCalendar (.ics) entry for the meeting: the page link, never the joining details."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Northwind Workers' Union//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    if request is not None:
        host = request.get_host()
    else:  # an emailed notice: the same UID as the page's download, so calendars merge them
        site = meeting.get_site()
        host = site.hostname if site else "northwind.example"
    event.add("uid", f"meeting-{meeting.pk}@{host.split(':')[0]}")
    event.add("dtstamp", timezone.now())
    # Calendars replace an entry they hold only with a higher SEQUENCE: one more per moved time.
    event.add("sequence", meeting.notices.filter(kind=MeetingNotice.Kind.TIME_CHANGED).count())
    event.add("dtstart", meeting.local_starts_at)
    event.add("dtend", meeting.local_ends_at)
    event.add("summary", meeting.title)
    url = meeting.get_full_url(request)
    event.add("url", url)
    event.add(
        "description",
        f"{meeting.audience_name}. Sign in and open the meeting page to join and vote: {url}",
    )
    event.add("location", "Online: see the meeting page")
    calendar.add_component(event)
    return calendar.to_ical()
