"""Counting an item's ballots and deciding its result.

`tally` is one grouping query, however many ballots there are. `decide` is
pure arithmetic on the counts, so its rules are tested exhaustively apart from
the database (tests/meetings/ballots/test_ballot_results.py).

The receipts of a closed item's counted ballots are published apart from the
meeting page: `counted_receipts_text` (the whole list, one query, then the shared
cache) and `receipt_is_counted` (one code, one query on the index of item
and receipt).
"""

import re
from dataclasses import dataclass, field
from fractions import Fraction

from django.core.cache import cache
from django.db.models import Count

from meetings.ballots.casting import RECEIPT_ALPHABET, RECEIPT_LENGTH
from meetings.ballots.models import Ballot, BallotItem

TWO_THIRDS = Fraction(2, 3)


def tally(item, choices=None):
    """{choice position: ballots marking it} and the number of ballots cast.

    One query that groups the counted ballots by what they hold: a few rows (one per
    distinct ballot), however many ballots there are.
    """
    choices = list(choices if choices is not None else item.choices.all())
    counts = {choice.position: 0 for choice in choices}
    cast = 0
    for held, number in distinct_ballots(item):
        cast += number
        for position in held:
            counts[position] += number
    return counts, cast


def distinct_ballots(item):
    """[(positions in order, how many ballots hold exactly that)] of a counted item."""
    rows = (
        Ballot.objects.filter(item=item)
        .values_list("choices")
        .annotate(number=Count("pk"))
        .order_by()
    )
    return [([int(p) for p in choices.split(",")], number) for choices, number in rows]


@dataclass
class ChoiceResult:
    label: str
    votes: int
    percent: float | None  # of the votes that count; None for abstentions
    is_abstain: bool = False
    elected: bool = False
    tied: bool = False


@dataclass
class ItemResult:
    ballots_cast: int
    votes_counted: int  # ballots that were not abstentions
    choices: list[ChoiceResult]
    carried: bool | None = None  # motions and budgets
    elected: list[str] = field(default_factory=list)  # elections
    unfilled_seats: int = 0
    tie: bool = False  # a tie the chair must resolve
    note: str = ""
    outcome: str = ""  # the result in words: the page, the CSV and the API say this
    ranked: dict | None = None  # a ranked election's count, stage by stage (ranked_items)
    acclaimed: bool = False  # elected by acclamation: no vote was held (floor)
    recorded_votes: list = field(default_factory=list)  # a recorded vote: who voted what
    outside_counts: list = field(default_factory=list)  # counts taken outside the site
    outside_added: bool = False  # ... and added to the totals by the chair


def decide(*, kind, majority, seats, requires_majority, choices, counts, ballots_cast):
    """The result of an item from its counts.

    `choices` is a list of (position, label, is_abstain), in ballot order.
    Motions and budgets: For must exceed half (or reach two-thirds) of the votes
    cast, abstentions not counted; a simple-majority tie fails. Elections: the
    candidates with the most votes fill the seats; with `requires_majority` a
    candidate also needs more than half of the non-abstaining ballots; a tie
    for the last seat leaves it to the chair.
    """
    abstentions = sum(counts[p] for p, _, is_abstain in choices if is_abstain)
    counted = ballots_cast - abstentions
    rows = [
        ChoiceResult(
            label=label,
            votes=counts[position],
            percent=None
            if is_abstain
            else (round(100 * counts[position] / counted, 1) if counted else 0.0),
            is_abstain=is_abstain,
        )
        for position, label, is_abstain in choices
    ]
    result = ItemResult(ballots_cast=ballots_cast, votes_counted=counted, choices=rows)

    if kind != BallotItem.Kind.ELECTION:
        _decide_motion(result, rows, majority, counted)
    else:
        _decide_election(result, rows, seats, requires_majority, counted)
    return result


def _decide_motion(result, rows, majority, counted):
    for_votes, against = rows[0].votes, rows[1].votes
    if counted == 0:
        result.carried = False
        result.note = "No votes were cast for or against."
    elif majority == BallotItem.Majority.TWO_THIRDS:
        result.carried = Fraction(for_votes, counted) >= TWO_THIRDS
    else:
        result.carried = for_votes * 2 > counted
        if for_votes == against:
            result.tie = True
            result.note = "A tie: the motion is defeated."
    needed = f" ({SHARE_NEEDED[majority]} needed)" if majority != BallotItem.Majority.SIMPLE else ""
    result.outcome = f"{'Carried' if result.carried else 'Defeated'}{needed}."


# What each majority means in the members' words: `majority_needed` says it on the ballot
# before voting, and the outcome after; `_decide_motion` and `_decide_election` apply it.
SHARE_NEEDED = {
    BallotItem.Majority.SIMPLE: "more than half",
    BallotItem.Majority.TWO_THIRDS: "two-thirds",
}


def majority_needed(item):
    """What the item needs to carry, or a candidate to be elected, in words for the ballot,
    from the same fields `decide` reads."""
    not_counted = "abstentions do not count"
    if item.kind == BallotItem.Kind.ELECTION:
        if item.requires_majority:
            return (
                f"To be elected, a candidate needs more than half of the votes cast "
                f"({not_counted})."
            )
        if item.seats > 1:
            return f"The {item.seats} candidates with the most votes are elected."
        return "The candidate with the most votes is elected."
    share = SHARE_NEEDED[item.majority]
    return f"To carry, it needs {share} of the votes cast ({not_counted})."


