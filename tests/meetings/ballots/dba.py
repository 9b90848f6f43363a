"""What a database administrator can read of a secret ballot, for tests that attack it.

A PostgreSQL superuser can read the write-ahead log (pg_walinspect), every row version
still on a table's pages (pageinspect), the physical order of rows (ctid), the server's
log and pg_stat_activity. The helpers here read each of them and try the ways a DBA
would to pair a member with what they chose. Each attack ends as an `Attack`: for some
members, a guess of their choice and, where it pairs a voter record with a counted
ballot, that ballot's receipt. `Scorecard` compares what each attack got right with what
blind guessing gets, so a design that keeps the ballot secret passes however the
attacks' guesses fall, and one that leaks fails by a wide margin.

Only the names in the first section know how ballots are stored.
"""

import bisect
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import connection

# What the attacks know of the ballot's storage -----------------------------------------
# The two tables the secret ballot keeps apart, and how to read a counted ballot. Adapt
# these when the storage changes: nothing below names another column of either table.

VOTER_RECORDS = "meetings_voterrecord"  # that a member voted on an item
VOTER_RECORD_MEMBER = "member_id"  # its column naming the member (the members' table's id)
COUNTED_BALLOTS = "meetings_ballot"  # what was chosen, once counted


def read_counted_ballot(row, options):
    """The counted ballot in a row of COUNTED_BALLOTS, given as {column: value} (the row's
    `to_jsonb`), as (frozenset of the chosen options' ids, receipt code); None for a row
    that holds no counted ballot."""
    positions = row.get("choices")
    if not positions:
        return None
    by_position = {option.position: option.id for option in options}
    chosen = frozenset(by_position[int(p)] for p in positions.split(","))
    return CountedBallot(chosen, row["receipt"])


# The truth the test knows, and what an attack claims ----------------------------------


@dataclass(frozen=True)
class Option:
    """One choice on the item's ballot, as the member API lists it (in ballot order)."""

    id: int
    label: str
    position: int  # 0-based, in the ballot's order


@dataclass(frozen=True)
class CountedBallot:
    choices: frozenset
    receipt: str


@dataclass
class Voter:
    """A member who voted, and what only they (and the test) know."""

    pk: int
    identities: tuple  # every token that names them in SQL: ids, member number, email
    choices: frozenset  # option ids they chose
    path: str  # how they voted: "form", "fetch" or "api"
    receipt: str = ""
    order: int = 0  # when they voted: 0 first


@dataclass
class Attack:
    name: str
    guesses: dict = field(default_factory=dict)  # member pk -> frozenset of option ids
    pairings: dict = field(default_factory=dict)  # member pk -> receipt of the paired ballot

    def pair(self, member_pk, ballot):
        """Claim that `ballot` (a CountedBallot) is this member's; the first claim stands."""
        if member_pk is None or ballot is None or member_pk in self.pairings:
            return
        self.pairings[member_pk] = ballot.receipt
        self.guesses[member_pk] = ballot.choices

    def pair_in_order(self, member_pks, ballots):
        for member_pk, ballot in zip(member_pks, ballots, strict=False):
            self.pair(member_pk, ballot)


# Chance --------------------------------------------------------------------------------

FAIL_BELOW = 1e-6  # chance of a secret design's attack scoring as high: never, in practice


def binomial_threshold(trials, p, alpha=FAIL_BELOW):
    """The least count c with P(Binomial(trials, p) >= c) < alpha."""
    tail = 1.0
    for c in range(trials + 1):
        if tail < alpha:
            return c
        tail -= math.comb(trials, c) * p**c * (1 - p) ** (trials - c)
    return trials + 1


