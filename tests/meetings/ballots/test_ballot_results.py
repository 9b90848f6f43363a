"""Results maths, property-based: counts add up, majority rules decide, seats and ties are right.

`decide` is checked against rules restated independently here, over thousands
of generated counts.
"""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from meetings.ballots.models import BallotItem
from meetings.ballots.results import decide

MOTION_CHOICES = [(0, "For", False), (1, "Against", False), (2, "Abstain", True)]


def decide_motion(counts, majority, kind=BallotItem.Kind.MOTION):
    """The outcome of a one-seat motion (For, Against, Abstain) with these counts, every
    ballot cast counted in them."""
    return decide(
        kind=kind,
        majority=majority,
        seats=1,
        requires_majority=False,
        choices=MOTION_CHOICES,
        counts=counts,
        ballots_cast=sum(counts.values()),
    )


@st.composite
def motion_counts(draw):
    votes = [draw(st.integers(0, 500)) for _ in range(3)]
    return {0: votes[0], 1: votes[1], 2: votes[2]}, sum(votes)


@given(motion_counts(), st.sampled_from(list(BallotItem.Majority)))
@settings(max_examples=400)
def test_motion_carries_exactly_when_its_majority_rule_is_met(data, majority):
    counts, cast = data
    result = decide_motion(counts, majority)
    for_, against = counts[0], counts[1]
    votes_cast = for_ + against  # abstentions are not votes cast

    if majority == BallotItem.Majority.TWO_THIRDS:
        expected = votes_cast > 0 and 3 * for_ >= 2 * votes_cast
    else:
        expected = for_ > against
    assert result.carried is expected
    assert result.votes_counted == votes_cast
    assert result.ballots_cast == cast
    if votes_cast:
        assert abs(sum(c.percent for c in result.choices if not c.is_abstain) - 100) < 0.2
    assert result.tie is (
        majority == BallotItem.Majority.SIMPLE and for_ == against and cast > 0 and votes_cast > 0
    )


@st.composite
def election(draw):
    candidates = draw(st.integers(1, 7))
    seats = draw(st.integers(1, 4))
    ballots = draw(st.integers(0, 300))
    abstentions = draw(st.integers(0, ballots))
    voting = ballots - abstentions
    # Each voting ballot marks between one and `seats` candidates: a candidate's count is
    # at most the voting ballots, and all marks together at most voting * seats.
    counts = {}
    marks_left = voting * min(seats, candidates)
    for n in range(candidates):
        counts[n] = draw(st.integers(0, min(voting, marks_left)))
        marks_left -= counts[n]
    counts[candidates] = abstentions
    choices = [(n, f"Candidate {n}", False) for n in range(candidates)]
    choices.append((candidates, "Abstain", True))
    return choices, counts, ballots, seats


@given(election(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_election_fills_seats_with_the_highest_counts_and_flags_ties(data, requires_majority):
    choices, counts, ballots, seats = data
    result = decide(
        kind=BallotItem.Kind.ELECTION,
        majority=BallotItem.Majority.SIMPLE,
        seats=seats,
        requires_majority=requires_majority,
        choices=choices,
        counts=counts,
        ballots_cast=ballots,
    )
    candidates = [c for c in result.choices if not c.is_abstain]
    elected = [c for c in candidates if c.elected]
    not_elected = [c for c in candidates if not c.elected]
    counted = ballots - counts[len(choices) - 1]

    assert len(elected) <= seats
    assert sorted(c.label for c in elected) == sorted(result.elected)
    assert result.unfilled_seats == seats - len(elected)
    # Nobody left out has more votes than someone elected.
    if elected and not_elected:
        assert min(c.votes for c in elected) >= max(c.votes for c in not_elected)
    # Nobody is elected with no votes, and with a majority rule, only with a majority.
    for c in elected:
        assert c.votes > 0
        if requires_majority:
            assert Fraction(c.votes, counted) > Fraction(1, 2)
    # A seat is left open only for a reason: a tie, no majority, or no more candidates with votes.
    if result.unfilled_seats:
        remaining = [c for c in not_elected if c.votes > 0]
        if remaining:
            best = max(c.votes for c in remaining)
            has_majority = best * 2 > counted
            assert result.tie or (requires_majority and not has_majority)
    # A flagged tie is real: the tied candidates share one count, and there are more of
    # them than seats left.
    if result.tie:
        tied = [c for c in candidates if c.tied]
        assert len({c.votes for c in tied}) == 1
        assert len(tied) > result.unfilled_seats
    # Counts are passed through unchanged.
    assert [c.votes for c in result.choices] == [counts[n] for n, _, _ in choices]


def test_two_thirds_boundary_is_inclusive():
    result = decide_motion(
        {0: 20, 1: 10, 2: 7}, BallotItem.Majority.TWO_THIRDS, kind=BallotItem.Kind.BUDGET
    )
    assert result.carried is True
    assert result.votes_counted == 30


def test_simple_majority_tie_is_defeated_and_flagged():
    result = decide_motion({0: 12, 1: 12, 2: 3}, BallotItem.Majority.SIMPLE)
    assert result.carried is False and result.tie is True
