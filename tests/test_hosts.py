"""Host handling: panel hosts serve the panel, anything else is a 404 that names no tenant."""

from django.test import Client

from .conftest import signed_in_client


def test_panel_host_serves_the_panel(client_admin_a):
    assert client_admin_a.get("/account/config/").status_code == 200


def test_unknown_host_is_404_and_names_no_tenant(world):
    client = signed_in_client(world["admin_a"], host="portal.unknown.test")
    for path in ("/", "/login/", "/account/config/", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 404, path
        body = response.content.decode()
        assert "Not found" in body
        for name in ("Alpha Networks", "Bravo Carrier", "Account console"):
            assert name not in body


def test_host_with_port_and_capitals_is_the_panel(db):
    response = Client(HTTP_HOST="LocalHost:8000").get("/login/")
    assert response.status_code == 200


def test_a_session_does_not_work_on_another_host(world):
    client = signed_in_client(world["admin_a"], host="127.0.0.1")
    assert client.get("/account/config/", HTTP_HOST="127.0.0.1").status_code == 200
    response = client.get("/account/config/", HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_session_without_a_bound_host_is_anonymous(world):
    client = Client()
    client.force_login(world["admin_a"])  # no host recorded: refused, fail closed
    assert client.get("/account/config/").status_code == 302


def test_sign_in_binds_the_session_to_its_host(world):
    from .conftest import PASSWORD

    client = Client(HTTP_HOST="localhost:8000")
    client.post("/login/", {"email": "admin@alpha.test", "password": PASSWORD})
    assert client.session["bound_host"] == "localhost:8000"
    assert client.get("/account/config/").status_code == 200


def test_security_headers_are_set(client_admin_a):
    response = client_admin_a.get("/account/config/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
