"""Help texts shown by the "?" buttons (a dialog over the page, or a page of its own)."""

from dataclasses import dataclass

from django.http import Http404


@dataclass(frozen=True)
class HelpTopic:
    slug: str
    title: str
    paragraphs: tuple[str, ...]


def _topic(slug: str, title: str, text: str) -> HelpTopic:
    """Paragraphs are separated by blank lines; line breaks inside one are spaces."""
    return HelpTopic(slug, title, tuple(" ".join(p.split()) for p in text.strip().split("\n\n")))


HELP_TOPICS = {
    topic.slug: topic
    for topic in [
        _topic(
            "my-account",
            "My Account",
            """
            My Account is where you run your company's account: Config holds the company and
            general settings, Users the staff and their permission groups, API your payment
            gateways, Domains the white-label portal addresses, Payments your top-ups, Usage and
            Packages the lookup services, and Settings the security policy.

            You see only the sections your permissions allow. An Administrator may use every
            section; other users get modules through their groups.
        """,
        ),
        _topic(
            "config",
            "Config",
            """
            The account profile: company name, registration and VAT IDs, address, currency, date
            format, time zone, billing method and contact numbers.

            Press the pencil to edit. The company name is yours to choose: other companies on the
            platform may use the same one. The date format and time zone apply to every date the
            panel and your customer portal show. The currency is fixed once the account has
            payments; the billing method may change once every 30 days.

            Security & Add-ons are your own: a mail at every sign-in, a mail when a browser not
            seen before signs in as you, and the browsers you have used. Revoking one ends its
            sessions at once.
        """,
        ),
        _topic(
            "users",
            "Users and groups",
            """
            Add staff users and give them an Administrator or User role. Users get modules through
            groups: a module is usable when a group allows it and no group denies it.

            Tick Read only for someone who may look but change nothing.
        """,
        ),
        _topic(
            "api",
            "API: payment gateways",
            """
            Add your PayPal or Stripe credentials so your customers can pay you in the portal.
            Keys are stored encrypted and never shown again; the panel checks them with the gateway
            and shows whether they work.
        """,
        ),
        _topic(
            "domains",
            "Domains",
            """
            Serve the customer portal on your own domain: add it, create the two DNS records
            shown, then press Check. The CNAME points the domain at the platform (an A record does
            not work); the TXT record at _portal-challenge.<your domain> holds a token of your
            account's own and proves the domain is yours. The portal is served once a Check finds
            both.

            Another account may have added the same domain; whoever proves it with the TXT record
            first gets it, and the other claims show "Verified by another account" and are never
            served. Verified domains are re-checked regularly: a domain whose CNAME stops pointing
            at the platform goes back to Failed and its portal is no longer served until a Check
            finds it again. A missing TXT record is reported but does not stop a Verified portal.
            When DNS does not answer, the domain keeps its status and the history says Not
            checked.

            Refresh re-checks the domains you selected. Open takes you to the portal's sign-in
            page, branded with its brand name, logo, colour and footer.
        """,
        ),
        _topic(
            "audit-log",
            "Audit log",
            """
            Every change, sign-in (successful or not) and gateway check, with who did it, from
            which address and what changed. Entries cannot be edited or deleted.
        """,
        ),
        _topic(
            "keyboard",
            "Keyboard",
            """
            Tab moves between links, buttons and fields; Enter opens a link or a dialog; Escape
            closes a dialog and returns you to where you were.
        """,
        ),
    ]
}


def get_topic_or_404(slug: str) -> HelpTopic:
    try:
        return HELP_TOPICS[slug]
    except KeyError as exc:
        raise Http404("No such help topic.") from exc
