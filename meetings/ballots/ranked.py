"""Counting ranked ballots: instant-runoff for one seat, the single transferable vote
for several.

Pure arithmetic on (ranking, number of ballots) pairs, apart from the database, so
the rules are tested on published examples and against an independent library
(tests/meetings/ballots/test_ranked_count.py).

The rules, each named in full on the ballot and in the results (`RULES`):

* **Scottish STV** is the count of The Scottish Local Government Elections Order
  2007 (SSI 2007/42), schedule 1, rules 45 to 52, followed to the letter:

  - the quota is the valid ballots divided by one more than the seats, any
    fraction ignored, plus one (the Droop quota, rule 46); reaching it elects
    (rule 47);
  - a surplus moves every ballot the elected candidate holds, each at
    surplus × its value ÷ the candidate's votes, truncated to five decimal places
    (rule 48: the weighted inclusive Gregory method); what truncation loses is
    shown as "lost to rounding";
  - the largest surplus is transferred first; equal surpluses go in the order of
    the votes at the most recent earlier stage at which the candidates differed,
    and by lot if they never did (rule 49);
  - with no surplus left, the candidate with fewest votes is excluded and all
    their ballots move at the value they arrived with; a tie for fewest is broken
    the same way (rules 50 and 51);
  - when as many candidates continue as seats remain, they are elected and
    nothing more is transferred (rule 52).

  Where several candidates tie and an earlier stage separates only some of them,
  the count keeps the ones still tied at that stage and looks further back.

* **Instant-runoff** (one seat) excludes the candidate with fewest votes, ties
  broken as above, until one candidate holds more than half the votes still in
  the count (ballots with no further preference drop out).

A lot is drawn by the site (`secrets.SystemRandom` unless a test passes its own
`random.Random`), and every draw is recorded in the count with the candidates it
was drawn among. Votes are held as whole numbers of 1/100,000ths of a vote, so
the five-decimal arithmetic of rule 48 is exact.
"""

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

SCALE = 100_000  # votes are counted in units of 0.00001 (rule 48's five places)

SCOTTISH_STV = "scottish_stv"
INSTANT_RUNOFF = "instant_runoff"
RULES = {
    INSTANT_RUNOFF: (
        "Instant-runoff (one seat): the candidate with fewest votes is excluded and "
        "their ballots pass to the next preference, until one candidate has more than "
        "half of the votes still in the count. Ties are broken by the most recent "
        "earlier round in which the tied candidates differed, then by lot."
    ),
    SCOTTISH_STV: (
        "Single transferable vote under the Scottish STV rules of 2007 (The Scottish "
        "Local Government Elections Order 2007, schedule 1, rules 45 to 52): Droop "
        "quota; surpluses transferred largest first at fractional values truncated to "
        "five decimal places; ties broken by the most recent earlier stage in which "
        "the tied candidates differed, then by lot."
    ),
}
RULE_NAMES = {
    INSTANT_RUNOFF: "Instant-runoff",
    SCOTTISH_STV: "Single transferable vote (Scottish STV rules 2007)",
}


def as_votes(units):
    """A count held in 1/100,000ths as a Decimal with its five places (e.g. 11.99996)."""
    return (Decimal(units) / SCALE).quantize(Decimal("0.00001"))


@dataclass
class Lot:
    """A lot drawn by the site to break a tie that no earlier stage breaks."""

    stage: int
    purpose: str  # "exclusion" or "surplus order"
    among: list
    drawn: object


@dataclass
class Stage:
    """One round of the count: what was done and where every vote stood after it.

    `votes` holds each candidate's votes (units of 1/100,000) at the end of the stage;
    `exhausted` and `lost_to_rounding` are running totals. Votes of every candidate,
    plus those two, always add up to the valid ballots.
    """

    number: int
    action: str  # "first preferences", "surplus", "exclusion" or "last vacancies"
    subject: object = None  # the candidate whose surplus or ballots moved
    transferred: int = 0  # units moved to other candidates in this stage
    votes: dict = field(default_factory=dict)
    elected: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    exhausted: int = 0
    lost_to_rounding: int = 0
    threshold: int = 0  # units needed to be elected at this stage
    tie_broken_by: str = ""  # "", "an earlier stage" or "lot"


