"""The command-line tablet in the field's trouble, against the real app on a loopback server:
what it tells the inspector, what it keeps, and its exit status."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from offline_sync import Tablet, cli
from offline_sync.http import RetryPolicy

QUICK = RetryPolicy(retries=2, backoff_base=0.01, backoff_cap=0.05, connect_timeout=2,
                    read_timeout=10)


@pytest.fixture
def cli_tablet(live, make_user, tmp_path, monkeypatch):
    """A signed-in command-line tablet of a new inspector: a function running one command."""
    monkeypatch.setattr(cli, "Tablet", partial(Tablet, policy=QUICK))
    user, password = make_user("inspector", "310115")
    home = str(tmp_path / "cli")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli.main, ["--home", home, *args], catch_exceptions=False)

    signed_in = run("login", "--server", live.url, "--username", user.username,
                    "--password", password, "--device-id", "field-tablet")
    assert signed_in.exit_code == 0, signed_in.output
    run.user, run.password, run.home = user, password, Path(home)  # type: ignore[attr-defined]
    return run


def test_a_rejected_edit_names_the_fields_the_server_refused(cli_tablet):
    made = cli_tablet("new-inspection", "--enterprise", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f60",
                      "--inspector", str(cli_tablet.user.id), "--inspector", "nope")
    assert made.exit_code == 0
    pushed = cli_tablet("push")
    assert "rejected" in pushed.output and "inspector_ids" in pushed.output, pushed.output
    status = cli_tablet("status", "--json")
    [issue] = json.loads(status.output)["issues"]
    assert issue["status"] == "rejected" and "inspector_ids" in issue["problem"]


def test_a_rejection_learnt_from_a_replay_still_says_why(live, tablet_for):
    tablet = tablet_for(live)
    mutation = tablet.record("inspection", "create", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f61",
                             {"enterprise_id": "x", "inspector_ids": []})
    tablet.server.push(tablet.device_id, [mutation.wire()])  # the answer is lost on the way
    [outcome] = tablet.push()  # sent again: the server replays its first answer
    assert outcome.status == "rejected" and outcome.result["status"] == "duplicate"
    [issue] = tablet.status()["issues"]
    assert "enterprise_id" in issue["problem"] and "inspector_ids" in issue["problem"]
