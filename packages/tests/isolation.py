"""Isolation-crawler entries for the Packages and Usage tabs. The catalogue is the platform's
(one for every account), so no URL names an account's object: enabling and disabling name the
package in the POST body, and tests/test_packages_tab.py checks that A's change leaves B alone."""

from tests.isolation import page

ENTRIES = {
    "packages:list": page(),
    "packages:enable": page(),
    "packages:disable": page(),
    "usage:overview": page(),
    "usage:export": page(),
}
