"""What bench/two_servers.py and bench/faults.py share: signed-in voters, their votes
posted over HTTP to several app servers, each answer classified, and the database checked.

Each vote is one attempt, classified from what the client saw:

* success: the form's 302 without a refusal message (the receipt in a cookie for
  the page it redirects to), or the member API's 201 with a receipt;
* refused: the form's 302 carrying a refusal message (decoded here, so the reason is
  known), a 429, any other 4xx; the API's 4xx with its refusal code;
* error: a 5xx;
* dropped: no HTTP answer at all (connection reset or closed, or no answer within
  REQUEST_TIMEOUT).
"""

import asyncio
import collections
import json
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench._members import api_tokens, make_meeting_and_members, sign_in, unlock_ballots

REQUEST_TIMEOUT = 30.0  # seconds, one request
CLIENTS = 200  # requests in flight at once, at most
SERVER_ERROR_PAGE = b"Something went wrong on our side"  # templates/500.html


@dataclass
class Voter:
    index: int
    member: object
    user: object
    session_key: str
    cookie: str  # "sessionid=…; csrftoken=…"
    form_token: str  # the form's csrfmiddlewaretoken
    api_key: str


@dataclass
class Attempt:
    voter: Voter
    server: int  # index into site.servers
    via: str  # "form" or "api"
    choice: int  # Choice pk
    kind: str = ""  # success, refused, error, dropped
    detail: str = ""  # the refusal's reason, the status, what happened to the connection
    receipt: str | None = None
    started: float = 0.0  # seconds since the burst began
    finished: float = 0.0


@dataclass
class Job:
    """Requests sent at the same moment (one, or a member's double submission), not before
    `at` seconds into the burst."""

    attempts: list
    at: float = 0.0


@dataclass
class Progress:
    done: int = 0
    began: float = field(default_factory=time.monotonic)

    def now(self):
        return time.monotonic() - self.began


# Data ------------------------------------------------------------------------------------


def prepare_voters():
    """A Chapter AGM under way with 2,000 eligible members (bench/vote_burst.py's), each
    signed in (a session and a CSRF pair) and holding a member API token; and its chair."""
    meeting, members, users, chair = make_meeting_and_members()
    meeting.chairs.add(chair)
    meeting.save()
    credentials = sign_in(users)
    keys = api_tokens(users)
    voters = []
    for n, (member, user, (cookie, token), key) in enumerate(
        zip(members, users, credentials, keys, strict=True)
    ):
        session_key = re.match(r"sessionid=([^;]+)", cookie).group(1)
        voters.append(Voter(n, member, user, session_key, cookie, token, key))
    return meeting, voters, chair


def signed_in_cookie(user):
    """A session and CSRF pair for one more user (the chair): (cookie, form token)."""
    return sign_in([user])[0]


# HTTP ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list  # (lower-case name, value)
    body: bytes

    def header(self, name):
        return [value for key, value in self.headers if key == name.lower()]


async def http(port, method, path, headers=None, body=b""):
    """One request on its own connection (Connection: close). Raises OSError or
    TimeoutError when no HTTP answer comes back."""

    async def exchange():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            lines = [f"{method} {path} HTTP/1.1", "Connection: close"]
            if not any(name.lower() == "host" for name in headers or {}):
                lines.append(f"Host: 127.0.0.1:{port}")
            lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
            if body or method == "POST":
                lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()

    raw = await asyncio.wait_for(exchange(), REQUEST_TIMEOUT)
    head, _, payload = raw.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    if not head_lines[0].startswith("HTTP/"):
        raise ConnectionError("the connection closed without an HTTP answer")
    status = int(head_lines[0].split(" ", 2)[1])
    pairs = [line.split(":", 1) for line in head_lines[1:] if ":" in line]
    return Response(status, [(k.strip().lower(), v.strip()) for k, v in pairs], payload)


def http_sync(port, method, path, headers=None, body=b""):
    return asyncio.run(http(port, method, path, headers, body))


