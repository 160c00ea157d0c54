"""Executors the tests plug in through SERVER_OPERATION_EXECUTOR (the platform's seam)."""

from servers.executors import Outcome


class BrokenExecutor:
    """The platform's orchestration is down."""

    def execute(self, operation):
        raise ConnectionError("orchestrator at 10.1.2.3:8443 refused the connection")


class RefusingExecutor:
    """The orchestration answered, but would not do it."""

    def execute(self, operation):
        return Outcome(ok=False, message="The hypervisor has no capacity in this zone.")
