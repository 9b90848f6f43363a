"""Ranked elections on the ballot: reading a ranking, counting it at close, and its
results for the page, the CSV and the member API.

The ranking is cast through the one sealed path (`casting.cast_vote`), the choices in
the member's order of preference; `ranked_positions` is the rule every path applies to
it. At close, `counting.count_item` calls `store_ranked_count`, which counts the
opened ballots under the item's rule (`ranked.count_ranked`) and stores the table
(`RankedTally`): a lot drawn then must read the same ever after.
"""

from collections import Counter

from meetings.ballots.ranked import RULE_NAMES, RULES, SCALE, count_ranked

ORDINAL_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def ordinal(number):
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else ORDINAL_SUFFIXES.get(number % 10, "th")
    return f"{number}{suffix}"


class RankingRefused(Exception):
    """A ranking that is not a ballot; message for the member, code for programs."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


def ranking_from_form(values):
    """The choice ids of the form's "1st choice", "2nd choice", ... menus, in rank order.

    `values` are the menus' values in order ("" for a menu left empty). Empty menus after
    the last choice are fine; an empty menu before a later choice is a gap, refused.
    """
    values = [value.strip() for value in values]
    while values and not values[-1]:
        values.pop()
    if "" in values:
        gap = values.index("") + 1
        raise RankingRefused(
            f"Your {ordinal(gap)} choice is empty but a later one is not: rank without "
            "gaps (1st, 2nd, 3rd, ...). Nothing was recorded.",
            "rank_gap",
        )
    return values


def ranked_positions(choice_ids, on_ballot):
    """The ballot positions of a ranking, in rank order: the rule for every path.

    `choice_ids` in rank order, already known to be on the ballot; `on_ballot` is
    {choice id: (position, is_abstain)}. Refuses a candidate ranked twice, Abstain, and
    more ranks than there are candidates.
    """
    ids = [int(choice_id) for choice_id in choice_ids]
    candidates = [pk for pk, (_, is_abstain) in on_ballot.items() if not is_abstain]
    if len(ids) > len(candidates):
        raise RankingRefused(
            f"There are {len(candidates)} candidates, so rank at most {len(candidates)}.",
            "too_many_ranks",
        )
    repeated = [pk for pk, times in Counter(ids).items() if times > 1]
    if repeated:
        raise RankingRefused(
            "You ranked the same candidate more than once: rank each candidate at most "
            "once. Nothing was recorded.",
            "ranked_twice",
        )
    if any(on_ballot[pk][1] for pk in ids):
        raise RankingRefused("A ranked election has no Abstain choice.", "abstain_mixed")
    return [on_ballot[pk][0] for pk in ids]


# Counting at close ----------------------------------------------------------------------


def votes_text(units):
    """A vote total for people: "12" when whole, else five places ("14.99996")."""
    whole, part = divmod(units, SCALE)
    return str(whole) if not part else f"{whole}.{part:05d}"


def count_table(count, labels):
    """The stored form of a `ranked.RankedCount`, with candidates by label: what the
    page, the CSV and the API show. Votes are strings of exact decimals."""

    def names(candidates):
        return [labels[c] for c in candidates]

    return {
        "rule": count.rule,
        "seats": count.seats,
        "quota": count.quota,
        "valid_ballots": count.valid_ballots,
        "candidates": names(count.candidates),
        "elected": names(count.elected),
        "stages": [
            {
                "number": stage.number,
                "action": stage.action,
                "subject": labels[stage.subject] if stage.subject is not None else None,
                "transferred": votes_text(stage.transferred),
                "votes": [votes_text(stage.votes[c]) for c in count.candidates],
                "elected": names(stage.elected),
                "excluded": names(stage.excluded),
                "exhausted": votes_text(stage.exhausted),
                "lost_to_rounding": votes_text(stage.lost_to_rounding),
                "tie_broken_by": stage.tie_broken_by,
            }
            for stage in count.stages
        ],
        "lots": [
            {
                "stage": lot.stage,
                "purpose": lot.purpose,
                "among": names(lot.among),
                "drawn": labels[lot.drawn],
            }
            for lot in count.lots
        ],
    }


def store_ranked_count(item):
    """Count a closed ranked item's counted ballots (choices in rank order) under its
    rule and store the table. Runs in the count's transaction; reads the ballots with
    one grouping query (a row per distinct ranking)."""
    from meetings.ballots.models import RankedTally
    from meetings.ballots.results import distinct_ballots

    choices = list(item.choices.filter(is_abstain=False).order_by("position"))
    labels = {choice.position: choice.label for choice in choices}
    count = count_ranked(
        item.counting_rule,
        [choice.position for choice in choices],
        distinct_ballots(item),
        item.seats,
    )
    RankedTally.objects.update_or_create(
        item=item,
        defaults={"rule": item.counting_rule, "table": count_table(count, labels)},
    )
    return count


# Results ---------------------------------------------------------------------------------


def ranked_result(item, ballots_cast):
    """The ItemResult of a counted ranked item, from its stored table: first preferences
    as the choices' votes, who was elected, and the table itself as `result.ranked`."""
    from meetings.ballots.results import ChoiceResult, ItemResult

    tally = getattr(item, "ranked_tally", None)
    table = tally.table if tally else empty_table(item)
    first = table["stages"][0]["votes"] if table["stages"] else ["0"] * len(table["candidates"])
    valid = table["valid_ballots"]
    elected = set(table["elected"])
    rows = []
    for label, votes in zip(table["candidates"], first, strict=True):
        number = int(votes)
        percent = round(100 * number / valid, 1) if valid else 0.0
        rows.append(
            ChoiceResult(label=label, votes=number, percent=percent, elected=label in elected)
        )
    result = ItemResult(
        ballots_cast=ballots_cast,
        votes_counted=valid,
        choices=rows,
        elected=table["elected"],
        unfilled_seats=table["seats"] - len(table["elected"]),
    )
    result.ranked = {
        **table,
        "rule_name": RULE_NAMES[table["rule"]],
        "rule_text": RULES[table["rule"]],
        "stages": [
            {
                **stage,
                "heading": stage_heading(stage),
                "cells": [
                    {
                        "votes": votes,
                        "elected": label in stage["elected"],
                        "excluded": label in stage["excluded"],
                    }
                    for label, votes in zip(table["candidates"], stage["votes"], strict=True)
                ],
            }
            for stage in table["stages"]
        ],
    }
    result.outcome = (
        f"Elected: {', '.join(table['elected'])}." if table["elected"] else "Nobody was elected."
    )
    if table["lots"]:
        result.note = " ".join(
            f"At stage {lot['stage']} a tie between {' and '.join(lot['among'])} was "
            f"decided by a lot drawn by the site: {lot['drawn']}."
            for lot in table["lots"]
        )
    return result


