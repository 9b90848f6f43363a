"""The floor for a vote: the least a real vote can do on the project's stack.

The same Django, psycopg, gunicorn, PostgreSQL database, Redis and session and
cookie settings as the site under bench/settings.py, and the same signed-in
members and clients, but none of the site: a member's signed session (read
through the shared cache), a CSRF-checked POST, one transaction that inserts a
voter record, unique on (member, item), and a ballot row, and a redirect.
bench/vote_burst.py measures it beside the site's own votes; the site's CPU per
vote over the floor's is what the site adds to the vote itself.

What it leaves out, on purpose: the meeting, its audience and the item's state
(it takes any item number), the choices' table (a choice is 1, 2 or 3), rate
limits, ballot secrecy (the site pre-fills empty ballots in a random order so
that ballots cannot be matched to voter records), receipts kept for the member's
page, the page itself, and every other middleware.
"""
