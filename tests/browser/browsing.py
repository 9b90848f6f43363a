"""How the people in the browser tests browse: their devices, sign-ins and checks."""

from dataclasses import dataclass

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips every browser test, saying why
    expect = None

# The demo sign-ins `load_demo` prints.
DEMO_PASSWORD = "northwind-demo-member"
MEMBER_EMAIL = "maya.okonkwo.000011@members.northwind.example"
CHAIR_EMAIL = "daniel.tremblay.000012@members.northwind.example"
OTHER_CHAPTER_EMAIL = "sam.whitehorse.000014@members.northwind.example"
# Holds the chapter chair's (Daniel Tremblay's) proxy at the Riverside AGM.
PROXY_HOLDER_EMAIL = "ruth.lachance.000015@members.northwind.example"
EDITOR = ("editor", "northwind-demo-editor")
RIVERSIDE_AGM = "/meetings/riverside-chapter-agm/"

# Every browser test: a live server on a flushed database; serialized_rollback brings
# back what migrations created (Wagtail's root page and locale) before each one.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@dataclass(frozen=True)
class Mode:
    """How the person browses: a laptop or a phone, with or without JavaScript."""

    name: str
    javascript: bool
    phone: bool

    @property
    def context_options(self):
        options = {"java_script_enabled": self.javascript, "locale": "en-CA"}
        if self.phone:
            options.update(
                viewport={"width": 390, "height": 844},
                device_scale_factor=1,
                is_mobile=True,
                has_touch=True,
            )
        else:
            options.update(viewport={"width": 1280, "height": 900})
        return options

    def __str__(self):
        return self.name


DESKTOP = Mode("desktop", javascript=True, phone=False)
DESKTOP_NO_JS = Mode("desktop-nojs", javascript=False, phone=False)
PHONE = Mode("phone", javascript=True, phone=True)
PHONE_NO_JS = Mode("phone-nojs", javascript=False, phone=True)
ALL_MODES = [DESKTOP, DESKTOP_NO_JS, PHONE, PHONE_NO_JS]
JS_MODES = [DESKTOP, PHONE]


def in_modes(modes):
    """Parametrize a journey over devices and JavaScript on/off."""
    return pytest.mark.parametrize("mode", modes, ids=str)


def sign_in(page, email, password=DEMO_PASSWORD, next_path=""):
    """Sign in through the members' sign-in form, as a person would."""
    page.goto("/account/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def describe_violations(violations):
    """axe's findings, readable in a test failure."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}")
            lines.append(f"       {node['html'][:160]}")
            if node.get("failureSummary"):
                summary = node["failureSummary"].replace("\n", "\n         ")
                lines.append(f"         {summary}")
    return "\n".join(lines)


def members_arrive(meeting, count, *, besides=("000011", "000012", "000015")):
    """``count`` members of ``meeting`` other than those a journey signs in as
    (``besides``) are in the room: the register has them. Most demo members have no
    account, so they are checked in here rather than by a page."""
    from meetings.attendance.register import arrive
    from members.models import Standing

    others = meeting.audience_members().filter(standing=Standing.ACTIVE)
    for member in others.exclude(member_id__in=besides)[:count]:
        arrive(meeting, member)


def riverside_has_quorum():
    """The Riverside AGM's quorum is in the room, so the chair opens votes without giving
    a reason; the meeting."""
    from meetings.models import MeetingPage

    meeting = MeetingPage.objects.get(slug="riverside-chapter-agm")
    members_arrive(meeting, meeting.quorum)
    return meeting
