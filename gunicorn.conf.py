"""gunicorn settings (read from the working directory by `make run`, the load bench and the
fault tests): threaded workers that share the load, and one scheduler runner per worker; the
database lock lets only one of them run jobs (server/scheduler.py). Set SCHEDULER=off to run
no scheduler in these workers (e.g. when a dedicated `flask --app wsgi jobs scheduler` process
runs it)."""

import os

worker_class = "gthread"
threads = 4  # set here only: worker_connections below follows it (no --threads on commands)
# A gthread worker accepts while it holds fewer than `worker_connections` connections, busy
# threads or not, and kept-alive connections stay with it. With gunicorn's defaults (1000,
# keep-alive 2 s) the load bench saw one of four workers take most tablets' connections and
# burn one core while the others idled. So a worker takes a connection only when one of its
# threads is free, and each request comes back to the listening socket, where any worker with
# room accepts it. (Behind a load balancer, keep-alive belongs between it and the tablets.)
worker_connections = threads
keepalive = 0

# gunicorn >= 25 opens a control socket for `gunicornc` at one path per user
# (~/.gunicorn/gunicorn.ctl): a second server on the machine (`make run` beside the load bench
# or a fault test) took it over, and `gunicornc` would have reloaded or stopped the wrong one.
# Off unless GUNICORN_CONTROL_SOCKET names this server's own path.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

_runner = None


def post_worker_init(worker):
    """Once the app is loaded: settle the worker's heap, start its scheduler runner."""
    global _runner
    from server.deployment import check_workers
    from server.heap import settle

    check_workers(worker.wsgi.config, worker.cfg.workers)  # a refusal stops the server
    settle()
    if os.environ.get("SCHEDULER", "on").lower() in ("off", "0", "false", "no"):
        return
    from server.scheduler import SchedulerRunner

    _runner = SchedulerRunner(worker.wsgi)
    _runner.start()


def worker_exit(server, worker):
    """Hand the scheduler lock over when a worker stops."""
    if _runner is not None:
        _runner.shutdown()