@dataclass
class RankedCount:
    rule: str
    seats: int
    candidates: list
    valid_ballots: int
    quota: int | None  # whole votes (STV); None for instant-runoff's moving majority
    stages: list[Stage]
    elected: list  # in order of election
    lots: list[Lot]

    @property
    def unfilled_seats(self):
        return self.seats - len(self.elected)


class _Count:
    def __init__(self, rule, candidates, ballots, seats, rng):
        self.rule = rule
        self.candidates = list(candidates)
        self.seats = seats
        self.rng = rng or secrets.SystemRandom()
        known = set(self.candidates)
        # A parcel: [ranking, index of its current preference, value in units, ballots].
        self.parcels = {candidate: [] for candidate in self.candidates}
        self.votes = dict.fromkeys(self.candidates, 0)
        self.valid = 0
        for ranking, number in ballots:
            ranking = tuple(ranking)
            if number <= 0 or not ranking:
                continue
            if len(set(ranking)) != len(ranking) or not set(ranking) <= known:
                raise ValueError(f"Not a valid ranking of these candidates: {ranking!r}")
            self.valid += number
            self.parcels[ranking[0]].append([ranking, 0, SCALE, number])
            self.votes[ranking[0]] += SCALE * number
        self.continuing = list(self.candidates)
        self.elected = []
        self.excluded = []
        self.pending_surplus = []
        self.exhausted = 0
        self.lost = 0
        self.stages = []
        self.lots = []
        if rule == SCOTTISH_STV:
            self.quota = self.valid // (seats + 1) + 1
        elif rule == INSTANT_RUNOFF:
            if seats != 1:
                raise ValueError("Instant-runoff fills one seat: use STV for several.")
            self.quota = None
        else:
            raise ValueError(f"Unknown counting rule {rule!r}")

    # Thresholds ------------------------------------------------------------------

    def threshold(self):
        """Units a candidate needs to be elected now."""
        if self.quota is not None:
            return self.quota * SCALE
        # Instant-runoff: more than half of the votes still in the count.
        return sum(self.votes[c] for c in self.continuing) // 2 + 1

    # Stages ----------------------------------------------------------------------

    def record(self, action, subject=None, transferred=0, excluded=(), tie_broken_by=""):
        threshold = self.threshold()
        reached = [c for c in self.continuing if self.votes[c] >= threshold]
        # Order of election within a stage: most votes first, then ballot order.
        reached.sort(key=lambda c: (-self.votes[c], self.candidates.index(c)))
        reached = reached[: self.seats - len(self.elected)]
        for candidate in reached:
            self.continuing.remove(candidate)
            self.elected.append(candidate)
            self.pending_surplus.append(candidate)
        self.stages.append(
            Stage(
                number=len(self.stages) + 1,
                action=action,
                subject=subject,
                transferred=transferred,
                votes=dict(self.votes),
                elected=reached,
                excluded=list(excluded),
                exhausted=self.exhausted,
                lost_to_rounding=self.lost,
                threshold=threshold,
                tie_broken_by=tie_broken_by,
            )
        )

    def run(self):
        if self.valid == 0:
            # No valid ballot: nothing to count and nobody elected (not a draw by lot).
            return RankedCount(self.rule, self.seats, self.candidates, 0, self.quota, [], [], [])
        self.record("first preferences")
        while len(self.elected) < self.seats:
            vacancies = self.seats - len(self.elected)
            if len(self.continuing) <= vacancies:
                # Rule 52: the continuing candidates fill the last vacancies.
                if not self.continuing:
                    break
                elected = sorted(
                    self.continuing, key=lambda c: (-self.votes[c], self.candidates.index(c))
                )
                self.continuing = []
                self.elected.extend(elected)
                stage = Stage(
                    number=len(self.stages) + 1,
                    action="last vacancies",
                    votes=dict(self.votes),
                    elected=elected,
                    exhausted=self.exhausted,
                    lost_to_rounding=self.lost,
                    threshold=self.threshold(),
                )
                self.stages.append(stage)
                break
            surpluses = [c for c in self.pending_surplus if self.votes[c] > self.quota_units]
            self.pending_surplus = surpluses
            if surpluses:
                largest = max(self.votes[c] for c in surpluses)
                tied = [c for c in surpluses if self.votes[c] == largest]
                candidate, how = self.break_tie(tied, highest=True, purpose="surplus order")
                self.pending_surplus.remove(candidate)
                moved = self.transfer_surplus(candidate)
                self.record("surplus", candidate, moved, tie_broken_by=how)
            else:
                fewest = min(self.votes[c] for c in self.continuing)
                tied = [c for c in self.continuing if self.votes[c] == fewest]
                candidate, how = self.break_tie(tied, highest=False, purpose="exclusion")
                moved = self.exclude(candidate)
                self.record("exclusion", candidate, moved, excluded=[candidate], tie_broken_by=how)
        return RankedCount(
            rule=self.rule,
            seats=self.seats,
            candidates=self.candidates,
            valid_ballots=self.valid,
            quota=self.quota,
            stages=self.stages,
            elected=self.elected,
            lots=self.lots,
        )

    @property
    def quota_units(self):
        # Instant-runoff elects its one candidate outright: there is never a surplus.
        return self.quota * SCALE if self.quota is not None else float("inf")

    # Ties --------------------------------------------------------------------------

    def break_tie(self, tied, *, highest, purpose):
        """(candidate, how) for rules 49(2)-(3) and 51: the most recent earlier stage at
        which the tied candidates' votes differed decides; if none does, a lot."""
        if len(tied) == 1:
            return tied[0], ""
        tied = list(tied)
        for stage in reversed(self.stages):
            values = {c: stage.votes[c] for c in tied}
            if len(set(values.values())) > 1:
                best = (max if highest else min)(values.values())
                tied = [c for c in tied if values[c] == best]
                if len(tied) == 1:
                    return tied[0], "an earlier stage"
        drawn = self.rng.choice(sorted(tied, key=self.candidates.index))
        self.lots.append(Lot(stage=len(self.stages) + 1, purpose=purpose, among=tied, drawn=drawn))
        return drawn, "lot"

    # Transfers ---------------------------------------------------------------------

    def next_preference(self, ranking, index):
        continuing = self.continuing_set
        for later in range(index + 1, len(ranking)):
            if ranking[later] in continuing:
                return later
        return None

    def move(self, candidate, value_of):
        """Move every parcel the candidate holds to its next continuing preference at
        `value_of(parcel value)`; returns the units moved to candidates."""
        self.continuing_set = set(self.continuing)
        moved = 0
        for ranking, index, value, number in self.parcels[candidate]:
            new_value = value_of(value)
            if new_value == 0:
                continue
            later = self.next_preference(ranking, index)
            if later is None:
                self.exhausted += new_value * number
                continue
            receiver = ranking[later]
            self.parcels[receiver].append([ranking, later, new_value, number])
            self.votes[receiver] += new_value * number
            moved += new_value * number
        self.parcels[candidate] = []
        return moved

    def transfer_surplus(self, candidate):
        total = self.votes[candidate]
        surplus = total - self.quota_units
        exhausted_before = self.exhausted
        # Rule 48(3): surplus × value ÷ total, to five places, any remainder ignored.
        moved = self.move(candidate, lambda value: surplus * value // total)
        self.lost += surplus - moved - (self.exhausted - exhausted_before)
        self.votes[candidate] = self.quota_units
        return moved

    def exclude(self, candidate):
        self.continuing.remove(candidate)
        self.excluded.append(candidate)
        moved = self.move(candidate, lambda value: value)
        self.votes[candidate] = 0
        return moved


def count_ranked(rule, candidates, ballots, seats, rng=None):
    """Count ranked ballots under `rule` (SCOTTISH_STV or INSTANT_RUNOFF).

    `candidates` in ballot order (any hashable labels); `ballots` as (ranking, number)
    pairs, a ranking being candidates in order of preference (empty rankings are not
    valid ballots and are left out). `rng` draws the lots: the site's
    `secrets.SystemRandom` unless given. Returns a RankedCount with every stage.
    """
    return _Count(rule, candidates, ballots, seats, rng).run()
