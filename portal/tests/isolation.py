"""Isolation-crawler entries for the customer portal (requested on account A's portal host)."""

from tests.isolation import portal_page

ENTRIES = {
    "portal:home": portal_page(),
    "portal:login": portal_page(),
    "portal:stylesheet": portal_page(),
    "portal:logo": portal_page(),
}
