"""The project's shared fixtures (accounts A and B, their users, signed-in clients, `world`)."""

from tests.conftest import *  # noqa: F403