class Scorecard:
    """What each attack recovered, against chance.

    Each member's choice is one of k options, and the test gives every option to the same
    number of members in an order drawn at random, so an attack that knows nothing gets a
    member's choice right with probability 1/k and a pairing right with probability 1/n.
    An attack fails the design when it recovers more choices, or more exact (member,
    ballot) pairings, than chance gives with probability FAIL_BELOW.
    """

    def __init__(self, voters, options):
        self.voters = {voter.pk: voter for voter in voters}
        self.options = options
        self.lines = []
        self.failed = []

    def add(self, attack):
        n, k = len(self.voters), len(self.options)
        right = sum(1 for pk, guess in attack.guesses.items() if guess == self.voters[pk].choices)
        choice_bar = binomial_threshold(n, 1 / k)
        line = (
            f"{attack.name}: {right}/{n} members' choices recovered "
            f"(chance {n / k:.1f}, fails at {choice_bar})"
        )
        failed = right >= choice_bar
        if attack.pairings:
            exact = sum(
                1 for pk, receipt in attack.pairings.items() if receipt == self.voters[pk].receipt
            )
            pair_bar = binomial_threshold(len(attack.pairings), 1 / n)
            line += (
                f"; {exact}/{len(attack.pairings)} voter records paired with their own ballot "
                f"(chance {len(attack.pairings) / n:.1f}, fails at {pair_bar})"
            )
            failed = failed or exact >= pair_bar
        self.lines.append(("FAIL " if failed else "ok   ") + line)
        if failed:
            self.failed.append(line)

    def add_finding(self, line):
        """A direct finding: a member's choice readable in plain form beside them."""
        self.lines.append("FAIL " + line)
        self.failed.append(line)

    def report(self):
        return "\n".join(self.lines)


# Reading tables as a superuser ---------------------------------------------------------


