"""gunicorn's configuration for production (``make serve``, or ``gunicorn -c config/gunicorn.py
config.wsgi``). Every value can be overridden from the environment, e.g. GUNICORN_WORKERS=8.

With PROMETHEUS_MULTIPROC_DIR set (README "Operations"), each worker writes its metrics to that
directory and /metrics adds them up; a worker that exits is marked dead here so its live gauges
stop counting. The directory must be emptied before gunicorn starts.
"""

import multiprocessing
import os


def _env(name: str, default):
    value = os.environ.get(f"GUNICORN_{name}")
    return type(default)(value) if value else default


bind = _env("BIND", "127.0.0.1:8000")
# Sync workers: the panel's requests are short and database-bound; 2 per core plus one.
workers = _env("WORKERS", multiprocessing.cpu_count() * 2 + 1)
timeout = _env("TIMEOUT", 30)  # a worker stuck longer than this is killed and replaced
graceful_timeout = _env("GRACEFUL_TIMEOUT", 30)
keepalive = _env("KEEPALIVE", 5)  # behind a load balancer that keeps connections open
# Recycle workers now and then, at different times, so slow leaks never add up.
max_requests = _env("MAX_REQUESTS", 2000)
max_requests_jitter = _env("MAX_REQUESTS_JITTER", 200)
# Load the application once in the master: a broken configuration fails at start, not per worker,
# and workers fork with the code already imported. Database connections are opened per worker,
# after the fork (Django opens them lazily).
preload_app = True
# The app writes one line per request itself (accounts/logs.py, with its request id): gunicorn's
# own access log only on request (GUNICORN_ACCESS_LOG=- for stdout, or a file).
accesslog = _env("ACCESS_LOG", "") or None
errorlog = "-"
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
