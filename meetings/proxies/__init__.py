"""Proxies: a member gives their vote at one meeting to another member who attends.

The rules live in `meetings.proxies.rules`; a vote for a giver goes through the one
cast path (`meetings.ballots.casting.cast_vote` with `on_behalf_of`).
"""
