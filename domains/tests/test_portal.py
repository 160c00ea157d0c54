"""The portal's shell on a Verified domain: branded sign-in page, stylesheet and logo."""

from django.core.files.base import ContentFile
from django.test import Client

from .images import svg

HOST = "portal.alpha.test"


def portal_client(**kwargs) -> Client:
    return Client(HTTP_HOST=HOST, **kwargs)


def test_the_sign_in_page_is_branded(world):
    response = portal_client().get("/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in · Alpha Customer Hub</title>" in body
    assert '<span class="portal__brand">Alpha Customer Hub</span>' in body
    assert '<link rel="stylesheet" href="/portal.css?v=aa3300">' in body
    logo_version = world["portal_domain_a"].logo_version
    assert f'<img class="portal__logo" src="/logo/?v={logo_version}"' in body
    assert "Alpha Customer Hub footer" in body
    assert 'name="email"' in body and 'name="password"' in body


def test_the_portal_obeys_the_strict_csp(world):
    response = portal_client().get("/login/")
    body = response.content.decode()
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "style=" not in body
    assert "<script" not in body


def test_the_front_door_leads_to_sign_in(world):
    response = portal_client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_a_refused_sign_in_names_nobody(world):
    # Contacts sign in since the portal issue (portal/tests/test_portal_sign_in.py).
    client = portal_client()
    response = client.post("/login/", {"email": "someone@customer.example", "password": "x"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "That email and password do not match. Check both and try again." in body
    assert 'value="someone@customer.example"' in body  # what was typed stays
    assert response.wsgi_request.user.is_anonymous
    assert "_auth_user_id" not in client.session


def test_sign_in_bad_input_is_shown_next_to_the_field(world):
    response = portal_client().post("/login/", {"email": "not-an-email", "password": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_errors"' in body and "Enter a valid email address." in body
    assert 'id="id_password_errors"' in body and "This field is required." in body


def test_sign_in_needs_the_csrf_token(world):
    client = portal_client(enforce_csrf_checks=True)
    response = client.post("/login/", {"email": "a@b.example", "password": "x"})
    assert response.status_code == 403


def test_the_stylesheet_carries_the_primary_colour(world):
    response = portal_client().get("/portal.css?v=aa3300")
    css = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert "--color-primary: #aa3300;" in css
    assert "--color-primary-text: #ffffff;" in css  # white reads better on a dark red
    assert "public" in response["Cache-Control"]


def test_a_light_colour_gets_dark_text(world):
    domain = world["portal_domain_a"]
    domain.primary_color = "#ffe066"
    domain.save()
    css = portal_client().get("/portal.css").content.decode()
    assert "--color-primary: #ffe066;" in css
    assert "--color-primary-text: #1b1f24;" in css


def test_the_logo_is_served_with_a_csp_that_stops_scripts(world):
    response = portal_client().get("/logo/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "sandbox" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]  # so default-src 'none' rules
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_svg_logo_is_served_as_svg_under_the_same_csp(world):
    domain = world["portal_domain_a"]
    domain.logo.save("logo.svg", ContentFile(svg()), save=True)
    response = portal_client().get("/logo/")
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


def test_no_logo_is_a_404_and_the_page_has_no_image(world):
    domain = world["portal_domain_a"]
    domain.logo = ""
    domain.save()
    assert portal_client().get("/logo/").status_code == 404
    body = portal_client().get("/login/").content.decode()
    assert "portal__logo" not in body


def test_an_unknown_portal_path_is_a_plain_404(world):
    response = portal_client().get("/no-such-page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert "Alpha" not in response.content.decode()
