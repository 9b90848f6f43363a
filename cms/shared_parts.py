"""Parts of a member's page that are the same for everyone who may see them, rendered
once and kept in the shared cache.

A signed-in member's meeting page is mostly what every member who may attend sees
alike: the site's header, menu and footer, the meeting's facts, joining details,
agenda and materials, the closed items' results. Rendering those for each member, at
the start of an AGM when they all load it at once, was most of the page's CPU. So the
page's template marks them `{% sharedpart "name" %}…{% endsharedpart %}`
(cms/templatetags/shared_part_tags.py), and a page that offers its parts (a
`SharedParts` in the context as `shared_parts`) gets each one from the cache entry,
rendering and keeping only what is missing. What is personal (CSRF tokens, whether a
member has voted and "your vote is recorded", the receipts, proxy ballots, attendance
times, messages) stays outside the marks and is rendered for each member. A form the
same for all but its token (the member's own vote form, the account links' sign-out)
is marked in two pieces around the token.

Correct across app servers: an entry is kept under a key that names everything the
parts depend on that can change (the page and the site version, which every publish,
move, privacy, document, settings or unit change moves on; whether the room is open;
who may see them), and holds the fingerprint of the rest (the meeting's state, which
every chair action, count and agenda change moves on); an entry with another
fingerprint is never shown. Nothing about the visitor is in the key or the entry, and
a page offers its parts only to visitors who may see all of them (never to previews,
whose content is not the live page's).
"""

from django.core.cache import cache

PARTS_TIMEOUT = 60 * 60  # seconds; a new version or state leaves an entry behind sooner


class SharedParts:
    """The parts kept under `key`, from `entry` (the cache's value for the key, read
    with the page's other entries) if it holds `fingerprint`."""

    def __init__(self, key, fingerprint, entry):
        self.key = key
        self.fingerprint = fingerprint
        self.parts = dict(entry[1]) if entry is not None and entry[0] == fingerprint else {}
        self.rendered = False

    def part(self, name, render):
        """The part's HTML, rendered by `render()` only when the entry lacks it."""
        html = self.parts.get(name)
        if html is None:
            html = self.parts[name] = render()
            self.rendered = True
        return html

    def save(self, *args):
        """Keep the parts once the page is rendered, if any was rendered for it."""
        if self.rendered:
            cache.set(self.key, (self.fingerprint, self.parts), PARTS_TIMEOUT)
            self.rendered = False
