"""The secret ballot against the database's administrator.

The README promises that nobody can find out from the data how a member voted. These
tests hold the site to it against a PostgreSQL superuser: members vote through the real
paths (the meeting page's form, the page script's fetch, the member API), each member's
true choice known to the test, the chair closes the item, and then the tests read what a
DBA can read (the write-ahead log, dead and live row versions, the rows' physical order,
the server log, pg_stat_activity) and try every pairing of members with choices a DBA
would. `dba.py` beside this file holds the attacks and the scoring against chance; only
its first lines know how ballots are stored.
"""

import random
import re
import threading
import time
from dataclasses import dataclass, field

import psycopg
import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from meetings.factories import (
    SCRUTINEER_PASSPHRASE,
    BallotItemFactory,
    CandidateFactory,
)
from meetings.models import BallotItem
from tests.meeting_fixtures import chair_account, chapter_meeting_begun
from tests.meetings.ballots import dba
from tests.member_fixtures import give_account, member_of, two_chapters

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="attacks PostgreSQL's own records"
    ),
]

# Each test's votes commit one by one, as in a real meeting (a test transaction around them
# would make them all one transaction); serialized_rollback keeps the migrations' data for
# the tests that follow.
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FETCH = {"X-Requested-With": "fetch"}
PATHS = ("form", "fetch", "api")
RECEIPT = re.compile(r'class="receipt">([A-Z0-9]+)<')
CANDIDATES = ("Ana Oyelaran", "Bogdan Kristiansen", "Chloé Thibodeaux-Ng")
MARK = "dba: next request"  # logged between requests, to cut the log into requests

SLOW = "one at a time"
BURST = "burst"
MEMBERS = {SLOW: 42, BURST: 60}  # multiples of the motion's 3 choices
LOGGED_MEMBERS = 32  # a multiple of the election's 4 choices


@dataclass
class Agm:
    meeting: object
    item: object
    chair: Client
    options: list
    voters: list  # dba.Voter
    clients: dict  # member pk -> the member's signed-in Client
    # giver pk -> (holder pk, giver's member ID): that giver's vote is cast by the proxy holder
    proxies: dict = field(default_factory=dict)

    def vote_url(self):
        return reverse("meetings:vote", args=[self.meeting.pk, self.item.pk])

    def api_vote_url(self):
        return f"/api/member/v1/meetings/{self.meeting.pk}/ballot/{self.item.pk}/vote/"


