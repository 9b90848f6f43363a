"""The ranked count (`meetings.ballots.ranked`): published examples stage by stage, the
Scottish rules' arithmetic and tie-breaks, and a property test against an independent
implementation (the stvpoll library, used in this test suite only).
"""

import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from stvpoll.scottish_stv import calculate_scottish_stv

from meetings.ballots.ranked import (
    INSTANT_RUNOFF,
    SCALE,
    SCOTTISH_STV,
    as_votes,
    count_ranked,
)


def votes_at(count, stage_number):
    """{candidate: votes as a Decimal} at the end of a stage (numbered from 1)."""
    return {c: as_votes(v) for c, v in count.stages[stage_number - 1].votes.items()}


def whole(**votes):
    return {name: Decimal(value).quantize(Decimal("0.00001")) for name, value in votes.items()}


# Published examples ------------------------------------------------------------------


def test_wikipedia_single_transferable_vote_example():
    """The worked example of Wikipedia's "Single transferable vote" article: 20 voters
    choose 3 foods for a party. Droop quota 6; Chocolate's surplus of 6 moves at half a
    vote; Pears are excluded and elect Oranges; Hamburgers are excluded; Strawberries
    take the last seat."""
    ballots = [
        (["Oranges"], 4),
        (["Pears", "Oranges"], 2),
        (["Chocolate", "Strawberries"], 8),
        (["Chocolate", "Hamburgers"], 4),
        (["Strawberries"], 1),
        (["Hamburgers"], 1),
    ]
    candidates = ["Oranges", "Pears", "Chocolate", "Strawberries", "Hamburgers"]
    count = count_ranked(SCOTTISH_STV, candidates, ballots, seats=3)

    assert count.quota == 6
    assert votes_at(count, 1) == whole(
        Oranges=4, Pears=2, Chocolate=12, Strawberries=1, Hamburgers=1
    )
    assert count.stages[0].elected == ["Chocolate"]
    assert (count.stages[1].action, count.stages[1].subject) == ("surplus", "Chocolate")
    assert votes_at(count, 2) == whole(
        Oranges=4, Pears=2, Chocolate=6, Strawberries=5, Hamburgers=3
    )
    assert (count.stages[2].action, count.stages[2].subject) == ("exclusion", "Pears")
    assert votes_at(count, 2 + 1)["Oranges"] == 6
    assert count.stages[2].elected == ["Oranges"]
    assert (count.stages[3].action, count.stages[3].subject) == ("exclusion", "Hamburgers")
    assert as_votes(count.stages[3].exhausted) == 3
    assert count.stages[4].action == "last vacancies"
    assert count.elected == ["Chocolate", "Oranges", "Strawberries"]
    assert count.lots == []


def test_wikipedia_instant_runoff_example():
    """Wikipedia's instant-runoff example: Tennessee chooses its capital (percentages of
    voters as ballots). Chattanooga then Nashville are excluded; Knoxville wins 58-42."""
    memphis, nashville, chattanooga, knoxville = "Memphis", "Nashville", "Chattanooga", "Knoxville"
    ballots = [
        ([memphis, nashville, chattanooga, knoxville], 42),
        ([nashville, chattanooga, knoxville, memphis], 26),
        ([chattanooga, knoxville, nashville, memphis], 15),
        ([knoxville, chattanooga, nashville, memphis], 17),
    ]
    count = count_ranked(
        INSTANT_RUNOFF, [memphis, nashville, chattanooga, knoxville], ballots, seats=1
    )
    assert [as_votes(count.stages[0].votes[c]) for c in count.candidates] == [42, 26, 15, 17]
    assert count.stages[1].subject == chattanooga
    assert [as_votes(count.stages[1].votes[c]) for c in count.candidates] == [42, 26, 0, 32]
    assert count.stages[2].subject == nashville
    assert [as_votes(count.stages[2].votes[c]) for c in count.candidates] == [42, 0, 0, 58]
    assert count.stages[2].elected == [knoxville]
    assert count.elected == [knoxville]
    # Scottish STV for one seat elects the same city through the same exclusions.
    stv = count_ranked(SCOTTISH_STV, count.candidates, ballots, seats=1)
    assert stv.quota == 51
    assert stv.elected == [knoxville]