def cookies_of(response):
    """{name: value} of the response's Set-Cookie headers."""
    jar = SimpleCookie()
    for value in response.header("set-cookie"):
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def refusal_messages(response):
    """The texts of the messages the form's redirect carries in its cookie."""
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    value = cookies_of(response).get("messages")
    if not value:
        return []
    decoded = CookieStorage(HttpRequest())._decode(value)
    if decoded is None:
        return ["(a refusal message that could not be read)"]
    return [str(message) for message in decoded]


# Votes -----------------------------------------------------------------------------------


def vote_request(meeting, item, attempt):
    """(path, headers, body) of one vote, as the page's form or the member API sends it."""
    voter = attempt.voter
    if attempt.via == "api":
        path = f"/api/member/v1/meetings/{meeting.pk}/ballot/{item.pk}/vote/"
        headers = {"Authorization": f"Token {voter.api_key}", "Content-Type": "application/json"}
        return path, headers, json.dumps({"choices": [attempt.choice]}).encode()
    path = f"/meeting-vote/{meeting.pk}/{item.pk}/"
    headers = {"Cookie": voter.cookie, "Content-Type": "application/x-www-form-urlencoded"}
    body = urlencode({"csrfmiddlewaretoken": voter.form_token, "choice": attempt.choice})
    return path, headers, body.encode()


def classify(attempt, response, item):
    """Set the attempt's kind and detail (and receipt, from the API) from the answer."""
    status = response.status
    if status >= 500:
        page = "the site's error page" if SERVER_ERROR_PAGE in response.body else "a bare answer"
        attempt.kind, attempt.detail = "error", f"HTTP {status}, {page}"
    elif attempt.via == "api":
        if status == 201:
            attempt.kind, attempt.receipt = "success", json.loads(response.body)["receipt"]
        else:
            try:
                code = json.loads(response.body).get("code") or ""
            except ValueError:
                code = ""
            attempt.kind, attempt.detail = "refused", f"API {status} {code}".strip()
    elif status == 302:
        texts = refusal_messages(response)
        if texts:
            prefix = f"{item.title}: "
            attempt.kind = "refused"
            attempt.detail = "; ".join(t.removeprefix(prefix) for t in texts)
        else:
            attempt.kind, attempt.receipt = "success", receipt_cookie(response, item)
    else:
        attempt.kind, attempt.detail = "refused", f"HTTP {status}"


async def send(ports, meeting, item, attempt, progress):
    path, headers, body = vote_request(meeting, item, attempt)
    attempt.started = progress.now()
    try:
        response = await http(ports[attempt.server], "POST", path, headers, body)
    except TimeoutError:
        attempt.kind, attempt.detail = "dropped", f"no answer within {REQUEST_TIMEOUT:.0f} s"
    except (OSError, ConnectionError) as error:
        attempt.kind, attempt.detail = "dropped", type(error).__name__
    else:
        classify(attempt, response, item)
    attempt.finished = progress.now()
    progress.done += 1


async def burst(site, meeting, item, jobs, *, during=None):
    """Send every job (CLIENTS at most in flight, none before its time) while `during`
    (a coroutine function given the progress) runs beside them. Returns the wall time."""
    ports = [server.port for server in site.servers]
    progress = Progress()
    queue = collections.deque(sorted(jobs, key=lambda job: job.at))

    async def client():
        while queue:
            job = queue.popleft()
            wait = job.at - progress.now()
            if wait > 0:
                await asyncio.sleep(wait)
            await asyncio.gather(
                *(send(ports, meeting, item, attempt, progress) for attempt in job.attempts)
            )

    tasks = [client() for _ in range(CLIENTS)]
    if during is not None:
        tasks.append(during(progress))
    await asyncio.gather(*tasks)
    return progress.now()


def receipt_cookie(response, item):
    """The receipt the form's redirect hands the browser in a signed cookie, if any.

    A signed value is "value:…signature", and a receipt has no colon; the receipt is
    checked against the ballots anyway, so the signature is not checked here."""
    value = cookies_of(response).get(f"ballot-receipt-{item.pk}")
    return value.split(":", 1)[0] if value else None


# Checks ----------------------------------------------------------------------------------


class Checks:
    """Named checks, printed as they are made; `ok` when every one passed."""

    def __init__(self):
        self.failed = []

    def check(self, label, good, shown=""):
        print(f"  {label:<58} {shown:>12}   {'ok' if good else 'FAILED'}")
        if not good:
            self.failed.append(label)
        return good

    @property
    def ok(self):
        return not self.failed


