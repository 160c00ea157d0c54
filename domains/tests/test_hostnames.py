"""Portal domain names: the stored form and the reasons a name is refused."""

import pytest
from django.core.exceptions import ValidationError

from domains.hostnames import display, normalise, platform_reason


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("portal.example.com", "portal.example.com"),
        ("  Portal.Example.COM  ", "portal.example.com"),
        ("portal.example.com.", "portal.example.com"),
        ("Bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("a-b.c-d.example", "a-b.c-d.example"),
    ],
)
def test_stored_form(typed, stored):
    assert normalise(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("https://x.com/path", "without http:// or https://"),
        ("http://x.com", "without http:// or https://"),
        ("x.com/path", "without a path"),
        ("x.com:8080", "without a port"),
        ("com", "not a bare top-level domain"),
        ("192.0.2.1", "not an IP address"),
        ("192.0.2.1:80", "not an IP address"),
        ("2001:db8::1", "not an IP address"),
        ("[2001:db8::1]:443", "not an IP address"),
        ("10.0.0.300", "not an IP address"),
        ("a..example.com", "empty part"),
        ("-bad.example.com", "not a valid part"),
        ("bad_name.example.com", "not a valid part"),
        ("two words.example", "only letters, digits, hyphens and dots"),
        ("", "Enter the portal's domain"),
    ],
)
def test_refused_names(typed, message):
    with pytest.raises(ValidationError) as refused:
        normalise(typed)
    assert message in refused.value.messages[0]


def test_a_label_over_63_characters():
    with pytest.raises(ValidationError) as refused:
        normalise("x" * 64 + ".example.com")
    assert "at most 63 characters" in refused.value.messages[0]


def test_a_unicode_label_over_63_characters_once_encoded():
    with pytest.raises(ValidationError) as refused:
        normalise("ü" * 60 + ".example.com")
    assert "at most 63 characters once encoded" in refused.value.messages[0]


def test_a_name_over_253_characters():
    name = ".".join(["a" * 60] * 4) + ".example.com"  # 243 + 12 = 255
    with pytest.raises(ValidationError) as refused:
        normalise(name)
    assert refused.value.messages[0] == (
        f"A domain name has at most 253 characters; this one has {len(name)}."
    )


def test_exactly_253_characters_is_allowed():
    name = ".".join(["a" * 63] * 3 + ["b" * 61])
    assert len(name) == 253
    assert normalise(name) == name


def test_display_shows_unicode():
    assert display("xn--bcher-kva.example") == "bücher.example"


def test_platform_and_panel_hosts_are_refused():
    assert "panel itself" in platform_reason("testserver")
    assert "belongs to the platform" in platform_reason("portals.console.test")
    assert "belongs to the platform" in platform_reason("x.console.test")
    assert platform_reason("notconsole.test") is None
    assert platform_reason("portal.customer.example") is None
