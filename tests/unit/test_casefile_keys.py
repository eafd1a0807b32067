"""Case-file signing keys: an Ed25519 key follows from its secret alone (HKDF-SHA256), its id is
a fingerprint of the public key; the current one signs, retired ones still verify, by key id;
the casefile/v1 HMAC keys of the same secrets still verify old files; the secrets come from
the environment and never show in a key's text."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.cases import casefile, casefile_keys
from server.config import load_config

OLD, NEW = "old-secret-" + "o" * 32, "new-secret-" + "n" * 32


def test_an_ed25519_key_and_its_id_follow_from_its_secret_alone():
    key = casefile_keys.derive(OLD)
    assert key == casefile_keys.derive(OLD) and key.algorithm == "Ed25519"
    assert key.key_id != casefile_keys.derive(NEW).key_id
    seed = HKDF(SHA256(), 32, salt=None, info=casefile_keys.ED25519_INFO).derive(OLD.encode())
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    assert key.seed == seed and key.verifier.key == public.public_bytes_raw()
    assert casefile_keys.ED25519_INFO != casefile_keys.HMAC_CONTEXT


def test_the_key_id_is_the_fingerprint_of_the_public_key_a_verifier_can_recompute():
    key = casefile_keys.derive(OLD)
    pem = key.public_pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n") and "PRIVATE" not in pem
    der = serialization.load_pem_public_key(pem.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key.key_id == hashlib.sha256(der).hexdigest()[:32]
    assert casefile_keys.from_pem(pem.encode()) == casefile_keys.Key(
        key.key_id, "Ed25519", key.verifier)


def test_a_pem_that_is_not_an_ed25519_public_key_is_refused():
    private = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    for pem in (b"not a key", private, b"-----BEGIN PUBLIC KEY-----\nAAAA\n"
                b"-----END PUBLIC KEY-----\n"):
        with pytest.raises(ValueError):
            casefile_keys.from_pem(pem)


def test_the_casefile_v1_hmac_key_of_a_secret_is_the_one_earlier_versions_signed_with():
    value = hmac.new(OLD.encode(), b"casefile-manifest-v1", hashlib.sha256).digest()
    v1 = casefile_keys.derive_v1(OLD)
    assert (v1.key_id, v1.algorithm) == (hashlib.sha256(value).hexdigest()[:16], "HMAC-SHA256")
    assert v1.verifier == casefile.Verifier("HMAC-SHA256", value)


def test_the_signing_key_defaults_to_one_derived_from_secret_key():
    config = {"SECRET_KEY": OLD, "CASEFILE_SIGNING_KEY": None}
    assert casefile_keys.current(config) == casefile_keys.derive(OLD)
    assert casefile_keys.current(config | {"CASEFILE_SIGNING_KEY": NEW}) == \
        casefile_keys.derive(NEW)


def test_every_retired_key_verifies_and_is_marked_retired_the_current_one_signs():
    config = {"SECRET_KEY": "s" * 40, "CASEFILE_SIGNING_KEY": NEW,
              "CASEFILE_RETIRED_KEYS": [OLD, NEW]}  # listing the current one retires nothing
    old, new = casefile_keys.derive(OLD).key_id, casefile_keys.derive(NEW).key_id
    assert [(k.key_id, k.retired) for k in casefile_keys.published(config)] == [
        (new, False), (old, True)]
    ring = casefile_keys.keyring(config)
    v1_old, v1_new = casefile_keys.derive_v1(OLD).key_id, casefile_keys.derive_v1(NEW).key_id
    assert sorted(ring) == sorted([old, new, v1_old, v1_new])
    assert (ring[old].retired, ring[new].retired) == (True, False)
    assert (ring[v1_old].retired, ring[v1_new].retired) == (True, False)
    assert casefile_keys.verifiers(ring)[new] == ring[new].verifier


def test_a_key_never_shows_its_secret():
    for key in (casefile_keys.derive(OLD), casefile_keys.derive_v1(OLD)):
        shown = repr(key)
        assert OLD not in shown and key.key_id in shown
        for secret in (key.seed, key.verifier.key if key.algorithm != "Ed25519" else b""):
            if secret:
                assert secret.hex() not in shown
                assert base64.b64encode(secret).decode() not in shown


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


ID_OLD, ID_NEW = casefile_keys.derive(OLD).key_id, casefile_keys.derive(NEW).key_id


def test_key_dates_say_since_when_a_key_signed_and_since_when_it_is_retired():
    dates = casefile_keys.parse_key_dates(
        f" {ID_OLD}=2024-03-01/2026-11-28T10:00:00+08:00 ,{ID_NEW}=2026-11-28T10:00+08:00/,")
    assert dates == {
        ID_OLD: casefile_keys.KeyDates("2024-03-01", "2026-11-28T02:00:00+00:00"),
        ID_NEW: casefile_keys.KeyDates("2026-11-28T02:00:00+00:00", None)}
    assert casefile_keys.parse_key_dates(f"{ID_OLD}=/2026-11-28") == {
        ID_OLD: casefile_keys.KeyDates(None, "2026-11-28")}
    assert casefile_keys.parse_key_dates("") == casefile_keys.parse_key_dates(None) == {}


@pytest.mark.parametrize("value, why", [
    ("2024-03-01/2026-11-28", "KEY_ID=SINCE/RETIRED"),
    (f"{ID_OLD}=2024-03-01", "KEY_ID=SINCE/RETIRED"),
    ("not-a-key-id=2024-03-01/", "key id"),
    (f"{ID_OLD}=yesterday/", "ISO 8601"),
    (f"{ID_OLD}=2024-03-01T10:00/", "offset"),
    (f"{ID_OLD}=2026-11-28/2024-03-01", "before"),
    (f"{ID_OLD}=/,{ID_OLD}=2024-03-01/", "twice"),
])
def test_key_dates_that_cannot_be_read_are_refused_saying_why(value, why):
    with pytest.raises(ValueError, match=why):
        casefile_keys.parse_key_dates(value)


def test_a_published_key_shows_its_dates_and_null_where_none_are_known():
    config = {"SECRET_KEY": "s" * 40, "CASEFILE_SIGNING_KEY": NEW, "CASEFILE_RETIRED_KEYS": [OLD],
              "CASEFILE_KEY_DATES": casefile_keys.parse_key_dates(
                  f"{ID_OLD}=2024-03-01/2026-11-28,{ID_NEW}=2026-11-28/2027-01-01")}
    shown = [casefile_keys.describe(key, casefile_keys.key_dates(config))
             for key in casefile_keys.published(config)]
    # the current key signs: a retirement date given for it is not shown
    assert [(k["status"], k["signing_since"], k["retired_at"]) for k in shown] == [
        ("current", "2026-11-28", None), ("retired", "2024-03-01", "2026-11-28")]
    bare = casefile_keys.describe(casefile_keys.derive(OLD, retired=True))
    assert (bare["signing_since"], bare["retired_at"]) == (None, None)


def test_key_dates_are_read_from_the_environment_and_a_bad_value_stops_the_start(
        monkeypatch, tmp_path: Path):
    monkeypatch.setenv("CASEFILE_KEY_DATES", f"{ID_OLD}=2024-03-01/2026-11-28")
    assert load_config(tmp_path)["CASEFILE_KEY_DATES"] == {
        ID_OLD: casefile_keys.KeyDates("2024-03-01", "2026-11-28")}
    monkeypatch.setenv("CASEFILE_KEY_DATES", f"{ID_OLD}=28.11.2026/")
    with pytest.raises(ValueError, match="CASEFILE_KEY_DATES"):
        load_config(tmp_path)
    monkeypatch.delenv("CASEFILE_KEY_DATES")
    assert load_config(tmp_path)["CASEFILE_KEY_DATES"] == {}