def agm_under_way(home_page, members, *, election=False, seed=20270301):
    """A Chapter AGM with one open item and `members` eligible members signed in, each
    given one of the item's choices (every choice to as many members) and a vote path."""
    chapter, _ = two_chapters()
    chair = chair_account()
    meeting = chapter_meeting_begun(home_page, chapter, chairs=[chair])
    if election:
        item = BallotItemFactory(
            meeting=meeting, kind=BallotItem.Kind.ELECTION, title="Chapter president"
        )
        for n, name in enumerate(CANDIDATES):
            CandidateFactory(item=item, name=name, sort_order=n)
    else:
        item = BallotItemFactory(meeting=meeting, title="Motion 1: safe staffing")
    people = [member_of(chapter) for _ in range(members)]
    for person in people:
        give_account(person)
    chair_client = Client()
    chair_client.force_login(chair)
    assert chair_client.post(f"{meeting.url}chair/open/{item.pk}/").status_code == 302
    clients = {}
    for person in people:
        clients[person.pk] = Client()
        clients[person.pk].force_login(person.account)
    ballot = clients[people[0].pk].get(f"/api/member/v1/meetings/{meeting.pk}/ballot/").json()
    (row,) = ballot["open_items"]
    options = [dba.Option(c["id"], c["label"], n) for n, c in enumerate(row["choices"])]
    assert members % len(options) == 0
    choices = [option for option in options for _ in range(members // len(options))]
    random.Random(seed).shuffle(choices)
    voters = [
        dba.Voter(
            pk=person.pk,
            identities=(str(person.pk), str(person.account.pk), person.member_id, person.email),
            choices=frozenset({choice.id}),
            path=PATHS[n % len(PATHS)],
        )
        for n, (person, choice) in enumerate(zip(people, choices, strict=True))
    ]
    return Agm(meeting, item, chair_client, options, voters, clients)


def vote(agm, voter, *, client=None, follow=True):
    """One vote by `voter` for their choice, through their path. The receipt, or "" when
    the vote was refused (or the form's receipt was not followed to the page)."""
    client = client or agm.clients[voter.pk]
    (choice,) = voter.choices
    proxy = {}
    if voter.pk in agm.proxies:
        holder, giver_member_id = agm.proxies[voter.pk]
        client, proxy = agm.clients[holder], {"on_behalf_of": giver_member_id}
    if voter.path == "api":
        response = client.post(
            agm.api_vote_url(), {"choices": [choice], **proxy}, content_type="application/json"
        )
        return response.json()["receipt"] if response.status_code == 201 else ""
    headers = FETCH if voter.path == "fetch" else {}
    response = client.post(
        agm.vote_url(), {"choice": [choice], **proxy}, headers=headers, follow=follow
    )
    found = RECEIPT.search(response.content.decode())
    return found.group(1) if found else ""


def vote_one_at_a_time(agm):
    for order, voter in enumerate(agm.voters):
        voter.receipt = vote(agm, voter)
        voter.order = order
        assert voter.receipt, f"member {voter.pk}'s vote ({voter.path}) was not recorded"


def vote_in_a_burst(agm, workers=10):
    """Every member votes at once, from `workers` threads (each with its own database
    connection) released together; the voting order is the order the answers came."""
    barrier = threading.Barrier(workers)
    finished, errors = [], []
    lock = threading.Lock()

    def work(share):
        try:
            barrier.wait()
            for voter in share:
                voter.receipt = vote(agm, voter)
                with lock:
                    finished.append((time.monotonic_ns(), voter.pk))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(agm.voters[n::workers],)) for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    order = {pk: n for n, (_, pk) in enumerate(sorted(finished))}
    for voter in agm.voters:
        assert voter.receipt, f"member {voter.pk}'s vote ({voter.path}) was not recorded"
        voter.order = order[voter.pk]


VOTING = {SLOW: vote_one_at_a_time, BURST: vote_in_a_burst}


def close(agm):
    """A scrutineer unlocks the sealed ballots on the chair's page, then the chair closes
    the item (which counts it)."""
    scrutineer = Client()
    scrutineer.force_login(agm.meeting.scrutineers.first())
    unlocked = scrutineer.post(
        f"{agm.meeting.url}chair/unlock/", {"passphrase": SCRUTINEER_PASSPHRASE}
    )
    assert unlocked.status_code == 302
    response = agm.chair.post(f"{agm.meeting.url}chair/close/{agm.item.pk}/", {"confirmed": "yes"})
    assert response.status_code == 302
    agm.item.refresh_from_db()
    assert agm.item.is_counted


def counted_as_cast(agm, resolver):
    """The counted ballots are exactly the votes cast (this also proves that
    `dba.read_counted_ballot` reads them right)."""
    counted = sorted((b.receipt, sorted(b.choices)) for b in resolver.ballots.values())
    cast = sorted((v.receipt, sorted(v.choices)) for v in agm.voters)
    assert counted == cast


@pytest.fixture
def no_autovacuum(db):
    """Autovacuum would remove dead row versions at a moment of its choosing; a DBA can
    stop it, and the verdicts must not depend on when it runs."""
    for table in (dba.VOTER_RECORDS, dba.COUNTED_BALLOTS):
        dba.sql(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)')
    yield
    for table in (dba.VOTER_RECORDS, dba.COUNTED_BALLOTS):
        dba.sql(f'ALTER TABLE "{table}" RESET (autovacuum_enabled)')


@pytest.fixture
def distinct_ids(db):
    """Each table's ids from a range of millions of its own, so that a number in a statement
    names one row of one table (a real database's ids are as large)."""
    sequences = dba.sql(
        "SELECT s.seqrelid::regclass::text, s.seqmax, s.seqstart,"
        " pg_sequence_last_value(s.seqrelid)"
        " FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid ORDER BY c.relname"
    )
    for n, (name, maximum, _first, _last) in enumerate(sequences):
        start = (n + 1) * 1_000_000 + 100_000
        if start + 100_000 < maximum:
            dba.sql("SELECT setval(%s, %s, false)", [name, start])
    yield
    for name, _maximum, first, last in sequences:
        dba.sql(
            "SELECT setval(%s, %s, %s)", [name, first if last is None else last, last is not None]
        )


def voted_and_closed(home_page, voting):
    """An AGM whose members have voted (``SLOW`` or ``BURST``) and whose item is closed."""
    agm = agm_under_way(home_page, MEMBERS[voting])
    VOTING[voting](agm)
    close(agm)
    return agm


def scored(agm, attacks, findings=()):
    """A scorecard of the attacks' pairings of members with choices, against chance."""
    card = dba.Scorecard(agm.voters, agm.options)
    for finding in findings:
        card.add_finding(finding)
    for attack in attacks:
        card.add(attack)
    return card


def holds(card, heading=""):
    """Show the card (run with -s to read the figures), and fail if any attack did better
    than chance."""
    print(f"\n{heading}:\n{card.report()}" if heading else f"\n{card.report()}")
    assert not card.failed, card.report()


# The write-ahead log -------------------------------------------------------------------


@COMMITTED
@pytest.mark.parametrize("voting", [SLOW, BURST])
def test_the_write_ahead_log_pairs_no_member_with_their_ballot(home_page, no_autovacuum, voting):
    agm = agm_under_way(home_page, MEMBERS[voting])
    with dba.KeptWal() as wal:
        VOTING[voting](agm)
        close(agm)
        dba.vacuum()
        writes, where = wal.read()
    resolver = dba.Resolver(agm.options)
    counted_as_cast(agm, resolver)
    # Every voter record and counted ballot was written while the WAL was kept, and the
    # reading found each write (a record type it cannot place would hide rows from it).
    assert dba.unseen_rows(writes, where, resolver) == (0, 0)

    holds(scored(agm, dba.wal_attacks(writes, where, resolver)), f"WAL, {voting}")


@COMMITTED
def test_proxy_votes_pair_no_member_with_their_ballot_in_the_wal(home_page, no_autovacuum):
    """A third of the members vote through a proxy holder (who votes for themselves too):
    their ballots are sealed and written like any other, so the WAL pairs no better."""
    from meetings.proxies.models import Proxy
    from members.models import Member

    agm = agm_under_way(home_page, MEMBERS[SLOW])
    voters = agm.voters
    for giver, holder in zip(voters[0::3], voters[1::3], strict=True):
        member = Member.objects.get(pk=giver.pk)
        Proxy.objects.create(
            meeting=agm.meeting,
            giver=member,
            holder_id=holder.pk,
            status=Proxy.Status.APPROVED,
            source=Proxy.Source.PAPER_FORM,
        )
        agm.proxies[giver.pk] = (holder.pk, member.member_id)
    with dba.KeptWal() as wal:
        vote_one_at_a_time(agm)
        close(agm)
        dba.vacuum()
        writes, where = wal.read()
    resolver = dba.Resolver(agm.options)
    counted_as_cast(agm, resolver)
    assert dba.unseen_rows(writes, where, resolver) == (0, 0)

    holds(scored(agm, dba.wal_attacks(writes, where, resolver)), "WAL, with proxies")


# Row versions on the pages -------------------------------------------------------------


@COMMITTED
@pytest.mark.parametrize("voting", [SLOW, BURST])
def test_dead_and_live_row_versions_pair_no_member_with_their_ballot(
    home_page, no_autovacuum, voting
):
    agm = voted_and_closed(home_page, voting)
    # Before any VACUUM: every version the votes and the close left is still on its page.
    voter_versions = dba.row_versions(dba.VOTER_RECORDS)
    ballot_versions = dba.row_versions(dba.COUNTED_BALLOTS)
    resolver = dba.Resolver(agm.options)
    counted_as_cast(agm, resolver)

    attacks = dba.version_attacks(voter_versions, ballot_versions, resolver)
    holds(scored(agm, attacks), f"Row versions, {voting}")


# Physical order ------------------------------------------------------------------------


@COMMITTED
@pytest.mark.parametrize("voting", [SLOW, BURST])
def test_the_counted_ballots_physical_order_is_not_the_order_of_voting(
    home_page, no_autovacuum, voting
):
    agm = voted_and_closed(home_page, voting)
    dba.vacuum()
    resolver = dba.Resolver(agm.options)
    counted_as_cast(agm, resolver)
    ballots = resolver.ballots_in_physical_order()
    in_voting_order = sorted(agm.voters, key=lambda voter: voter.order)

    card = dba.Scorecard(agm.voters, agm.options)
    by_voting = dba.Attack("counted ballots in physical order, paired in the order of voting")
    by_voting.pair_in_order([voter.pk for voter in in_voting_order], ballots)
    card.add(by_voting)
    by_records = dba.Attack(
        "counted ballots in physical order, paired with voter records in physical order"
    )
    by_records.pair_in_order(resolver.members_in_physical_order(), ballots)
    card.add(by_records)
    # How closely each member's own ballot's place follows when they voted.
    place = {ballot.receipt: n for n, ballot in enumerate(ballots)}
    rho = dba.spearman(
        [voter.order for voter in agm.voters], [place[voter.receipt] for voter in agm.voters]
    )
    bound = dba.spearman_bound(len(agm.voters))
    line = (
        f"rank correlation of each ballot's physical place with when its member voted: "
        f"{rho:+.2f} (unrelated orders stay within ±{bound:.2f})"
    )
    if abs(rho) > bound:
        card.add_finding(line)
    else:
        card.lines.append("ok   " + line)

    holds(card, f"Physical order, {voting}")


# What the server logs, and what pg_stat_activity shows ---------------------------------


def mark():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s", [MARK])


def vote_and_click_again(agm):
    """Each member votes, then sends the same vote again (a double click): refused."""
    for voter in agm.voters:
        mark()
        voter.receipt = vote(agm, voter, follow=False)
        assert voter.receipt or voter.path == "form"
        mark()
        assert vote(agm, voter, follow=False) == ""
    mark()
    close(agm)
    mark()


def no_choice_beside_a_member(units, agm, source):
    attacks, findings = dba.text_attacks(units, agm.voters, agm.options, source)
    return scored(agm, attacks, findings)


@pytest.fixture
def server_log():
    path = dba.server_log_path()
    if not path.is_file():
        pytest.skip(f"the server's log is not at {path}: not this machine's PostgreSQL")
    return path


# What a DBA switches on to see everything: every statement, the statement of every error,
# and every statement's plan with its text (auto_explain; from PostgreSQL 16 with its
# parameters too, by default).
LOG_EVERYTHING = {
    "log_statement": "all",
    "log_min_error_statement": "error",
    "session_preload_libraries": "auto_explain",
    "auto_explain.log_min_duration": "0",
}


@COMMITTED
def test_the_server_log_of_every_statement_shows_no_choice_beside_a_member(
    home_page, distinct_ids, server_log
):
    agm = agm_under_way(home_page, LOGGED_MEMBERS, election=True)
    database = connection.settings_dict["NAME"]
    offset = server_log.stat().st_size
    # Loaded here first: a library that failed to load would lock every new connection out.
    dba.sql("LOAD 'auto_explain'")
    changed = []
    try:
        for name, value in LOG_EVERYTHING.items():
            dba.sql(f'ALTER DATABASE "{database}" SET {name} = %s', [value])
            changed.append(name)
        connections.close_all()  # new connections take the database's settings
        vote_and_click_again(agm)
    finally:
        for name in changed:
            dba.sql(f'ALTER DATABASE "{database}" RESET {name}')
        connections.close_all()
    entries = dba.read_server_log(server_log, offset, database)
    units = dba.log_units(entries, MARK)
    # The log was read, and every statement in it: the markers between requests are there.
    requests = [unit for unit in units if unit.kind == "request"]
    assert len(requests) >= 2 * len(agm.voters), f"{len(entries)} log entries for {database}"

    card = no_choice_beside_a_member(units, agm, "server log (log_statement=all)")

    holds(card)


@pytest.mark.django_db
def test_a_refused_second_vote_logs_no_choice_with_default_logging(
    home_page, distinct_ids, server_log
):
    agm = agm_under_way(home_page, LOGGED_MEMBERS, election=True)
    database = connection.settings_dict["NAME"]
    offset = server_log.stat().st_size
    with connection.cursor() as cursor:
        # PostgreSQL's defaults, whatever the server was started with.
        cursor.execute("SET log_statement = 'none'")
        cursor.execute("SET log_min_error_statement = 'error'")
        try:
            # An error of our own shows that this is the server's log and that it logs errors.
            try:
                with transaction.atomic():
                    cursor.execute("SELECT 1 / 0 AS dba_error_marker")
            except DatabaseError:
                pass
            for voter in agm.voters:
                voter.receipt = vote(agm, voter, follow=False)
                assert vote(agm, voter, follow=False) == ""  # the double click
            close(agm)
        finally:
            cursor.execute("RESET log_statement")
            cursor.execute("RESET log_min_error_statement")
    entries = dba.read_server_log(server_log, offset, database)
    assert any("dba_error_marker" in entry.message for entry in entries)
    units = dba.log_units(entries, MARK)

    card = no_choice_beside_a_member(units, agm, "server log (default settings)")

    holds(card)


class ActivityWatch:
    """What pg_stat_activity shows of the site's connection after each statement it sends
    (an idle backend keeps showing its last statement): read from a connection of its own,
    as a DBA's session would."""

    def __init__(self):
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self.monitor = psycopg.connect(**params, autocommit=True)
        self.requests = []

    def request(self):
        self.requests.append([])

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        finally:
            pid = context["connection"].connection.info.backend_pid
            (shown,) = self.monitor.execute(
                "SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()
            if self.requests:
                self.requests[-1].append(shown)

    def units(self):
        units = []
        for statements in self.requests:
            units += [dba.TextUnit("statement", text) for text in statements]
            units.append(dba.TextUnit("request", "\n".join(statements)))
        return units


@pytest.mark.django_db
def test_pg_stat_activity_shows_no_choice_beside_a_member(home_page, distinct_ids):
    agm = agm_under_way(home_page, LOGGED_MEMBERS, election=True)
    watch = ActivityWatch()
    try:
        with connection.execute_wrapper(watch):
            for voter in agm.voters:
                watch.request()
                voter.receipt = vote(agm, voter, follow=False)
                watch.request()
                assert vote(agm, voter, follow=False) == ""
            watch.request()
            close(agm)
    finally:
        watch.monitor.close()
    assert sum(len(statements) for statements in watch.requests) > len(agm.voters)

    card = no_choice_beside_a_member(watch.units(), agm, "pg_stat_activity")

    holds(card)