def test_surpluses_move_at_values_truncated_to_five_places():
    """The 60-voter example OpaVote gives for its Scottish STV method (28 Alice > Bob >
    Chris, 26 Bob > Alice > Chris, 3 Chris, 2 Don, 1 Eric; three seats). Figures worked by
    hand from rule 48(3): Alice's surplus 12/28 = 0.42857 a ballot (remainder ignored)
    passes Bob, already elected, to Chris; then Bob's 10/26 = 0.38461."""
    ballots = [
        (["Alice", "Bob", "Chris"], 28),
        (["Bob", "Alice", "Chris"], 26),
        (["Chris"], 3),
        (["Don"], 2),
        (["Eric"], 1),
    ]
    count = count_ranked(SCOTTISH_STV, ["Alice", "Bob", "Chris", "Don", "Eric"], ballots, 3)
    assert count.quota == 16
    assert count.stages[0].elected == ["Alice", "Bob"]
    # The largest surplus first: Alice's 12 before Bob's 10.
    assert count.stages[1].subject == "Alice"
    assert votes_at(count, 2)["Chris"] == Decimal("14.99996")
    assert votes_at(count, 2)["Alice"] == 16
    assert as_votes(count.stages[1].lost_to_rounding) == Decimal("0.00004")
    assert count.stages[2].subject == "Bob"
    assert votes_at(count, 3)["Chris"] == Decimal("24.99982")
    assert as_votes(count.stages[2].lost_to_rounding) == Decimal("0.00018")
    assert count.stages[2].elected == ["Chris"]
    assert count.elected == ["Alice", "Bob", "Chris"]


def test_a_later_surplus_moves_every_ballot_at_its_own_value():
    """Weighted inclusive Gregory: a candidate elected on transfers passes on all their
    ballots, each at surplus × its value ÷ their votes."""
    ballots = [
        (["Ann", "Ben", "Cal"], 30),
        (["Ben", "Cal"], 10),
        (["Dee"], 9),
        (["Cal"], 1),
    ]
    count = count_ranked(SCOTTISH_STV, ["Ann", "Ben", "Cal", "Dee"], ballots, 3)
    assert count.quota == 13  # 50 // 4 + 1
    # Ann's surplus 17/30 = 0.56666 a ballot: Ben gets 30 × 0.56666 = 16.99980.
    assert votes_at(count, 2)["Ben"] == Decimal("26.99980")
    assert count.stages[1].elected == ["Ben"]
    # Ben's surplus 13.99980 of 26.99980 votes: his own 10 ballots move at
    # 13.99980 × 1 ÷ 26.99980 = 0.51851 and Ann's 30 at 13.99980 × 0.56666 ÷ 26.99980
    # = 0.29382, all to Cal: 1 + 5.18510 + 8.81460.
    assert votes_at(count, 3)["Cal"] == Decimal("14.99970")
    assert count.stages[2].elected == ["Cal"]
    total = sum(count.stages[2].votes.values())
    assert total + count.stages[2].exhausted + count.stages[2].lost_to_rounding == 50 * SCALE


def test_equal_lowest_is_broken_by_the_most_recent_stage_that_separates_them():
    ballots = [
        (["Ann"], 6),
        (["Ben"], 6),
        (["Cal"], 2),
        (["Dee", "Cal"], 1),
        (["Eve"], 3),
    ]
    count = count_ranked(SCOTTISH_STV, ["Ann", "Ben", "Cal", "Dee", "Eve"], ballots, 2)
    assert count.stages[1].subject == "Dee"
    # Cal and Eve now both have 3; at stage 1 Cal had 2 and Eve 3, so Cal goes.
    assert votes_at(count, 2)["Cal"] == votes_at(count, 2)["Eve"] == 3
    assert count.stages[2].subject == "Cal"
    assert count.stages[2].tie_broken_by == "an earlier stage"
    assert count.lots == []


@pytest.mark.parametrize("seed", range(6))
def test_a_tie_no_stage_breaks_is_decided_by_a_recorded_lot(seed):
    ballots = [(["Ann"], 5), (["Ben"], 2), (["Cal"], 2)]
    count = count_ranked(SCOTTISH_STV, ["Ann", "Ben", "Cal"], ballots, 2, rng=random.Random(seed))
    [lot] = count.lots
    assert lot.purpose == "exclusion"
    assert sorted(lot.among) == ["Ben", "Cal"]
    assert count.stages[lot.stage - 1].subject == lot.drawn
    assert count.stages[lot.stage - 1].tie_broken_by == "lot"
    other = ({"Ben", "Cal"} - {lot.drawn}).pop()
    assert count.elected == ["Ann", other]


def test_the_site_draws_lots_with_the_system_random_source():
    ballots = [(["Ann"], 5), (["Ben"], 2), (["Cal"], 2)]
    drawn = {
        count_ranked(SCOTTISH_STV, ["Ann", "Ben", "Cal"], ballots, 2).lots[0].drawn
        for _ in range(60)
    }
    assert drawn == {"Ben", "Cal"}  # one chance in 2**59 of failing by bad luck


