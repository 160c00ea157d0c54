"""Logo checks: PNG or SVG, at most 350 px wide and 200 KB, no active content in an SVG."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.actors import Actor
from accounts.errors import Refused
from domains.logos import inspect

from .images import png, svg


def upload(data: bytes, name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def refusal(data: bytes, name: str = "logo.png") -> str:
    with pytest.raises(ValidationError) as refused:
        inspect(upload(data, name))
    return refused.value.messages[0]


def test_png_within_limits():
    logo = inspect(upload(png(350)))
    assert (logo.kind, logo.width, logo.content_type) == ("png", 350, "image/png")


def test_png_too_wide():
    assert refusal(png(351)) == (
        "The logo is 351 px wide; the limit is 350 px. Scale it down and upload it again."
    )


def test_file_too_large():
    message = refusal(png(100, extra=210 * 1024))
    assert message.startswith("The logo is 210 KB; the limit is 200 KB.")


def test_not_an_image():
    assert refusal(b"GIF89a not what we take") == (
        "The logo must be a PNG or SVG image; this file is neither."
    )
    assert "neither" in refusal(b"hello, I am text", "logo.png")


def test_a_damaged_png():
    data = bytearray(png(100))
    data[40] ^= 0xFF  # breaks a CRC
    assert "damaged or incomplete" in refusal(bytes(data))
    assert "damaged or incomplete" in refusal(png(100)[:-12])  # no IEND


@pytest.mark.parametrize(
    ("attributes", "width"),
    [
        ('width="300" height="80"', 300),
        ('width="300px"', 300),
        ('width="3in"', 288),
        ('width="100%" viewBox="0 0 240 60"', 240),
        ('viewBox="0,0,120,40"', 120),
    ],
)
def test_svg_width_from_attributes_or_view_box(attributes, width):
    logo = inspect(upload(svg(attributes), "logo.svg"))
    assert (logo.kind, logo.width) == ("svg", width)


def test_svg_too_wide():
    assert "is 400 px wide" in refusal(svg('viewBox="0 0 400 100"'), "logo.svg")
    assert "is 384 px wide" in refusal(svg('width="4in"'), "logo.svg")


def test_svg_without_size():
    assert "no width or viewBox" in refusal(svg(""), "logo.svg")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<script>alert(1)</script>", "contains a <script> element"),
        ('<foreignObject width="10" height="10"></foreignObject>', "<foreignobject>"),
        ('<rect width="1" height="1" onclick="alert(1)"/>', "event handler (onclick)"),
        ('<a href="javascript:alert(1)"><rect width="1" height="1"/></a>', "javascript:"),
        ('<image href="https://tracker.example/x.png" width="1" height="1"/>', "outside the file"),
        ("<style>@import url(https://x.example/a.css);</style>", "load something from outside"),
        ('<rect width="1" height="1" style="fill:url(http://x.example/p)"/>', "from outside"),
    ],
)
def test_svg_with_active_content_is_refused(body, message):
    assert message in refusal(svg('width="100"', body), "logo.svg")


def test_svg_with_a_doctype_is_refused():
    data = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]>' + svg('width="10"')
    assert "DOCTYPE" in refusal(data, "logo.svg")


def test_svg_local_references_and_embedded_images_are_fine():
    body = (
        '<defs><linearGradient id="g"/></defs><rect width="5" height="5" fill="url(#g)"/>'
        '<use href="#g"/><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>'
    )
    assert inspect(upload(svg('width="100"', body), "logo.svg")).width == 100


def test_xml_that_is_not_svg():
    assert "not an SVG image" in refusal(b'<?xml version="1.0"?><html>hi</html>', "logo.svg")
    assert "neither" in refusal(b"<html><body>hi</body></html>", "logo.svg")
    assert "not well-formed" in refusal(b"<svg <<", "logo.svg")


# --- storage follows the transaction ------------------------------------------------------------


def _stored_logos() -> set[str]:
    from django.core.files.storage import default_storage

    try:
        return set(default_storage.listdir("portal-logos")[1])
    except FileNotFoundError:
        return set()


def _data(domain_name: str, logo_bytes: bytes) -> dict:
    return {
        "domain": domain_name,
        "brand_name": "",
        "primary_color": "#123456",
        "footer_text": "",
        "customer_signup": False,
        "carrier_signup": False,
        "new_customer_debit_limit": 0,
        "template_customer_id": None,
        "currencies": ["USD"],
        "access_areas": [],
        "logo": inspect(upload(logo_bytes)),
    }


def test_a_logo_is_not_left_in_storage_when_the_domain_save_rolls_back(world):
    """Reproduction: the name was claimed between the form's check and the save; the save
    rolled back and the uploaded logo stayed in storage, named by no row."""
    from domains import services

    before = _stored_logos()
    with pytest.raises(Refused):
        services.create_domain(
            actor=Actor(world["admin_a"]),
            account=world["a"],
            data=_data("portal.alpha.test", png(100)),  # the account's own name: the save fails
        )
    assert _stored_logos() == before


def test_a_replaced_logo_is_kept_and_the_new_one_removed_when_an_edit_rolls_back(world):
    from domains import services
    from domains.models import PortalDomain

    domain = world["portal_domain_a"]
    other = PortalDomain.objects.create(account=world["a"], domain="two.alpha.test")
    before = _stored_logos()
    with pytest.raises(Refused):
        services.update_domain(
            actor=Actor(world["admin_a"]), domain=other, data=_data("portal.alpha.test", png(90))
        )
    assert _stored_logos() == before
    domain.refresh_from_db()
    assert domain.logo.name.rsplit("/", 1)[-1] in before  # the old logo is still there
