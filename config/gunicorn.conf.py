"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

With PROMETHEUS_MULTIPROC_DIR set (README "Operations"), each worker writes its metrics to that
directory and /metrics adds them up; a worker that exits is marked dead here so its live gauges
stop counting. The directory must be emptied before gunicorn starts.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# One access line per request comes from the app (accounts.requests, with its request id).
accesslog = None


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
