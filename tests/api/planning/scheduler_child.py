"""A separate process running one scheduler runner (used by test_planning_scheduler.py).

usage: scheduler_child.py DATABASE_URL IDENTITY SECONDS LEASE_SECONDS
Runs the real audit-chain job every second through the real election, then stops cleanly.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))


def main() -> None:
    """Start a runner, keep it for SECONDS, shut it down."""
    from server import create_app
    from server.config import normalise_database_url
    from server.jobs import JOBS_BY_ID
    from server.scheduler import SchedulerRunner

    url, identity, seconds, lease = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SECRET_KEY": "scheduler-child", "SCHEDULER_LEASE_SECONDS": int(lease)})
    runner = SchedulerRunner(app, jobs=[JOBS_BY_ID["audit.verify_chain"]], identity=identity,
                             trigger_override={"trigger": "interval", "seconds": 1})
    runner.start()
    print("started", flush=True)
    time.sleep(seconds)
    runner.shutdown()


if __name__ == "__main__":
    main()
