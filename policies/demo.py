"""Demo content of the policies app: the union's privacy statement.

Invented for the fictional Northwind Workers' Union; `load_demo` calls
`load_policies` after the home page exists.
"""

import datetime

from home.demo import callout_block, ensure_child, faq_block, list_block, paragraphs, text_block
from policies.models import PolicyPage


def privacy_statement_page():
    return PolicyPage(
        title="Privacy statement",
        slug="privacy-statement",
        show_in_menus=True,
        last_reviewed=datetime.date(2026, 9, 15),
        search_description="What personal information the union holds, how it is used and "
        "protected, and how to see or correct it.",
        introduction=(
            "How the Northwind Workers' Union collects, uses and protects its members' "
            "personal information, and how you can see and correct what we hold about you."
        ),
        body=[
            text_block(
                paragraphs(
                    "The union follows Alberta's Personal Information Protection Act (PIPA). "
                    "Beyond what the law asks, we treat members' privacy as a duty we owe "
                    "each other: the information you trust us with is used to represent you "
                    "and for nothing else.",
                ),
                heading="Our commitment",
            ),
            list_block(
                "What counts as personal information",
                [
                    "your age or date of birth",
                    "identifying numbers, such as your member ID or employee number",
                    "what you earn",
                    "your ethnic or national origin",
                    "your religion or beliefs",
                    "opinions you hold, and opinions others have given about you",
                    "records of discipline at work",
                    "your credit history",
                    "your health and medical records",
                ],
                introduction=(
                    "<p>Under PIPA, personal information is anything about a person who can "
                    "be identified. It includes, for example:</p>"
                ),
            ),
            text_block(
                paragraphs(
                    "Business contact information, such as the name, job title, work address "
                    "and work phone number someone uses for their job, is not personal "
                    "information under the Act."
                ),
            ),
            text_block(
                paragraphs(
                    "The union is the legal representative of its members with their "
                    "employers. Doing that job sometimes means collecting, using or "
                    "disclosing a member's personal information: when we take a grievance "
                    "forward, for example, or help a member with a disability claim.",
                    "Information gathered for one of those purposes is used for that purpose "
                    "only. You may refuse your consent; tell your union representative or the "
                    "Privacy Officer. Unless you do, we take it that you agree to our using "
                    "your information as the case requires.",
                ),
                heading="Why we collect it",
            ),
            list_block(
                "How we use our membership database",
                [
                    "To tell members about meetings, including Annual General Meetings: by "
                    "mail, and by email where we have an active address.",
                    "To pay members' expense claims.",
                    "To send union publications, bargaining updates and news of events.",
                    "To produce statistics, with no member named, that help us prepare for "
                    "bargaining.",
                    "To send out mailings from a small number of partner organisations, at "
                    "their cost. We do the mailing ourselves; the partner never receives "
                    "the list.",
                    "To give a Local or Chapter chair the contact information of the members "
                    "of their own Local or Chapter, and nobody else's.",
                ],
                style="numbered",
            ),
            text_block(
                paragraphs(
                    "In every case above, the union keeps the information. We do not sell, "
                    "rent or trade members' personal information, and we do not share it "
                    "with outside organisations.",
                    "Only staff whose work needs it can see personal information, and every "
                    "time it is viewed or exported the system records who did so and when. "
                    "Personal information is never published on this website; business "
                    "contact information sometimes is.",
                    "Shared areas of the union's offices are watched by security cameras at "
                    "all hours.",
                ),
                heading="What we never do",
            ),
            text_block(
                paragraphs(
                    "You can ask what the union holds about you at any time, and ask us to "
                    "correct anything that is wrong. Contact the Privacy Officer, or call "
                    "the Member Resource Centre and ask for the Privacy Officer.",
                    "When you are signed in to this site you can also see your own details "
                    "and choose how we contact you. If you refuse a kind of contact, every "
                    "mailing list we produce leaves you out of it.",
                ),
                heading="Seeing and correcting what we hold",
            ),
            callout_block(
                "Cookies and links to other sites",
                paragraphs(
                    "This site sets only the cookies it needs to keep you signed in, to "
                    'protect its forms and to carry a one-time notice, such as "your '
                    'choices are saved" or the receipt code of your vote, to the next '
                    "page you open. It does not use advertising or tracking cookies.",
                    "Some pages link to other organisations' websites or list their phone "
                    "numbers and addresses for your convenience. We do not control those "
                    "sites, are not responsible for what they say or offer, and do not "
                    "endorse them by linking to them. Their own privacy policies apply once "
                    "you leave this site.",
                ),
            ),
            faq_block(
                "Will the union give my email address to anyone else?",
                paragraphs(
                    "No. Your email address is used to send you union notices and news you "
                    "have not refused. Partner mailings are sent by the union itself, so the "
                    "partner never sees your address."
                ),
            ),
            faq_block(
                "Who can see my phone number and address?",
                paragraphs(
                    "Union staff who need them for their work, and the chair of your own "
                    "Local or Chapter. A chair sees only contact information, and only for "
                    "members of their own Local or Chapter."
                ),
            ),
        ],
    )


def load_policies(home, *, note):
    """Publish the privacy statement under the home page. Returns it."""
    return ensure_child(home, privacy_statement_page(), note=note, expected_type=PolicyPage)
