"""One contract, two backends: the local-disk store and the S3 store (moto) behave alike."""

from __future__ import annotations

import io
import uuid

import pytest

from server.evidence.storage import StagingLost, store_from_url

from .conftest import sha256

DATA = b"evidence bytes " * 1000


@pytest.fixture
def store(app, store_url):
    with app.app_context():
        yield store_from_url(store_url)


def _id() -> str:
    return uuid.uuid4().hex


def test_originals_are_addressed_by_their_sha256(store):
    assert not store.exists(sha256(DATA))
    assert store.put(io.BytesIO(DATA)) == sha256(DATA)
    assert store.exists(sha256(DATA))
    with store.open(sha256(DATA)) as stored:
        assert stored.read() == DATA
    with pytest.raises(FileNotFoundError):
        store.open(sha256(b"nothing"))


def test_malformed_addresses_never_reach_a_path_or_key(store):
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(ValueError):
            store.exists(bad)
    with pytest.raises(ValueError):
        store.stage("../x", 0, io.BytesIO(b""))


def test_staged_chunks_add_up_and_a_rewrite_at_an_offset_drops_the_tail(store):
    upload = _id()
    assert store.stage(upload, 0, io.BytesIO(DATA[:4000])) == 4000
    assert store.stage(upload, 4000, io.BytesIO(DATA[4000:9000])) == 5000
    store.stage(upload, 4000, io.BytesIO(DATA[4000:6000]))  # a retried, shorter chunk
    with store.open_staged(upload) as staged:
        assert staged.read() == DATA[:6000]
    assert upload in dict(store.staged())


def test_staging_beyond_what_is_staged_is_refused(store):
    upload = _id()
    with pytest.raises(StagingLost):
        store.stage(upload, 100, io.BytesIO(b"late"))
    store.stage(upload, 0, io.BytesIO(b"x" * 50))
    with pytest.raises(StagingLost):
        store.stage(upload, 100, io.BytesIO(b"late"))


def test_promotion_checks_the_digest_and_moves_the_bytes_once(store):
    upload = _id()
    store.stage(upload, 0, io.BytesIO(DATA[:7000]))
    store.stage(upload, 7000, io.BytesIO(DATA[7000:]))
    wrong = store.promote(upload, sha256(b"other"))
    assert (wrong.sha256, wrong.size, wrong.stored) == (sha256(DATA), len(DATA), False)
    assert not store.exists(sha256(DATA)) and upload in dict(store.staged())
    right = store.promote(upload, sha256(DATA))
    assert right.stored and store.exists(sha256(DATA))
    assert upload not in dict(store.staged())
    with store.open(sha256(DATA)) as stored:
        assert stored.read() == DATA
    second = _id()
    store.stage(second, 0, io.BytesIO(DATA))
    assert store.promote(second, sha256(DATA)).stored is False  # already there: write-once
    assert second not in dict(store.staged())


def test_discard_is_idempotent(store):
    upload = _id()
    store.stage(upload, 0, io.BytesIO(DATA))
    store.discard(upload)
    store.discard(upload)
    assert upload not in dict(store.staged())


def test_derived_files_are_kept_beside_the_original(store):
    digest = store.put(io.BytesIO(DATA))
    assert store.open_derived(digest, "thumbnail") is None
    store.put_derived(digest, "thumbnail", b"jpeg bytes")
    store.put_derived(digest, "thumbnail", b"jpeg bytes, remade")
    with store.open_derived(digest, "thumbnail") as derived:
        assert derived.read() == b"jpeg bytes, remade"
    with pytest.raises(ValueError):
        store.put_derived(digest, "watermark", b"")


def test_the_store_reports_itself_writable(store):
    store.check_writable()


def test_health_is_ok_on_the_configured_store(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["evidence_store"] == "ok"


def test_health_is_503_when_the_store_is_unreachable(app, client, store_url, tmp_path):
    if store_url.startswith("s3://"):
        app.config["EVIDENCE_STORE"] = "s3://no-such-bucket/x"
    else:
        (tmp_path / "blocked").write_text("a file where a directory should be")
        app.config["EVIDENCE_STORE"] = f"file://{tmp_path / 'blocked'}/evidence"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"evidence_store": "not writable"}