def test_fewer_candidates_than_seats_leaves_seats_unfilled():
    count = count_ranked(SCOTTISH_STV, ["Ann", "Ben"], [(["Ann"], 3), (["Ben"], 1)], 3)
    assert sorted(count.elected) == ["Ann", "Ben"]
    assert count.unfilled_seats == 1


def test_no_valid_ballot_elects_nobody():
    count = count_ranked(SCOTTISH_STV, ["Ann", "Ben"], [([], 4)], 1)
    assert count.elected == [] and count.stages == [] and count.lots == []


def test_a_ranking_with_a_candidate_twice_or_unknown_is_refused():
    with pytest.raises(ValueError):
        count_ranked(SCOTTISH_STV, ["Ann", "Ben"], [(["Ann", "Ann"], 1)], 1)
    with pytest.raises(ValueError):
        count_ranked(SCOTTISH_STV, ["Ann", "Ben"], [(["Zed"], 1)], 1)
    with pytest.raises(ValueError):
        count_ranked(INSTANT_RUNOFF, ["Ann", "Ben"], [(["Ann"], 1)], 2)


# Against an independent implementation ------------------------------------------------

CANDIDATES = ["A", "B", "C", "D", "E", "F"]


@st.composite
def ballot_sets(draw):
    candidates = CANDIDATES[: draw(st.integers(2, 6))]
    rankings = st.permutations(candidates).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda n: tuple(order[:n]))
    )
    groups = draw(st.lists(st.tuples(rankings, st.integers(1, 400)), min_size=1, max_size=25))
    seats = draw(st.integers(1, len(candidates)))
    return candidates, groups, seats


# Truncation to five places (ours, as rule 48 says) and stvpoll's rounding to five
# places can move a candidate's votes by up to 0.00001 a ballot: compare only counts
# whose decisions are clear of that by far.
MARGIN = SCALE // 10  # 0.1 of a vote


def clear_of_rounding(count):
    """No tie, no two surpluses waiting at once (stvpoll passes ballots on to a candidate
    elected in the same round, which rule 48 forbids), and every exclusion and election
    decided by more than MARGIN."""
    previous = count.stages[0]
    if len(previous.elected) > 1:
        return False
    continuing = set(count.candidates)
    for stage in count.stages:
        if stage.tie_broken_by or len(stage.elected) > 1 and stage.action != "last vacancies":
            return False
        if stage.action == "exclusion":
            others = [previous.votes[c] for c in continuing if c != stage.subject]
            if others and min(others) - previous.votes[stage.subject] <= MARGIN:
                return False
        if stage.action != "last vacancies":
            for candidate in continuing - set(stage.elected):
                if abs(stage.votes[candidate] - stage.threshold) <= MARGIN:
                    return False
        continuing -= set(stage.elected) | set(stage.excluded)
        previous = stage
    return True


@given(ballot_sets())
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_scottish_stv_elects_whom_stvpoll_elects(data):
    candidates, groups, seats = data
    ours = count_ranked(SCOTTISH_STV, candidates, groups, seats)
    assume(clear_of_rounding(ours))
    theirs = calculate_scottish_stv(
        tuple(candidates), [(list(r), n) for r, n in groups], seats, random_shuffle=False
    )
    assert set(ours.elected) == theirs.elected_as_set()


@given(ballot_sets())
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_instant_runoff_elects_whom_stvpoll_elects_for_one_seat(data):
    candidates, groups, _ = data
    ours = count_ranked(INSTANT_RUNOFF, candidates, groups, 1)
    assume(all(not stage.tie_broken_by for stage in ours.stages))
    theirs = calculate_scottish_stv(
        tuple(candidates), [(list(r), n) for r, n in groups], 1, random_shuffle=False
    )
    assume(not theirs.randomized)
    assert ours.elected == list(theirs.elected_as_tuple())


@given(ballot_sets())
@settings(max_examples=500, deadline=None)
def test_every_stage_accounts_for_every_valid_ballot(data):
    candidates, groups, seats = data
    count = count_ranked(SCOTTISH_STV, candidates, groups, seats, rng=random.Random(0))
    valid = sum(n for _, n in groups)
    assert count.valid_ballots == valid
    for stage in count.stages:
        held = sum(stage.votes.values()) + stage.exhausted + stage.lost_to_rounding
        assert held == valid * SCALE
    assert len(count.elected) == min(seats, len(candidates))
    assert len(set(count.elected)) == len(count.elected)
