# Local servers for the SMTP, SMS and DNS tests (the shared fixtures come from the root conftest).
from tests.fakes.dns_server import dns_server  # noqa: F401
from tests.fakes.smtp_server import certificate_authority, smtp_server, trusted_ca  # noqa: F401
