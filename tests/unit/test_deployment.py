"""Production refuses a weak or per-host SECRET_KEY and SQLite on a path hosts share."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.deployment import UnsafeDeployment, check, check_workers, filesystem_of

MOUNTS = """/dev/sda1 / ext4 rw,relatime 0 0
nas:/export/enforcement /srv/shared nfs4 rw,vers=4.2 0 0
//files/ops /mnt/smb\\040share cifs rw 0 0
tmpfs /srv/shared/tmp tmpfs rw 0 0
"""
GOOD_KEY = "q3N8v7Xb1LkP0sZr5TgYw2HmC9dJfE4uA6iO"


def _config(**extra):
    return {"APP_ENV": "production", "SECRET_KEY": GOOD_KEY, "SECRET_KEY_GENERATED": False,
            "SQLALCHEMY_DATABASE_URI": "sqlite:////var/lib/enforcement/enforcement.db",
            "APP_HOSTS": 1} | extra


def test_the_longest_mount_point_decides_the_filesystem():
    assert filesystem_of(Path("/srv/shared/db/x.db"), MOUNTS) == "nfs4"
    assert filesystem_of(Path("/srv/shared/tmp/x.db"), MOUNTS) == "tmpfs"
    assert filesystem_of(Path("/srv/sharedness/x.db"), MOUNTS) == "ext4"
    assert filesystem_of(Path("/mnt/smb share/x.db"), MOUNTS) == "cifs"


def test_a_sound_production_configuration_starts():
    check(_config(), MOUNTS)
    check(_config(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db/x", APP_HOSTS=4,
                  RATELIMIT_STORAGE_URI="redis://cache:6379"), MOUNTS)


def test_development_is_not_checked():
    check(_config(APP_ENV="development", SECRET_KEY="dev", APP_HOSTS=3), MOUNTS)


@pytest.mark.parametrize("config, reason", [
    ({"SECRET_KEY_GENERATED": True}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": "changeme"}, "too weak"),
    ({"SECRET_KEY": "a" * 64}, "too weak"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/shared/db/enforcement.db"}, "nfs4"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////mnt/smb share/e.db"}, "cifs"),
    ({"APP_HOSTS": 2}, "APP_HOSTS=2"),
    ({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x", "APP_HOSTS": 3},
     "RATELIMIT_STORAGE_URI is memory:// with 3 host"),
    ({"CASEFILE_SIGNING_KEY": "changeme"}, "CASEFILE_SIGNING_KEY is too weak"),
    ({"AUDIT_SEAL_KEY": "changeme"}, "AUDIT_SEAL_KEY is too weak"),
    ({"AUDIT_SEAL_RETIRED_KEYS": ["dev"]}, "AUDIT_SEAL_RETIRED_KEYS entry 1 is too weak"),
    ({"AUDIT_SEAL_RETIRED_KEYS": [GOOD_KEY]}, "AUDIT_SEAL_RETIRED_KEYS lists the current"),
    ({"AUDIT_SEAL_KEY": GOOD_KEY[::-1], "AUDIT_SEAL_RETIRED_KEYS": [GOOD_KEY[::-1]]},
     "AUDIT_SEAL_RETIRED_KEYS lists the current"),
    ({"CASEFILE_RETIRED_KEYS": [GOOD_KEY[::-1], "dev"]},
     "CASEFILE_RETIRED_KEYS entry 2 is too weak"),
    ({"CASEFILE_RETIRED_KEYS": [GOOD_KEY]}, "CASEFILE_RETIRED_KEYS lists the current"),
    ({"CASEFILE_SIGNING_KEY": GOOD_KEY[::-1], "CASEFILE_RETIRED_KEYS": [GOOD_KEY[::-1]]},
     "CASEFILE_RETIRED_KEYS lists the current"),
])
def test_production_refuses_to_start(config, reason):
    with pytest.raises(UnsafeDeployment, match=reason):
        check(_config(**config), MOUNTS)


def test_production_workers_refuse_to_count_sign_ins_each_in_its_own_memory():
    with pytest.raises(UnsafeDeployment, match="1 host\\(s\\) x 4 worker"):
        check_workers(_config(), 4)
    check_workers(_config(), 1)
    check_workers(_config(RATELIMIT_STORAGE_URI="redis://cache:6379/0"), 4)
    check_workers(_config(APP_ENV="development"), 4)


def test_a_sound_key_rotation_starts_and_a_refusal_never_shows_a_secret():
    rotated = _config(CASEFILE_SIGNING_KEY=GOOD_KEY[::-1], CASEFILE_RETIRED_KEYS=[GOOD_KEY])
    check(rotated, MOUNTS)  # the old SECRET_KEY-derived key retired, a new one signs
    check(rotated | {"AUDIT_SEAL_KEY": GOOD_KEY + "2", "AUDIT_SEAL_RETIRED_KEYS": [GOOD_KEY]},
          MOUNTS)
    weak = "weak-but-secret"
    with pytest.raises(UnsafeDeployment) as refused:
        check(rotated | {"CASEFILE_RETIRED_KEYS": [GOOD_KEY, weak],
                         "CASEFILE_SIGNING_KEY": GOOD_KEY}, MOUNTS)
    assert "entry 2 is too weak" in str(refused.value) and "lists the current" in str(
        refused.value)
    assert weak not in str(refused.value) and GOOD_KEY not in str(refused.value)


def _gunicorn_setting(name: str, **env: str) -> str:
    """A setting as gunicorn reads gunicorn.conf.py (--print-config), under `env`."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", "gunicorn.conf.py",
         "wsgi:app"], cwd=root, capture_output=True, text=True, timeout=60, check=True,
        env={k: v for k, v in os.environ.items() if k != "GUNICORN_CONTROL_SOCKET"} | env).stdout
    return next(line.split("=", 1)[1].strip() for line in printed.splitlines()
                if line.split("=", 1)[0].strip() == name)


def test_two_servers_on_one_machine_share_no_gunicorn_control_socket(tmp_path):
    assert _gunicorn_setting("control_socket_disable") == "True"
    own = str(tmp_path / "enforcement.ctl")
    assert _gunicorn_setting("control_socket", GUNICORN_CONTROL_SOCKET=own) == own
    assert _gunicorn_setting("control_socket_disable", GUNICORN_CONTROL_SOCKET=own) == "False"
