"""One contract, two backends: the local-disk store and the S3 store (moto) behave alike."""

from __future__ import annotations

import hashlib
import io
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from server.evidence.storage import Part, StagingLost, store_from_url

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
        store.new_part("../x")
    with pytest.raises(ValueError):
        store.drop_part(_id(), "../../x")


def _part(store, upload: str, data: bytes) -> Part:
    writer = store.new_part(upload)
    for start in range(0, len(data), 3000):
        writer.write(data[start:start + 3000])
    return writer.finish()


def test_parts_describe_their_bytes_and_assemble_in_order(store):
    upload = _id()
    first, second = _part(store, upload, DATA[:7000]), _part(store, upload, DATA[7000:])
    assert (first.size, first.sha256) == (7000, sha256(DATA[:7000]))
    whole = store.assemble(upload, [first, second])
    assert (whole.size, whole.sha256) == (len(DATA), sha256(DATA))
    with store.open_part(upload, whole) as assembled:
        assert assembled.read() == DATA
    assert store.assemble(upload, [first]) == first  # one part is used as it is
    assert upload in dict(store.staged())


def test_a_dropped_or_aborted_part_does_not_count(store):
    upload = _id()
    kept, dropped = _part(store, upload, b"kept"), _part(store, upload, b"dropped")
    store.drop_part(upload, dropped.key)
    with pytest.raises(StagingLost):
        store.assemble(upload, [kept, dropped])
    with pytest.raises(StagingLost):
        store.open_part(upload, dropped)
    aborted = store.new_part(upload)
    aborted.write(b"never finished")
    aborted.abort()
    assert store.assemble(upload, [kept]) == kept


def test_install_is_write_once_and_clears_the_staging_area(store):
    upload = _id()
    whole = store.assemble(upload, [_part(store, upload, DATA[:100]),
                                    _part(store, upload, DATA[100:])])
    assert store.install(upload, whole) is True
    assert store.exists(sha256(DATA)) and upload not in dict(store.staged())
    with store.open(sha256(DATA)) as stored:
        assert stored.read() == DATA
    again = _id()
    assert store.install(again, _part(store, again, DATA)) is False  # already there
    assert again not in dict(store.staged())
    with store.open(sha256(DATA)) as stored:
        assert stored.read() == DATA


def test_discard_is_idempotent(store):
    upload = _id()
    _part(store, upload, DATA)
    store.discard(upload)
    store.discard(upload)
    assert upload not in dict(store.staged())


def test_no_original_can_be_deleted_through_the_store(store):
    assert not hasattr(store, "delete")  # evidence is write-once: only case-file copies go


def test_case_file_copies_have_an_area_of_their_own_that_can_be_listed_and_pruned(store):
    before = datetime.now(UTC) - timedelta(seconds=5)
    copy = store.put_copy(io.BytesIO(b"a case file"))
    assert copy == sha256(b"a case file")
    with store.open_copy(copy) as stored:
        assert stored.read() == b"a case file"
    assert not store.exists(copy)  # not an original
    with pytest.raises(FileNotFoundError):
        store.open(copy)
    listed = dict(store.copies())
    assert list(listed) == [copy] and listed[copy] >= before
    store.delete_copy(copy)
    store.delete_copy(copy)  # nothing there: no error
    assert dict(store.copies()) == {}
    with pytest.raises(FileNotFoundError):
        store.open_copy(copy)
    with pytest.raises(ValueError):
        store.delete_copy("../../etc/passwd")


def test_deleting_a_copy_never_touches_an_original_of_the_same_bytes(store):
    original = store.put(io.BytesIO(DATA))
    assert store.put_copy(io.BytesIO(DATA)) == original
    store.delete_copy(original)
    with store.open(original) as stored:
        assert stored.read() == DATA
    assert dict(store.copies()) == {}


def test_a_copy_stored_again_counts_as_stored_now(store):
    copy = store.put_copy(io.BytesIO(b"the same case file"))
    first = dict(store.copies())[copy]
    time.sleep(1.1)
    store.put_copy(io.BytesIO(b"the same case file"))
    assert dict(store.copies())[copy] > first


def test_a_copy_stored_before_copies_had_their_own_area_is_still_found(store):
    legacy = store.put(io.BytesIO(b"an archived case file of old"))  # among the originals
    with store.open_copy(legacy) as stored:
        assert stored.read() == b"an archived case file of old"
    assert dict(store.copies()) == {}  # never listed, so never pruned


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


def test_a_large_file_is_stored_without_being_held_in_memory(store, tmp_path):
    # An archived case file can hold hundreds of photos. The local S3 server of the tests
    # runs in this process and itself holds about two copies (the parts, then the object);
    # a store that buffered the whole file on top would need more than three.
    import os
    import tracemalloc

    size = 32 * 1024 * 1024
    path = tmp_path / "casefile.zip"
    with path.open("wb") as out:
        for _ in range(size // (1024 * 1024)):
            out.write(os.urandom(1024 * 1024))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    tracemalloc.start()
    try:
        with path.open("rb") as source:
            assert store.put(source) == digest
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * size, f"{peak // 2**20} MB for a {size // 2**20} MB file"
    with store.open(digest) as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == digest
