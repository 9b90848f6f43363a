"""Site search in members' words: a query also looks for the words our pages use.

Members search for "Zoom", "Teams" or "phone in"; the guides say "video call" and
"dial-in number". Each group below holds words that mean the same thing on this
site, the site's own word first; a query that contains one of them is also run
with each of the others in its place, and a page that matches any version is
found. Pages keep their own wording and the ranking stays the search backend's.

Add a group when members' words and ours differ (the search log of the site's
analytics shows what they type). Keep each group to one meaning: every word in a
group finds every page that uses any of the others.
"""

import re

from wagtail.models import Page
from wagtail.search.query import Or, PlainText

SYNONYMS = (
    # How members join a virtual meeting.
    (
        "video call",
        "zoom",
        "teams",
        "microsoft teams",
        "webex",
        "google meet",
        "video conference",
        "videoconference",
        "online meeting",
        "virtual meeting",
        "video link",
    ),
    # Listening and speaking by telephone.
    ("dial-in", "dial in", "phone in", "call in", "by phone", "conference call", "teleconference"),
    # Voting.
    ("vote", "ballot", "voting"),
    # Someone voting in the member's place.
    ("proxy", "proxies", "vote for me", "on my behalf"),
    # The meeting itself.
    ("agm", "annual general meeting", "annual meeting"),
    # Raising a hand to speak.
    ("raise hand", "speak", "microphone", "unmute"),
)

# Each version is one more search condition: a long query full of synonyms must
# not become hundreds of them.
MAX_VERSIONS = 12


def _normalised(text):
    """Lower case, hyphens as spaces, single spaces: how terms and queries are compared."""
    return " ".join(re.sub(r"[-‐‑–]", " ", text.casefold()).split())


def _contains(query, term):
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", query) is not None


def query_versions(query):
    """The query as typed, then with each synonym it contains swapped for the others.

    Also returns the site's own word of each group the query used another word of
    (for "zoom link": "video call"), so the results page can say what it added.
    """
    typed = _normalised(query)
    versions = [typed]
    site_words = []
    for group in SYNONYMS:
        terms = [_normalised(term) for term in group]
        # The longest term first, so "microsoft teams" is replaced whole, not as "teams".
        found = next((t for t in sorted(terms, key=len, reverse=True) if _contains(typed, t)), None)
        if found is None:
            continue
        if not _contains(typed, terms[0]):
            site_words.append(group[0])
        for other in terms:
            if other == found or _contains(typed, other):
                continue
            version = re.sub(rf"(?<!\w){re.escape(found)}(?!\w)", other, typed)
            if version not in versions:
                versions.append(version)
    return versions[: MAX_VERSIONS + 1], site_words


def search_pages(query):
    """Published public pages that match the query or one of its versions, best first.

    Returns the results and the site's own words searched for besides the
    member's, so the page can say why a result without the member's word is there.
    """
    versions, site_words = query_versions(query)
    pages = Page.objects.live().public().specific()
    if len(versions) == 1:
        return pages.search(query), []
    # The query exactly as typed stays the first condition; each version is another.
    search_query = Or([PlainText(query), *(PlainText(version) for version in versions[1:])])
    return pages.search(search_query), site_words