def _decide_election(result, rows, seats, requires_majority, counted):
    candidates = [row for row in rows if not row.is_abstain]
    winners = []
    # Candidates on the same count are elected together, or not at all.
    for votes in sorted({row.votes for row in candidates}, reverse=True):
        places_left = seats - len(winners)
        if places_left == 0 or votes == 0:
            break
        if requires_majority and not votes * 2 > counted:
            break
        group = [row for row in candidates if row.votes == votes]
        if len(group) > places_left:
            for row in group:
                row.tied = True
            result.tie = True
            result.note = (
                f"{len(group)} candidates tie with {votes} votes for {places_left} "
                "seat(s): the chair decides how to break the tie."
            )
            break
        winners.extend(group)
    for row in winners:
        row.elected = True
    result.elected = [row.label for row in winners]
    result.unfilled_seats = seats - len(winners)
    if result.unfilled_seats and not result.tie and requires_majority:
        result.note = (
            f"{result.unfilled_seats} seat(s) unfilled: no further candidate has a majority. "
            "Re-run the election without the lowest candidate."
        )
    result.outcome = (
        f"Elected: {', '.join(result.elected)}." if result.elected else "Nobody was elected."
    )


def item_result(item):
    from meetings.ballots import declared

    if item.acclaimed:
        return declared.acclaimed_result(item)
    if item.is_ranked:
        from meetings.ballots.ranked_items import ranked_result

        result = ranked_result(item, Ballot.objects.filter(item=item).count())
    else:
        result = counted_result(item)
    if item.recorded:
        result.recorded_votes = declared.recorded_votes(item)
    return result


def counted_result(item):
    """The result of a motion, budget or plain election: its ballots, plus the counts
    taken outside the site once the chair has added them (shown apart either way)."""
    from meetings.ballots import declared

    choices = list(item.choices.all())
    counts, cast = tally(item, choices)
    counts, cast = declared.add_to_counts(item, counts, cast)
    result = decide(
        kind=item.kind,
        majority=item.majority,
        seats=item.seats,
        requires_majority=item.requires_majority,
        choices=[(c.position, c.label, c.is_abstain) for c in choices],
        counts=counts,
        ballots_cast=cast,
    )
    result.outside_counts = declared.outside_counts(item, {c.position: c.label for c in choices})
    result.outside_added = item.outside_counts_added_at is not None
    return result


# Receipts ------------------------------------------------------------------------------

RECEIPTS_KEY = "ballot-receipts-{pk}"
# Up to this many counted ballots the meeting page also lists the receipts inline: about
# 1 KB gzipped (some 10 bytes a code), under 3% of the page's 40 KB budget, and short
# enough to scan by eye. Larger items are checked with the form or the list of their own.
INLINE_RECEIPTS_UP_TO = 100
_RECEIPT_SHAPE = re.compile(f"[{RECEIPT_ALPHABET}]{{{RECEIPT_LENGTH}}}")


def closed_item(meeting, item_id):
    """The meeting's item with that id if the chair has closed it and its ballots are
    counted (its results and receipts are then published), else None."""
    return BallotItem.objects.filter(
        pk=item_id, meeting=meeting, state=BallotItem.State.CLOSED, counted_at__isnull=False
    ).first()


def counted_receipts_text(item):
    """The receipt codes of a closed item's counted ballots, sorted, one a line.

    One query, then kept in the shared cache: a closed item never reopens, so the list
    never changes. Sorted, so it says nothing about the order of voting.
    """
    if not item.is_counted:
        raise ValueError("Receipts are published only once the item is closed and counted.")
    key = RECEIPTS_KEY.format(pk=item.pk)
    text = cache.get(key)
    if text is None:
        codes = Ballot.objects.filter(item=item).values_list("receipt", flat=True)
        text = "".join(f"{code}\n" for code in sorted(codes))
        cache.set(key, text, timeout=None)
    return text


def counted_receipts(item):
    """The receipt codes of a closed item's counted ballots, as a sorted list."""
    return counted_receipts_text(item).splitlines()


def receipt_shape(text):
    """A receipt code as typed (any case, spaces or dashes) in its stored form, or None
    when it cannot be a receipt."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    return code if _RECEIPT_SHAPE.fullmatch(code) else None


RECEIPT_CHECKS_LIMITED = (
    "Too many receipt checks from here in a short time: wait a minute, then check again."
)


def over_receipt_check_limit(request):
    """The one limit on checking receipt codes, for the meeting page's form and the member
    API alike (`ACCOUNT_RATE_LIMITS["receipt_check"]`, per address and per account): a
    code is 10 characters of 32, so guessing others' codes is slow to begin with; this
    keeps anyone from trying thousands."""
    # allauth's rate limits, counted in the shared cache; its public helper leaves GETs
    # alone, and a check is a GET (it changes nothing), so ask its counter directly.
    from allauth.core.internal import ratelimit

    key = str(request.user.pk) if request.user.is_authenticated else "anonymous"
    usage = ratelimit.consume(
        request, app="allauth.account", action="receipt_check", key=key, limit_get=True
    )
    return usage is None


def receipt_is_counted(item, code):
    """Whether `code` is the receipt of a ballot counted on the item: one query, on the
    index of (item, receipt). Says nothing else about that ballot."""
    return Ballot.objects.filter(item=item, receipt=code).exists()
