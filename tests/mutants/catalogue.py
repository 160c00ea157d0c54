"""Planted defects the suite must catch: each is one small edit of the kind the harness exists
for (a missing ``for_account``, a weakened decorator, Allow beating Deny, a service without its
permission re-check, an N+1 query, an unescaped variable, a secret rendered into a page).

``make mutants`` (tests/mutants/run.py) applies each to a copy of the tree, runs the suite there
and fails when any defect survives. An entry whose ``old`` text is no longer in its file fails
the run too, so the catalogue cannot silently rot when the code moves.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    key: str
    path: str
    old: str
    new: str
    what: str
    # The tests that guard against it (pytest paths): the run is the suite's, narrowed to these.
    tests: tuple[str, ...] = ()
    # More (old, new) edits of the same file, e.g. the import the defect needs to be valid code.
    also: tuple[tuple[str, str], ...] = ()


CATALOGUE = [
    Mutant(
        "gateway-list-unscoped",
        "payment_gateways/views.py",
        'Gateway.objects.for_account(request.account).defer("secret_key", "webhook_secret")',
        'Gateway.all_accounts.all().defer("secret_key", "webhook_secret")',
        "the gateway list reads every account's gateways",
        tests=("tests/test_isolation.py", "payment_gateways"),
    ),
    Mutant(
        "gateway-list-weaker-decorator",
        "payment_gateways/views.py",
        '@requires("api")\n@require_safe\ndef gateway_list',
        "@signed_in\n@require_safe\ndef gateway_list",
        "the gateway list needs only a sign-in, not the API module",
        tests=("tests/test_permissions.py",),
        also=(
            (
                "from accounts.permissions import requires\n",
                "from accounts.permissions import requires, signed_in\n",
            ),
        ),
    ),
    Mutant(
        "allow-beats-deny",
        "accounts/permissions.py",
        "and effect in (ALLOW, DENY) and grants.get(module) != DENY",
        "and effect in (ALLOW, DENY) and grants.get(module) != ALLOW",
        "combine() lets a later Allow override a Deny",
        tests=("accounts", "tests/test_permission_rules.py"),
    ),
    Mutant(
        "gateway-delete-unscoped",
        "payment_gateways/services.py",
        'Gateway.objects.for_account(actor.account).filter(pk__in=ids).order_by("name")',
        'Gateway.all_accounts.filter(pk__in=ids).order_by("name")',
        "delete_gateways deletes ticked ids of any account",
        tests=("tests/test_isolation.py", "tests/test_bulk_selection.py"),
    ),
    Mutant(
        "service-without-permission-check",
        "domains/services.py",
        'their names."""\n    require_write(actor, "domains")\n',
        'their names."""\n',
        "delete_domains no longer re-checks the Domains write permission",
        tests=("domains", "tests/test_permissions.py"),
    ),
    Mutant(
        "users-list-n-plus-one",
        "users/views_manage.py",
        """User.objects.for_account(account).prefetch_related(
            Prefetch("groups", queryset=groups.order_by("name"))
        ),""",
        "User.objects.for_account(account),",
        "the Users list loads each user's groups with a query of its own",
        tests=("users/tests/test_users.py",),
    ),
    Mutant(
        "unescaped-template-variable",
        "templates/payment_gateways/list.html",
        "data-dialog>{{ gateway.name }}</a>",
        "data-dialog>{{ gateway.name|safe }}</a>",
        "the gateway list renders a gateway's name as markup",
        tests=("tests/test_rendering.py",),
    ),
    Mutant(
        "secret-rendered",
        "payment_gateways/models.py",
        "return MASK + value[-4:] if len(value) > 8 else MASK",
        "return value",
        "a gateway's secret key is shown in full where only its last 4 may be",
        tests=("tests/test_encryption.py", "tests/gateways"),
    ),
]
