"""/metrics: only to METRICS_ALLOWED_IPS, never on a portal host; requests and the product's own
counters counted at the real code paths, read back from the scrape itself; label values bounded
(never an e-mail, a tenant's name or an id)."""

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from accounts.metrics import SIGN_INS, Counted
from tests.fixtures import PASSWORD


def _scrape(client=None, **extra) -> dict:
    """{(sample name, frozenset(labels)): value} from GET /metrics."""
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# --- who may scrape -------------------------------------------------------------------------------


def test_metrics_answer_loopback_on_a_panel_host(db):
    samples = _scrape()
    assert _value(samples, "panel_sign_ins_total", result="failed") >= 0
    assert ("panel_sign_ins_total", frozenset({("result", "locked")})) in samples


def test_metrics_are_refused_to_an_address_not_allowed(db):
    response = Client(REMOTE_ADDR="203.0.113.5").get("/metrics")
    assert response.status_code == 403
    assert b"panel_" not in response.content


def test_a_forged_forwarded_for_does_not_open_metrics(db):
    """Without trusted proxies X-Forwarded-For is the caller's say-so: ignored."""
    client = Client(REMOTE_ADDR="203.0.113.5")
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403


@override_settings(TRUSTED_PROXY_COUNT=1, METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_checked(db):
    proxy = Client(REMOTE_ADDR="192.0.2.1")
    assert proxy.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200
    assert proxy.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403
    assert proxy.get("/metrics", HTTP_X_FORWARDED_FOR="").status_code == 403  # the proxy itself


@override_settings(METRICS_ALLOWED_IPS=[])
def test_an_empty_allow_list_allows_nobody(db):
    assert Client().get("/metrics").status_code == 403


def test_metrics_are_never_served_on_a_portal_host(world):
    client = Client()
    for host in (world["portal_host_a"], "nobody.example"):
        response = client.get("/metrics", HTTP_HOST=host)
        assert response.status_code == 404
        assert b"panel_" not in response.content


# --- what is counted --------------------------------------------------------------------------


def test_a_failed_sign_in_counts_once_as_failed(db, admin_a):
    before = _scrape()
    response = Client().post("/login/", {"email": admin_a.email, "password": "Not-It-123!"})
    assert response.status_code == 200
    after = _scrape()
    for result, change in (("failed", 1), ("succeeded", 0), ("locked", 0)):
        assert (
            _value(after, "panel_sign_ins_total", result=result)
            - _value(before, "panel_sign_ins_total", result=result)
            == change
        ), result


def test_a_sign_in_counts_succeeded_and_the_throttle_counts_locked(db, admin_a, settings):
    settings.LOGIN_FAILURES_PER_PAIR = 2
    succeeded, locked = SIGN_INS.value(result="succeeded"), SIGN_INS.value(result="locked")
    assert Client().post("/login/", {"email": admin_a.email, "password": PASSWORD}).status_code
    assert SIGN_INS.value(result="succeeded") == succeeded + 1
    client = Client()
    for _ in range(3):
        client.post("/login/", {"email": admin_a.email, "password": "Not-It-123!"})
    assert SIGN_INS.value(result="locked") == locked + 1


def test_a_request_is_counted_by_method_url_name_and_status_with_its_latency(db):
    before = _scrape()
    Client().get("/login/")
    Client().get("/no-such-page/")
    Client().post("/login/", {"email": "nobody@example.com", "password": "x"})  # queries
    after = _scrape()

    def change(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert change("panel_http_requests_total", method="GET", view="users:login", status="200") == 1
    assert change("panel_http_requests_total", method="GET", view="unresolved", status="404") == 1
    count = "panel_http_request_duration_seconds_count"
    assert change(count, method="GET", view="users:login") == 1
    assert change("panel_http_request_db_queries_count", view="users:login") == 2
    queries = change("panel_db_queries_total", alias="default")
    assert queries > 0
    assert change("panel_http_request_db_queries_sum", view="users:login") == queries


def test_an_unknown_method_is_one_label_value(db):
    def others(samples):
        return sum(
            value
            for (name, labels), value in samples.items()
            if name == "panel_http_requests_total" and ("method", "other") in labels
        )

    before = _scrape()
    Client().generic("BREW", "/login/")
    Client().generic("X-INJECTED-METHOD", "/login/")
    after = _scrape()
    assert others(after) - others(before) == 2
    assert not any("BREW" in str(labels) for _name, labels in after)


def test_an_undeclared_label_value_is_counted_as_other():
    counter = Counted("test_undeclared", "A counter of the test.", {"result": ("ok",)})
    counter.inc(result="admin@acme.example")
    assert counter.value(result="other") == 1
    with pytest.raises(TypeError):
        counter.inc(result="ok", account="Acme")


def test_no_label_carries_an_email_a_tenant_name_or_an_id(world, client_admin_a):
    """After a signed-in session and sign-in failures, every label value of the scrape is from
    the declared sets, URL names, statuses and methods."""
    client_admin_a.get("/audit/")
    client_admin_a.get(f"/account/config/devices/{world['admin_a'].pk}/revoke/")
    Client().post("/login/", {"email": world["admin_b"].email, "password": "x"})
    samples = _scrape()
    forbidden = [
        world["admin_a"].email,
        world["admin_b"].email,
        world["a"].name,
        world["b"].name,
        "@",
    ]
    for _name, labels in samples:
        for key, value in labels:
            assert not any(f in value for f in forbidden), (key, value)
            if key in ("account", "account_id", "user", "user_id", "email", "tenant"):
                pytest.fail(f"a label named {key}")
            if key in ("view",):
                assert value.replace(":", "").replace("_", "").isalnum() or value in {
                    "unresolved",
                    "unnamed",
                }, value
            if key == "status" and value.isdigit():
                assert 100 <= int(value) <= 599