def empty_table(item):
    """The table of a ranked item closed with no ballots (nothing was counted)."""
    labels = list(item.choices.filter(is_abstain=False).values_list("label", flat=True))
    return {
        "rule": item.counting_rule,
        "seats": item.seats,
        "quota": None,
        "valid_ballots": 0,
        "candidates": labels,
        "elected": [],
        "stages": [],
        "lots": [],
    }


STAGE_ACTIONS = {
    "first preferences": "First preferences",
    "surplus": "Surplus of {subject} transferred",
    "exclusion": "{subject} excluded",
    "last vacancies": "Last seats filled by the candidates remaining",
}


def stage_heading(stage):
    return STAGE_ACTIONS[stage["action"]].format(subject=stage["subject"])


def ranked_minutes_lines(result):
    """A ranked item's count as lines of the minutes: the rule and quota, each stage's
    votes, and every lot drawn."""
    table = result.ranked
    quota = f"; quota {table['quota']} votes" if table["quota"] else ""
    yield f"Counted by {table['rule_name']}{quota}."
    for stage in table["stages"]:
        votes = ", ".join(
            f"{label} {votes}"
            for label, votes in zip(table["candidates"], stage["votes"], strict=True)
        )
        line = f"Stage {stage['number']}: {stage_heading(stage)}. {votes}; exhausted "
        line += f"{stage['exhausted']}."
        if stage["elected"]:
            line += f" Elected: {', '.join(stage['elected'])}."
        if stage["excluded"]:
            line += f" Excluded: {', '.join(stage['excluded'])}."
        if stage["tie_broken_by"]:
            line += f" Tie broken by {stage['tie_broken_by']}."
        yield line
    for lot in table["lots"]:
        among = ", ".join(lot["among"])
        yield f"Lot at stage {lot['stage']} ({lot['purpose']}): {lot['drawn']} drawn among {among}."


def ranked_csv_rows(title, kind, result):
    """Rows of the results CSV for a ranked item's stages (the columns of
    `views.RESULT_COLUMNS`): one per candidate per stage, then the exhausted votes."""
    table = result.ranked
    yield [title, kind, "counting rule", "", "", table["rule_name"]]
    yield [title, kind, "quota", table["quota"] or "", "", ""]
    for stage in table["stages"]:
        what = f"stage {stage['number']}: {stage_heading(stage)}"
        if stage["tie_broken_by"]:
            what += f" (tie broken by {stage['tie_broken_by']})"
        for label, votes in zip(table["candidates"], stage["votes"], strict=True):
            marks = " elected" if label in stage["elected"] else ""
            marks += " excluded" if label in stage["excluded"] else ""
            yield [title, kind, f"stage {stage['number']}: {label}", votes, "", what + marks]
        yield [title, kind, f"stage {stage['number']}: exhausted", stage["exhausted"], "", what]
        yield [
            title,
            kind,
            f"stage {stage['number']}: lost to rounding",
            stage["lost_to_rounding"],
            "",
            what,
        ]
    for lot in table["lots"]:
        yield [
            title,
            kind,
            f"lot at stage {lot['stage']}",
            "",
            "",
            f"{lot['purpose']}: drawn {lot['drawn']} among {', '.join(lot['among'])}",
        ]