def counted_members(item):
    """The member ids with a voter record on the item (a vote that counted)."""
    from meetings.ballots.models import VoterRecord

    return set(VoterRecord.objects.filter(item=item).values_list("member_id", flat=True))


def final_counts(item):
    """(voter records, ballots) of the item: the sealed ballots waiting to be counted and
    the counted ones (before the close all are sealed, after it all are counted)."""
    from meetings.ballots.models import Ballot, VoterRecord

    records = VoterRecord.objects.filter(item=item)
    sealed = records.filter(sealed_ballot__isnull=False).count()
    return records.count(), sealed + Ballot.objects.filter(item=item).count()


def close_and_count(item, chair):
    """The chair closes the item (in this process), which counts its sealed ballots; the
    meeting's scrutineer unlocks them first if they are locked. Returns seconds taken."""
    from meetings.ballots.chairing import close_item

    unlock_ballots(item.meeting)
    began = time.perf_counter()
    close_item(item, chair)
    return time.perf_counter() - began


def check_item(checks, item, choices, expected_choice, success_receipts):
    """The item's ballots and voter records agree with each other and with the clients:

    expected_choice: {member id: choice pk} of every vote that should have counted;
    success_receipts: the receipts the successful clients were given.
    """
    from django.db.models import Count

    from meetings.ballots.models import Ballot, BallotItem, VoterRecord
    from meetings.ballots.results import tally

    item = BallotItem.objects.get(pk=item.pk)
    assert item.is_counted, "check_item reads counted ballots: close the item first"
    records = VoterRecord.objects.filter(item=item)
    filled = Ballot.objects.filter(item=item)
    n_records, n_filled = records.count(), filled.count()
    duplicates = records.values("member").annotate(n=Count("pk")).filter(n__gt=1).count()
    receipts = set(filled.values_list("receipt", flat=True))
    checks.check("voter records == counted ballots", n_records == n_filled, f"{n_records:,}")
    checks.check(
        "voter records == members whose vote should count",
        n_records == len(expected_choice),
        f"{len(expected_choice):,}",
    )
    checks.check("members with more than one voter record", duplicates == 0, f"{duplicates}")
    checks.check(
        "the members with a record are exactly those expected",
        counted_members(item) == set(expected_choice),
    )
    checks.check("distinct receipts == counted ballots", len(receipts) == n_filled)
    missing = [r for r in success_receipts if r not in receipts]
    checks.check(
        "every successful client's receipt is among the ballots",
        not missing and None not in success_receipts,
        f"{len(success_receipts) - len(missing):,}/{len(success_receipts):,}",
    )
    counts, cast = tally(item, choices)
    got = {choice.label: counts[choice.position] for choice in choices}
    sent = collections.Counter(expected_choice.values())
    want = {choice.label: sent.get(choice.pk, 0) for choice in choices}
    checks.check(
        "the tally equals the choices of the votes that count",
        got == want and cast == len(expected_choice),
        f"{cast:,}",
    )
    print(f"    tally {got}")
    return got


def print_outcomes(title, attempts):
    """Attempted, succeeded, refused (by reason), errors and dropped, by server and route."""
    kinds = collections.Counter(a.kind for a in attempts)
    print(f"\n{title}: {len(attempts):,} attempted")
    for kind in ("success", "refused", "error", "dropped"):
        details = collections.Counter(a.detail for a in attempts if a.kind == kind and a.detail)
        extra = "; ".join(f"{n:,} × {what}" for what, n in details.most_common(6))
        print(f"  {kind:<9} {kinds.get(kind, 0):>6,}{f'   ({extra})' if extra else ''}")
    by = collections.Counter((a.server, a.via, a.kind) for a in attempts)
    parts = []
    for server in sorted({a.server for a in attempts}):
        for via in ("form", "api"):
            row = {k: by[(server, via, k)] for k in ("success", "refused", "error", "dropped")}
            if any(row.values()):
                shown = ", ".join(f"{v:,} {k}" for k, v in row.items() if v)
                parts.append(f"app{server + 1} {via}: {shown}")
    print("  by server: " + " | ".join(parts))
