"""Signing a tablet in with a password an administrator set: the engine says so
(PasswordChangeRequired), and `login` changes it in the same request (--new-password or a
prompt) and signs in with the new one, even when the answer to the change is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from offline_sync import PasswordChangeRequired, Refused, Tablet
from offline_sync.cli import main

from .conftest import TEST_POLICY, LiveServer
from .faults import FaultInjector

OWN_CHOICE = "my own passphrase 42"


@pytest.fixture
def temporary(client, login, make_user) -> tuple[object, str]:
    """An inspector whose password an administrator has just reset: (user, the password)."""
    user, _ = make_user("inspector", "310115")
    reset = client.post(f"/api/v1/users/{user.id}/password", headers=login("admin", "310115"),
                        json={})
    assert reset.status_code == 200, reset.get_json()
    return user, reset.get_json()["generated_password"]


def _cli(tmp_path) -> Callable[..., object]:
    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # noqa: A002 - click's name
        return runner.invoke(main, ["--home", str(tmp_path / "home"), *args], input=input)

    return run


def _sign_in(client, username: str, password: str) -> int:
    return client.post("/api/v1/auth/token", json={
        "username": username, "password": password, "device_id": "check"}).status_code


def test_the_engine_says_a_temporary_password_must_change_and_changes_it(live, temporary,
                                                                         tmp_path, client):
    user, password = temporary
    tablet = Tablet(tmp_path / "t", policy=TEST_POLICY)
    with pytest.raises(PasswordChangeRequired):
        tablet.login(live.url, user.username, password, "tablet-temp")
    assert tablet.user is None
    with pytest.raises(Refused) as short:
        tablet.login(live.url, user.username, password, "tablet-temp", new_password="short")
    assert short.value.status == 422 and "new_password" in str(short.value)
    body = tablet.login(live.url, user.username, password, "tablet-temp",
                        new_password=OWN_CHOICE)
    assert body["user"]["username"] == user.username and tablet.user["id"] == str(user.id)
    assert tablet.server.evidence_exists("0" * 64) is False  # the token works
    assert _sign_in(client, user.username, password) == 401
    assert _sign_in(client, user.username, OWN_CHOICE) == 201


def test_login_without_a_new_password_says_why_and_keeps_nothing(live, temporary, tmp_path):
    user, password = temporary
    run = _cli(tmp_path)
    refused = run("login", "--server", live.url, "--username", user.username, "--password",
                  password, "--device-id", "tablet-temp")
    assert refused.exit_code == 2  # missing input, as a refused one
    assert "set by an administrator" in refused.output and "--new-password" in refused.output
    assert "not signed in" in run("status").output


def test_login_with_a_new_password_changes_it_and_signs_in(live, temporary, tmp_path, client):
    user, password = temporary
    run = _cli(tmp_path)
    done = run("login", "--server", live.url, "--username", user.username, "--password",
               password, "--new-password", OWN_CHOICE, "--device-id", "tablet-temp")
    assert done.exit_code == 0, done.output
    assert "password changed" in done.output and f"signed in as {user.username}" in done.output
    assert OWN_CHOICE not in done.output
    assert run("pull").exit_code == 0
    assert _sign_in(client, user.username, OWN_CHOICE) == 201


def test_login_asks_for_the_new_password_twice_when_none_was_given(live, temporary, tmp_path,
                                                                   client):
    user, password = temporary
    run = _cli(tmp_path)
    done = run("login", "--server", live.url, "--username", user.username, "--password",
               password, "--device-id", "tablet-temp", input=f"{OWN_CHOICE}\n{OWN_CHOICE}\n")
    assert done.exit_code == 0, done.output
    assert "set by an administrator" in done.output and "password changed" in done.output
    assert _sign_in(client, user.username, OWN_CHOICE) == 201


class _LoseFirstChangeAnswer(FaultInjector):
    """The first change of a password commits, then its answer is lost on the way back."""

    def _choose(self, environ: dict) -> str | None:
        if environ.get("PATH_INFO") == "/api/v1/auth/password" and not self.counts:
            return "drop"
        return None


def test_a_lost_answer_to_the_change_signs_in_with_the_new_password(app, temporary, tmp_path,
                                                                    client):
    user, password = temporary
    faults = _LoseFirstChangeAnswer(paths=("/api/v1/auth/",))
    network = LiveServer(app, faults)
    network.start()
    try:
        tablet = Tablet(tmp_path / "t", policy=TEST_POLICY)
        body = tablet.login(network.url, user.username, password, "tablet-temp",
                            new_password=OWN_CHOICE)
    finally:
        network.stop()
    assert faults.counts["drop POST"] == 1
    assert body["user"]["username"] == user.username
    assert _sign_in(client, user.username, OWN_CHOICE) == 201


def test_login_without_a_password_and_nothing_to_read_it_from_says_how_to_give_it(
        live, make_user, tmp_path):
    user, _ = make_user("inspector", "310115")
    refused = _cli(tmp_path)("login", "--server", live.url, "--username", user.username)
    assert refused.exit_code == 2, refused.output
    assert "Aborted!" not in refused.output and "--password" in refused.output, refused.output
    assert "not signed in" in _cli(tmp_path)("status").output


def test_login_reads_a_password_piped_on_standard_input_without_showing_it(
        live, make_user, tmp_path):
    user, password = make_user("inspector", "310115")
    done = _cli(tmp_path)("login", "--server", live.url, "--username", user.username,
                          input=f"{password}\n")
    assert done.exit_code == 0, done.output
    assert f"signed in as {user.username}" in done.output and password not in done.output


@pytest.mark.parametrize("stdin", ["empty", "closed"])
def test_login_in_a_process_without_a_terminal_exits_2_saying_what_to_do(tmp_path, stdin):
    command = [sys.executable, "-m", "offline_sync", "--home", str(tmp_path / "home"), "login",
               "--server", "http://127.0.0.1:9", "--username", "inspector1"]
    done = subprocess.run(  # its own session: no controlling terminal to ask on
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        start_new_session=True, cwd=Path(__file__).resolve().parents[2],
        preexec_fn=(lambda: os.close(0)) if stdin == "closed" else None)
    assert done.returncode == 2, done.stderr
    assert "--password" in done.stderr and "Aborted!" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
