"""gunicorn settings (read from the working directory by `make run`): one scheduler runner
per worker; the database lock lets only one of them run jobs (server/scheduler.py).
Set SCHEDULER=off to run no scheduler in these workers (e.g. when a dedicated
`flask --app wsgi jobs scheduler` process runs it)."""

import os

_runner = None


def post_worker_init(worker):
    """Start this worker's scheduler runner once the app is loaded."""
    global _runner
    if os.environ.get("SCHEDULER", "on").lower() in ("off", "0", "false", "no"):
        return
    from server.scheduler import SchedulerRunner

    _runner = SchedulerRunner(worker.wsgi)
    _runner.start()


def worker_exit(server, worker):
    """Hand the scheduler lock over when a worker stops."""
    if _runner is not None:
        _runner.shutdown()
