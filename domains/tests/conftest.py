# The project's shared fixtures (accounts A and B, world, signed-in clients) and the DNS server.
from tests.conftest import *  # noqa: F403
from tests.fakes.dns_server import dns_server  # noqa: F401