def sql(query, params=None):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def ensure_extensions():
    sql("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
    sql("CREATE EXTENSION IF NOT EXISTS pageinspect")


def ctid(text):
    """'(3,14)' -> (3, 14)"""
    block, offset = text.strip("()").split(",")
    return int(block), int(offset)


def live_rows(table):
    """{(block, offset): {column: value}} of the table's live rows."""
    rows = sql(f'SELECT t.ctid::text, to_jsonb(t) FROM "{table}" t')  # noqa: S608 - constant
    # Django reads jsonb as text (its JSONField decodes it itself).
    return {ctid(text): json.loads(row) for text, row in rows}


def vacuum():
    sql(f'VACUUM "{VOTER_RECORDS}", "{COUNTED_BALLOTS}"')


class Resolver:
    """Who a voter-record row names, and which counted ballot a ballot row holds."""

    def __init__(self, options):
        self.options = options
        self.voters = {
            loc: row.get(VOTER_RECORD_MEMBER) for loc, row in live_rows(VOTER_RECORDS).items()
        }
        self.ballots = {}
        for loc, row in live_rows(COUNTED_BALLOTS).items():
            ballot = read_counted_ballot(row, options)
            if ballot is not None:
                self.ballots[loc] = ballot

    def ballots_in_physical_order(self):
        return [self.ballots[loc] for loc in sorted(self.ballots)]

    def members_in_physical_order(self):
        return [self.voters[loc] for loc in sorted(self.voters)]


# The write-ahead log -------------------------------------------------------------------


def lsn(text):
    high, low = text.split("/")
    return int(high, 16) << 32 | int(low, 16)


@dataclass
class WalWrite:
    lsn: int
    xid: int  # the top-level transaction's id
    table: str  # VOTER_RECORDS or COUNTED_BALLOTS
    kind: str  # insert, update, delete, lock
    old: tuple | None  # (block, offset) before
    new: tuple | None  # (block, offset) after
    origin: int = -1  # which row (followed through its updates) it wrote


BLOCK_REF = re.compile(r"blkref #(\d+): rel (\d+)/(\d+)/(\d+)(?: fork (\w+))? blk (\d+)")
OFFSET = re.compile(r"\boff (\d+)")
NEW_OFFSET = re.compile(r"new off (\d+)")
SUBXACTS = re.compile(r"subxacts:((?: \d+)+)")


class KeptWal:
    """The WAL from now on, kept on disk until read (a temporary replication slot on a
    connection of its own: no checkpoint recycles it meanwhile) and read as a DBA would."""

    def __enter__(self):
        ensure_extensions()
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self.keeper = psycopg.connect(**params, autocommit=True)
        pid = self.keeper.info.backend_pid
        self.keeper.execute(
            "SELECT pg_create_physical_replication_slot(%s, true, true)", [f"dba_wal_{pid}"]
        )
        self.start = sql("SELECT pg_current_wal_insert_lsn()::text")[0][0]
        return self

    def __exit__(self, *exc):
        self.keeper.close()  # drops the temporary slot

    def read(self):
        """Every write to the two tables since the start, in WAL order, with the row each
        one wrote followed through later updates."""
        # A transaction that wrote makes its commit flush the WAL up to here.
        sql("SELECT txid_current()")
        end = sql("SELECT pg_current_wal_flush_lsn()::text")[0][0]
        database = sql("SELECT oid FROM pg_database WHERE datname = current_database()")[0][0]
        nodes = {
            sql("SELECT pg_relation_filenode(%s)", [table])[0][0]: table
            for table in (VOTER_RECORDS, COUNTED_BALLOTS)
        }
        rows = sql(
            "SELECT start_lsn::text, xid::text::bigint, resource_manager, record_type,"
            " description, block_ref"
            " FROM pg_get_wal_records_info(%s::pg_lsn, %s::pg_lsn)"
            " WHERE resource_manager IN ('Heap', 'Heap2', 'Transaction')",
            [self.start, end],
        )
        top = {}  # subtransaction id -> its top-level transaction's id
        writes = []
        for start, xid, manager, record, description, block_ref in rows:
            if manager == "Transaction":
                match = SUBXACTS.search(description or "")
                if match:
                    for sub in match.group(1).split():
                        top[int(sub)] = xid
                continue
            blocks = {}
            for ref, _space, db, node, fork, block in BLOCK_REF.findall(block_ref or ""):
                if int(db) == database and int(node) in nodes and fork in ("", "main"):
                    blocks[int(ref)] = (nodes[int(node)], int(block))
            if 0 not in blocks:
                continue
            table, block = blocks[0]
            kind = record.split("+")[0]
            off = OFFSET.search(description or "")
            off = int(off.group(1)) if off else None
            write = None
            if manager == "Heap" and kind == "INSERT" and off:
                write = WalWrite(lsn(start), xid, table, "insert", None, (block, off))
            elif manager == "Heap" and kind in ("UPDATE", "HOT_UPDATE") and off:
                new = int(NEW_OFFSET.search(description).group(1))
                old_block = blocks.get(1, blocks[0])[1]
                write = WalWrite(lsn(start), xid, table, "update", (old_block, off), (block, new))
            elif manager == "Heap" and kind in ("DELETE", "LOCK") and off:
                write = WalWrite(lsn(start), xid, table, kind.lower(), (block, off), None)
            if write is not None:
                writes.append(write)
        for write in writes:
            write.xid = top.get(write.xid, write.xid)
        return follow_rows(writes)


def follow_rows(writes):
    """Give each write the row it wrote (an "origin": one row followed through its
    updates) and return (writes, {origin: (table, final location) or None})."""
    where = {}  # origin -> (table, block, offset) or None once deleted or lost
    at = {}  # (table, block, offset) -> origin living there

    def new_origin(loc):
        origin = len(where)
        if loc in at:  # a line pointer reused: whatever we thought lived there is gone
            where[at[loc]] = None
        where[origin] = loc
        at[loc] = origin
        return origin

    for write in writes:
        if write.kind == "insert":
            write.origin = new_origin((write.table, *write.new))
            continue
        old = (write.table, *write.old)
        origin = at.get(old)
        if origin is None:  # a row written before the WAL was kept
            origin = new_origin(old)
        write.origin = origin
        if write.kind == "update":
            del at[old]
            new = (write.table, *write.new)
            if new in at:
                where[at[new]] = None
            at[new] = origin
            where[origin] = new
        elif write.kind == "delete":
            del at[old]
            where[origin] = None
    return writes, where


def wal_attacks(writes, where, resolver):
    """Every pairing of voter records with ballots a DBA can make from the WAL."""

    def resolve(origin):
        loc = where.get(origin)
        if loc is None:
            return None
        table, block, offset = loc
        if table == VOTER_RECORDS:
            return resolver.voters.get((block, offset))
        return resolver.ballots.get((block, offset))

    voter_writes = [w for w in writes if w.table == VOTER_RECORDS and resolve(w.origin)]
    ballot_writes = [w for w in writes if w.table == COUNTED_BALLOTS and resolve(w.origin)]

    def distinct(origins):
        return list(dict.fromkeys(origins))

    by_xid = defaultdict(lambda: ([], []))
    for w in voter_writes:
        by_xid[w.xid][0].append(w.origin)
    for w in ballot_writes:
        by_xid[w.xid][1].append(w.origin)
    one_and_one = Attack("WAL: a transaction that wrote one voter record and one ballot")
    in_order = Attack("WAL: the n-th voter record and n-th ballot one transaction wrote")
    for voters, ballots in by_xid.values():
        voters, ballots = distinct(voters), distinct(ballots)
        if len(voters) == 1 and len(ballots) == 1:
            one_and_one.pair(resolve(voters[0]), resolve(ballots[0]))
        in_order.pair_in_order([resolve(v) for v in voters], [resolve(b) for b in ballots])

    # Adjacency: each ballot write with the voter-record write nearest it in the log.
    nearest = Attack("WAL: each ballot write paired with the nearest voter-record write")
    candidates = []
    voter_lsns = [w.lsn for w in voter_writes]
    for w in ballot_writes:
        # The voter-record writes just before and just after it.
        for v in voter_writes[max(0, bisect.bisect_left(voter_lsns, w.lsn) - 1) :][:2]:
            candidates.append((abs(v.lsn - w.lsn), v.origin, w.origin))
    taken_voters, taken_ballots = set(), set()
    for _distance, v, b in sorted(candidates):
        if v not in taken_voters and b not in taken_ballots:
            taken_voters.add(v)
            taken_ballots.add(b)
            nearest.pair(resolve(v), resolve(b))

    def first_writes(some):
        first = {}
        for w in some:
            first.setdefault(w.origin, w)
        return first

    first_voter, first_ballot = first_writes(voter_writes), first_writes(ballot_writes)
    by_time = Attack("WAL: voter records and ballots paired in the order first written")
    by_time.pair_in_order(
        [resolve(o) for o, w in sorted(first_voter.items(), key=lambda i: i[1].lsn)],
        [resolve(o) for o, w in sorted(first_ballot.items(), key=lambda i: i[1].lsn)],
    )
    by_place = Attack("WAL: voter records and ballots paired by block and offset first written")
    by_place.pair_in_order(
        [resolve(o) for o, w in sorted(first_voter.items(), key=lambda i: _place(i[1]))],
        [resolve(o) for o, w in sorted(first_ballot.items(), key=lambda i: _place(i[1]))],
    )
    return [one_and_one, in_order, nearest, by_time, by_place]


def unseen_rows(writes, where, resolver):
    """How many live voter records and counted ballots no write in the WAL reached: the
    attacks above can only be trusted to have looked at every row when this is zero."""
    reached = {where.get(w.origin) for w in writes} - {None}
    voters = sum(1 for loc in resolver.voters if (VOTER_RECORDS, *loc) not in reached)
    ballots = sum(1 for loc in resolver.ballots if (COUNTED_BALLOTS, *loc) not in reached)
    return voters, ballots


def _place(write):
    return write.new or write.old


# Row versions on the pages (pageinspect) -----------------------------------------------


@dataclass
class Version:
    table: str
    loc: tuple  # (block, line pointer)
    xmin: int
    xmax: int
    next: tuple  # t_ctid: the newer version, or itself
    member: int | None = None  # for a voter-record version: the member it names


def row_versions(table):
    """Every tuple version on the table's pages, dead or alive, as pageinspect shows it."""
    ensure_extensions()
    blocks = sql("SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table])[0][0]
    member_column = None
    if table == VOTER_RECORDS:
        member_column = sql(
            "SELECT attnum FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            [table, VOTER_RECORD_MEMBER],
        )[0][0]
    versions = []
    for block in range(blocks):
        items = sql(
            "SELECT lp, lp_flags, lp_off, t_xmin::text::bigint, t_xmax::text::bigint,"
            " t_ctid::text, CASE WHEN %s::int IS NOT NULL AND lp_flags = 1 THEN ("
            " tuple_data_split(%s::regclass, t_data, t_infomask, t_infomask2, t_bits))[%s]"
            " END FROM heap_page_items(get_raw_page(%s, %s))",
            [member_column, table, member_column, table, block],
        )
        for lp, flags, lp_off, xmin, xmax, t_ctid, member_bytes in items:
            if flags == 2:  # a redirect left by pruning: points at the chain's next member
                versions.append(Version(table, (block, lp), 0, 0, (block, lp_off)))
            elif flags == 1:
                member = None
                if member_bytes is not None:
                    member = int.from_bytes(bytes(member_bytes), "little", signed=True)
                versions.append(Version(table, (block, lp), xmin, xmax, ctid(t_ctid), member))
    return versions


def chain_ends(versions):
    """{location: where its update chain (t_ctid, redirects) ends}"""
    step = {v.loc: v.next for v in versions}
    ends = {}
    for v in versions:
        loc, seen = v.loc, set()
        while step.get(loc, loc) != loc and loc not in seen:
            seen.add(loc)
            loc = step[loc]
        ends[v.loc] = loc
    return ends


def version_attacks(voter_versions, ballot_versions, resolver):
    """Pairings a DBA makes from row versions: shared transaction ids, and the voting order
    that the versions' xmin gives against the order of the ballots' versions."""
    ballot_ends = chain_ends(ballot_versions)
    voter_ends = chain_ends(voter_versions)

    def member(v):
        if v.member is not None:
            return v.member
        return resolver.voters.get(voter_ends[v.loc])

    def ballot(v):
        return resolver.ballots.get(ballot_ends[v.loc])

    voters = [v for v in voter_versions if v.xmin and member(v) is not None]
    ballots = [v for v in ballot_versions if v.xmin and ballot(v) is not None]

    def group(versions, ident, xmax_too):
        out = defaultdict(list)
        for v in sorted(versions, key=lambda v: v.loc):
            xids = {v.xmin, v.xmax} if xmax_too else {v.xmin}
            for xid in xids - {0}:
                if ident(v) not in out[xid]:
                    out[xid].append(ident(v))
        return out

    attacks = []
    for xmax_too, name in (
        (False, "row versions: a transaction id (xmin) on voter records and ballots"),
        (True, "row versions: a transaction id (xmin or xmax) on voter records and ballots"),
    ):
        by_voter = group(voters, member, xmax_too)
        by_ballot = group(ballots, lambda v: ballot_ends[v.loc], xmax_too)
        attack = Attack(name)
        # Transactions that touched one voter record first: they pair directly. Where one
        # touched several, the n-th voter record with the n-th ballot in physical order.
        xids = sorted(set(by_voter) & set(by_ballot), key=lambda x: len(by_voter[x]))
        for xid in xids:
            attack.pair_in_order(
                by_voter[xid], [resolver.ballots.get(end) for end in by_ballot[xid]]
            )
        attacks.append(attack)

    # The voting order: each member's oldest xmin. Each ballot's chain: the xmins no other
    # chain has (a vote's, not the opening's or the closing's), then where it ends.
    voter_xid = {}
    for v in voters:
        voter_xid[member(v)] = min(voter_xid.get(member(v), v.xmin), v.xmin)
    chain_xids = defaultdict(set)
    for v in ballots:
        chain_xids[ballot_ends[v.loc]].add(v.xmin)
    chains_of = Counter(xid for xids in chain_xids.values() for xid in xids)
    order = Attack("row versions: voting order (xmin) against the ballots' version chains")
    order.pair_in_order(
        sorted(voter_xid, key=voter_xid.get),
        [
            resolver.ballots[end]
            for end in sorted(
                chain_xids,
                key=lambda e: (sorted(x for x in chain_xids[e] if chains_of[x] == 1), e),
            )
        ],
    )
    attacks.append(order)
    return attacks


# Physical order ------------------------------------------------------------------------


def spearman(xs, ys):
    """Spearman's rank correlation of two equally long lists of distinct values."""
    n = len(xs)
    rank_x = {x: r for r, x in enumerate(sorted(xs))}
    rank_y = {y: r for r, y in enumerate(sorted(ys))}
    d2 = sum((rank_x[x] - rank_y[y]) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def spearman_bound(n):
    """|rho| above this has probability < FAIL_BELOW for unrelated orders (rho·sqrt(n-1) is
    close to normal; |z| > 5 has probability 5.7e-7)."""
    return 5 / math.sqrt(n - 1)


# Statement text: the server log and pg_stat_activity ----------------------------------

TOKEN = re.compile(r"[A-Za-z0-9_]+")


@dataclass
class TextUnit:
    """A piece of what the DBA reads: a statement, a transaction, a request, an error."""

    kind: str
    text: str


ENCODINGS = {
    "id": lambda option: str(option.id),
    "position": lambda option: str(option.position),
    "number": lambda option: str(option.position + 1),
    "bit mask": lambda option: str(1 << option.position),
}


def text_attacks(units, voters, options, source):
    """Attacks on statement text. Returns (attacks, findings).

    A unit naming exactly one member (by an id, member number, email) is theirs. A finding
    is such a unit holding, in plain form, a choice's id or label or their receipt. The
    attacks guess from counts: for each way of writing a choice (id, 0- or 1-based
    position, bit mask, label) the option written more often in a member's units than in
    other members' who voted the same way (form, fetch or API: a DBA tells them apart by
    the statements around the vote). Units naming several members are split at each
    member's name, the text after a name counted as theirs.
    """
    identity = {}
    for voter in voters:
        for token in voter.identities:
            identity[token] = voter.pk
    receipts = {voter.receipt: voter.pk for voter in voters if voter.receipt}
    labels = {option: re.compile(rf"\b{re.escape(option.label)}\b", re.I) for option in options}
    findings = []
    per_kind = defaultdict(lambda: defaultdict(list))  # kind -> member -> [text]
    path_of = {voter.pk: voter.path for voter in voters}
    for unit in units:
        tokens = TOKEN.findall(unit.text)
        named = {identity[t] for t in tokens if t in identity}
        named |= {identity[t] for t in identity if "@" in t and t in unit.text}
        if len(named) == 1:
            (pk,) = named
            per_kind[f"{unit.kind}s"][pk].append(unit.text)
            readable = [f"choice id {o.id}" for o in options if str(o.id) in tokens]
            readable += [f"label {o.label!r}" for o in options if labels[o].search(unit.text)]
            readable += [f"receipt {r}" for r in receipts if r in tokens and receipts[r] == pk]
            if readable:
                findings.append(
                    f"{source}, a {unit.kind} naming member {pk} shows {', '.join(readable)}: "
                    f"{_excerpt(unit.text)}"
                )
        elif len(named) > 1:
            # Split the text at each member's name: what follows a name is theirs.
            pieces = re.split(r"(\b[A-Za-z0-9_.@+-]+\b)", unit.text)
            current = None
            for piece in pieces:
                if piece in identity:
                    current = identity[piece]
                elif current is not None:
                    per_kind[f"{unit.kind}s naming several members, cut at each name"][
                        current
                    ].append(piece)
    attacks = []
    for kind, texts in per_kind.items():
        counts = {pk: Counter(TOKEN.findall(" ".join(parts))) for pk, parts in texts.items()}
        label_counts = {
            pk: {o: len(labels[o].findall(" ".join(parts))) for o in options}
            for pk, parts in texts.items()
        }
        readings = {
            name: {pk: {o: counts[pk][encode(o)] for o in options} for pk in counts}
            for name, encode in ENCODINGS.items()
        }
        readings["label"] = label_counts
        for name, seen in readings.items():
            attack = Attack(f"{source}, {kind}, choices written as {name}")
            for pk, guess in _excess_guesses(seen, path_of).items():
                attack.guesses[pk] = frozenset({guess.id})
            attacks.append(attack)
    return attacks, findings


def _excess_guesses(seen, path_of):
    """{member: option} where one option is written more often in the member's text than
    in the text of any other member of the same path (the statements every vote sends
    write each option equally often)."""
    by_path = defaultdict(list)
    for pk in seen:
        by_path[path_of.get(pk, "")].append(pk)
    guesses = {}
    for pks in by_path.values():
        options = list(seen[pks[0]])
        baseline = {o: min(seen[pk][o] for pk in pks) for o in options}
        for pk in pks:
            excess = {o: seen[pk][o] - baseline[o] for o in options}
            best = max(excess.values())
            top = [o for o in options if excess[o] == best]
            if best > 0 and len(top) == 1:
                guesses[pk] = top[0]
    return guesses


def _excerpt(text, limit=600):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."


# The server log ------------------------------------------------------------------------

LOG_LEVELS = "LOG|ERROR|DETAIL|STATEMENT|HINT|CONTEXT|WARNING|NOTICE|FATAL|INFO"
LOG_ENTRY = re.compile(rf"^(?P<prefix>.*?)\b(?P<level>{LOG_LEVELS}):  (?P<message>.*)$")
LOG_PID = re.compile(r"\[(\d+)\]")


def server_log_path():
    major = int(sql("SHOW server_version_num")[0][0]) // 10000
    return Path(f"/var/log/postgresql/postgresql-{major}-main.log")


@dataclass
class LogEntry:
    pid: int
    level: str
    message: str


def read_server_log(path, offset, database):
    """The entries the server logged for `database` after byte `offset` of its log."""
    with path.open("rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", "replace")
    entries = []
    current = None
    for line in text.splitlines():
        if line.startswith("\t") and current is not None:
            current.message += "\n" + line[1:]
            continue
        current = None
        match = LOG_ENTRY.match(line)
        if not match or f"@{database} " not in match["prefix"] + " ":
            continue
        pid = LOG_PID.search(match["prefix"])
        current = LogEntry(int(pid.group(1)) if pid else 0, match["level"], match["message"])
        entries.append(current)
    return entries


STATEMENT_MESSAGE = re.compile(r"^(?:statement|execute [^:]*|bind [^:]*):\s*", re.S)


def log_units(entries, marker):
    """The log cut into what a DBA reads: each statement with its DETAIL/ERROR lines, each
    transaction (BEGIN to COMMIT/ROLLBACK on one backend), each request (between two
    markers the test logs) and each error report (ERROR with its DETAIL and STATEMENT)."""
    units = []
    per_pid = defaultdict(list)
    for entry in entries:
        per_pid[entry.pid].append(entry)
    for pid_entries in per_pid.values():
        statement, transaction, request, error = [], [], [], []
        in_transaction = False

        def flush(kind, parts):
            if parts:
                units.append(TextUnit(kind, "\n".join(parts)))

        for entry in pid_entries:
            text = f"{entry.level}: {entry.message}"
            is_statement = entry.level == "LOG" and STATEMENT_MESSAGE.match(entry.message)
            body = STATEMENT_MESSAGE.sub("", entry.message).strip().upper()
            if is_statement and marker.upper() in body:
                flush("request", request)
                request = []
                continue
            if is_statement or entry.level == "ERROR":
                flush("statement", statement)
                flush("error report", error)
                statement, error = [], []
            if entry.level == "ERROR":
                error = [text]
            elif error:
                error.append(text)
            statement.append(text)
            request.append(text)
            if in_transaction:
                transaction.append(text)
            if not is_statement:
                continue
            if body.startswith(("BEGIN", "START TRANSACTION")):
                in_transaction, transaction = True, [text]
            elif body.startswith(("COMMIT", "END", "ROLLBACK")) and not body.startswith(
                "ROLLBACK TO"
            ):
                flush("transaction", transaction)
                in_transaction, transaction = False, []
        flush("statement", statement)
        flush("transaction", transaction)
        flush("request", request)
        flush("error report", error)
    return units
