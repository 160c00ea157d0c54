"""Every form of the panel and the portal, fuzzed: each page and object the isolation crawler
knows (so a new form is covered without new code) is read as account A's Administrator (portal
pages as A's contact), and each of its POST forms is sent with one or two fields replaced by
hostile input — empty, 1 MB, right-to-left and combining marks, confusables, control characters
and NUL bytes, SQL and template syntax, numbers at and past their limits, NaN, forged choices,
another account's ids.

Never a 500; and an answer that comes back with errors on the form has changed nothing: not one
row of either account (a refused write that half-happened is a defect too).
"""

import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .htmlforms import Field, Form, post_forms
from .isolation import NOT_POSTED, REGISTRY, finish, portal_client, tenant_ids, tenant_rows, url_for

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SKIPPED_KINDS = ("submit", "button", "file", "image", "reset")
ERROR_MARKS = ("form-row__errors", "alert--error")

HOSTILE = [
    "",
    " ",
    "x" * (1024 * 1024),
    "\u202eevil\u202c",  # right-to-left override
    "e\u0301\u0301\u0301\u0301",  # combining marks
    "\u0430dmin",  # Cyrillic a: a confusable of "admin"
    "\x00",
    "a\x00b",
    "\x01\x07\x1b[31m",
    "line\r\nInjected-Header: yes",
    "' OR 1=1 --",
    "'; DROP TABLE users_user; --",
    "{{ request.user }}{% debug %}",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "NaN",
    "Infinity",
    "-0",
    "1e309",
    "-1",
    "0",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999.999999",
    "0.000000001",
    "1,5",
    "٣",  # an Arabic-Indic digit
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
    "http://169.254.169.254/latest/meta-data/",
    "\ufeff",
    "\ud7ff\ue000\uffff",
]


def _pages():
    return [name for name, entry in REGISTRY.items() if entry.kind in ("page", "object")]


def _fuzzable(form: Form) -> list[Field]:
    return [
        f
        for f in form.fields
        if f.name and not f.disabled and f.kind not in SKIPPED_KINDS
        if f.name != "csrfmiddlewaretoken"
    ]


def _targets(form: Form, url: str) -> list[str]:
    found = []
    for target in form.targets:
        action = target or url
        if action.startswith("/") and action not in NOT_POSTED:
            found.append(action)
    return found


def _values(foreign_ids: list[str]):
    forged = st.sampled_from(["__forged__", "-1", "0", "999999999", *foreign_ids])
    return st.one_of(st.sampled_from(HOSTILE), forged, st.text(max_size=40))


def _client_for(name, world, client_admin_a):
    return portal_client(world, "a") if REGISTRY[name].site == "portal" else client_admin_a


@pytest.mark.parametrize("name", _pages())
def test_hostile_input_in_any_field_is_refused_cleanly(name, world, client_admin_a):
    client = _client_for(name, world, client_admin_a)
    url = url_for(name, world, "a")
    page = client.get(url)
    finish(page)
    if page.status_code != 200 or page.streaming:
        pytest.skip(f"{url} answers {page.status_code}")
    forms = [
        (form, action, _fuzzable(form))
        for form in post_forms(page.content.decode(errors="replace"))
        for action in _targets(form, url)
    ]
    forms = [(form, action, fields) for form, action, fields in forms if fields]
    if not forms:
        pytest.skip(f"{url} has no form with fields")
    foreign = [str(pk) for pk in tenant_ids(world["b"])][:5]
    before = {side: tenant_rows(world[side]) for side in ("a", "b")}  # each example rolls back

    @settings(
        max_examples=EXAMPLES * len(forms),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def post_hostile(data):
        form, action, fields = data.draw(st.sampled_from(forms), label="form")
        body = form.body()
        for field in data.draw(
            st.lists(st.sampled_from(fields), min_size=1, max_size=2, unique_by=lambda f: f.name),
            label="fields",
        ):
            body[field.name] = [data.draw(_values(foreign), label=field.name)]
        block = transaction.atomic()
        block._from_testcase = True  # services with durable blocks may run inside (tests only)
        with block:
            answer = client.post(action, body)
            finish(answer)
            assert answer.status_code < 500, f"POST {action} (from {url}) {answer.status_code}"
            text = b"" if answer.streaming else answer.content
            refused = answer.status_code == 200 and any(m.encode() in text for m in ERROR_MARKS)
            if refused:
                after = {side: tenant_rows(world[side]) for side in ("a", "b")}
                assert after == before, f"POST {action} (from {url}) refused but changed rows"
            transaction.set_rollback(True)

    post_hostile()
