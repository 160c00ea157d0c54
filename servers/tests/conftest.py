# The local SIP responder fixture (the shared fixtures come from the root conftest.py).
from tests.fakes.sip_server import sip_server  # noqa: F401
