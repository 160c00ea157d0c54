# The local DNS server fixture (the shared fixtures come from the root conftest.py).
from tests.fakes.dns_server import dns_server  # noqa: F401
