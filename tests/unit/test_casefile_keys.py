"""Case-file signing keys: the current one signs, retired ones still verify, by key id; the
secrets come from the environment and never show in a key's text."""

from __future__ import annotations

from pathlib import Path

from server.cases import casefile_keys
from server.config import load_config

OLD, NEW = "old-secret-" + "o" * 32, "new-secret-" + "n" * 32


def test_a_key_and_its_id_follow_from_its_secret_alone():
    assert casefile_keys.derive(OLD) == casefile_keys.derive(OLD)
    assert casefile_keys.derive(OLD).key_id != casefile_keys.derive(NEW).key_id
    assert len(casefile_keys.derive(OLD).key_id) == 16


def test_the_signing_key_defaults_to_one_derived_from_secret_key():
    config = {"SECRET_KEY": OLD, "CASEFILE_SIGNING_KEY": None}
    assert casefile_keys.current(config) == casefile_keys.derive(OLD)
    assert casefile_keys.current(config | {"CASEFILE_SIGNING_KEY": NEW}) == \
        casefile_keys.derive(NEW)


def test_every_retired_key_verifies_and_is_marked_retired_the_current_one_signs():
    config = {"SECRET_KEY": "s" * 40, "CASEFILE_SIGNING_KEY": NEW,
              "CASEFILE_RETIRED_KEYS": [OLD, NEW]}  # listing the current one retires nothing
    ring = casefile_keys.keyring(config)
    old, new = casefile_keys.derive(OLD).key_id, casefile_keys.derive(NEW).key_id
    assert sorted(ring) == sorted([old, new])
    assert (ring[old].retired, ring[new].retired) == (True, False)


def test_a_key_never_shows_its_secret():
    key = casefile_keys.derive(OLD)
    assert OLD not in repr(key) and key.value.hex() not in repr(key) and key.key_id in repr(key)


def test_the_keys_are_read_from_the_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("CASEFILE_SIGNING_KEY", NEW)
    monkeypatch.setenv("CASEFILE_RETIRED_KEYS", f" {OLD} ,,second-{OLD}\n")
    config = load_config(tmp_path)
    assert config["CASEFILE_SIGNING_KEY"] == NEW
    assert config["CASEFILE_RETIRED_KEYS"] == [OLD, f"second-{OLD}"]
    monkeypatch.delenv("CASEFILE_SIGNING_KEY")
    monkeypatch.delenv("CASEFILE_RETIRED_KEYS")
    config = load_config(tmp_path)
    assert (config["CASEFILE_SIGNING_KEY"], config["CASEFILE_RETIRED_KEYS"]) == (None, [])
