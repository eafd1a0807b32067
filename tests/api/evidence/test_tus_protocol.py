"""The tus 1.0 protocol at /api/v1/uploads/, request by request (Flask's test client)."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from .conftest import Tus, metadata, sha256

DATA = bytes(range(256)) * 400  # 102,400 bytes; the content is checked only at completion


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def test_options_advertises_version_extensions_checksums_and_max_size(client, app):
    response = client.options("/api/v1/uploads/")
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "expiration", "checksum", "termination"}
    assert set(response.headers["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}
    assert response.headers["Tus-Max-Size"] == str(50 * 1024 * 1024)
    app.config["TUS_MAX_SIZE"] = 1234
    assert client.options("/api/v1/uploads/").headers["Tus-Max-Size"] == "1234"


def test_creation_answers_201_with_location_expiry_and_offset_zero(tus):
    response = tus.create(len(DATA), sha256(DATA), filename="现场.jpg")
    assert response.status_code == 201
    assert response.headers["Location"].startswith("/api/v1/uploads/")
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Upload-Offset"] == "0"
    expires = parsedate_to_datetime(response.headers["Upload-Expires"])
    body = response.get_json()
    assert body["length"] == len(DATA) and body["offset"] == 0
    assert body["sha256"] == sha256(DATA)
    head = tus.head(response.headers["Location"])
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(DATA))
    assert head.headers["Cache-Control"] == "no-store"
    assert "filename" in head.headers["Upload-Metadata"]
    assert parsedate_to_datetime(head.headers["Upload-Expires"]) == expires


def test_a_wrong_or_missing_tus_version_is_412_with_the_supported_version(client, inspector):
    for sent in ({"Tus-Resumable": "0.2.2"}, {}):
        response = client.post("/api/v1/uploads/", headers={
            **inspector, **sent, "Upload-Length": "10",
            "Upload-Metadata": metadata(sha256="0" * 64)})
        assert response.status_code == 412
        assert response.headers["Tus-Version"] == "1.0.0"
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == 412


def test_uploads_need_a_token(client):
    response = client.post("/api/v1/uploads/", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": "10",
        "Upload-Metadata": metadata(sha256="0" * 64)})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(("headers", "status"), [
    ({"Upload-Metadata": metadata(sha256="0" * 64)}, 400),  # no Upload-Length
    ({"Upload-Length": "-5", "Upload-Metadata": metadata(sha256="0" * 64)}, 400),
    ({"Upload-Length": "0", "Upload-Metadata": metadata(sha256="0" * 64)}, 400),  # zero bytes
    ({"Upload-Length": str(50 * 1024 * 1024 + 1), "Upload-Metadata": metadata(sha256="0" * 64)},
     413),
    ({"Upload-Length": "10"}, 422),  # no sha256
    ({"Upload-Length": "10", "Upload-Metadata": metadata(sha256="xyz")}, 422),
    ({"Upload-Length": "10", "Upload-Metadata": metadata(sha256="0" * 64, kind="poem")}, 422),
    ({"Upload-Length": "10", "Upload-Metadata": "sha256 !!!notbase64"}, 400),
    ({"Upload-Length": "10", "Upload-Metadata": "sha256 a b"}, 400),
    ({"Upload-Length": "10",  # U+0000 in the file name: stored on SQLite, 500-ish on PostgreSQL
      "Upload-Metadata": metadata(sha256="0" * 64, filename="a\x00.jpg")}, 400),
    ({"Upload-Length": "10", "Upload-Metadata": metadata(sha256="0" * 64, filetype="\x00")}, 400),
])
def test_bad_creation_requests_are_refused_with_problems(client, inspector, headers, status):
    response = client.post("/api/v1/uploads/", headers={
        **inspector, "Tus-Resumable": "1.0.0", **headers})
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"


def test_chunks_advance_the_offset_and_the_last_one_makes_evidence(tus, client, inspector,
                                                                   photo):
    data = photo("DSCN0025.jpg")
    location = tus.create(len(data), sha256(data)).headers["Location"]
    first = tus.patch(location, 0, data[:50_000])
    assert first.status_code == 204
    assert first.headers["Upload-Offset"] == "50000"
    assert "Upload-Expires" in first.headers
    assert tus.head(location).headers["Upload-Offset"] == "50000"
    last = tus.patch(location, 50_000, data[50_000:])
    assert last.status_code == 204
    assert last.headers["Upload-Offset"] == str(len(data))
    assert last.headers["Evidence-Location"] == f"/api/v1/evidence/{sha256(data)}"
    assert "Content-Type" not in last.headers and last.data == b""
    evidence = client.get(last.headers["Evidence-Location"], headers=inspector)
    assert evidence.status_code == 200 and evidence.get_json()["size"] == len(data)


def test_a_half_finished_upload_is_not_evidence(tus, client, inspector, photo, app):
    data = photo("DSCN0042.jpg")
    location = tus.create(len(data), sha256(data)).headers["Location"]
    assert tus.patch(location, 0, data[:len(data) // 2]).status_code == 204
    assert client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).status_code == 404
    assert client.get(f"/api/v1/evidence/{sha256(data)}/original",
                      headers=inspector).status_code == 404
    from server.evidence import service

    with app.app_context():
        assert service.missing_evidence([sha256(data)]) == [sha256(data)]


def test_a_patch_at_the_wrong_offset_is_409_and_changes_nothing(tus):
    location = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    assert tus.patch(location, 0, DATA[:1000]).status_code == 204
    for offset in (0, 999, 1001, 5000):
        response = tus.patch(location, offset, DATA[offset:offset + 1000])
        assert response.status_code == 409
        assert response.get_json()["upload_offset"] == 1000
    assert tus.head(location).headers["Upload-Offset"] == "1000"


def test_patch_needs_an_offset_and_the_tus_content_type(tus):
    location = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    response = tus.client.patch(location, data=DATA[:10], headers={
        **tus.headers, "Content-Type": "application/offset+octet-stream"})
    assert response.status_code == 400
    response = tus.client.patch(location, data=DATA[:10], headers={
        **tus.headers, "Upload-Offset": "0", "Content-Type": "application/octet-stream"})
    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    assert tus.head(location).headers["Upload-Offset"] == "0"


def test_a_chunk_beyond_the_declared_length_is_413(tus):
    location = tus.create(100, sha256(DATA[:100])).headers["Location"]
    assert tus.patch(location, 0, DATA[:101]).status_code == 413
    assert tus.head(location).headers["Upload-Offset"] == "0"


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_checksums_are_verified_and_a_mismatching_chunk_is_discarded(tus, algorithm):
    location = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    chunk = DATA[:4096]
    good = _b64(hashlib.new(algorithm, chunk).digest())
    bad = _b64(hashlib.new(algorithm, chunk + b"x").digest())
    refused = tus.patch(location, 0, chunk, **{"Upload-Checksum": f"{algorithm} {bad}"})
    assert refused.status_code == 460
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["title"] == "Checksum Mismatch"
    assert tus.head(location).headers["Upload-Offset"] == "0"
    accepted = tus.patch(location, 0, chunk, **{"Upload-Checksum": f"{algorithm} {good}"})
    assert accepted.status_code == 204 and accepted.headers["Upload-Offset"] == "4096"


@pytest.mark.parametrize("header", ["md5 " + _b64(hashlib.md5(b"x").digest()), "sha1",
                                    "sha1 notbase64!", "sha256 " + _b64(b"short")])
def test_unsupported_or_malformed_checksums_are_400(tus, header):
    location = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    assert tus.patch(location, 0, DATA[:10], **{"Upload-Checksum": header}).status_code == 400


def test_creation_with_upload_takes_the_first_chunk_in_the_post(tus, client, inspector,
                                                                photo):
    data = photo("Canon_40D.jpg")
    response = tus.create(len(data), sha256(data), body=data[:3000])
    assert response.status_code == 201
    assert response.headers["Upload-Offset"] == "3000"
    location = response.headers["Location"]
    assert tus.patch(location, 3000, data[3000:]).status_code == 204
    whole = tus.create(len(data), sha256(data), body=data)
    assert whole.status_code == 201
    assert whole.headers["Upload-Offset"] == str(len(data))
    assert client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).status_code == 200


def test_termination_removes_the_upload_and_its_staged_bytes(tus, app):
    from server.evidence import settings

    location = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    tus.patch(location, 0, DATA[:100])
    upload_id = location.rsplit("/", 1)[1].replace("-", "")
    with app.app_context():
        assert upload_id in {staged for staged, _ in settings.current_store().staged()}
    deleted = tus.client.delete(location, headers=tus.headers)
    assert deleted.status_code == 204 and deleted.headers["Tus-Resumable"] == "1.0.0"
    with app.app_context():
        assert upload_id not in {staged for staged, _ in settings.current_store().staged()}
    assert tus.head(location).status_code == 404
    assert tus.patch(location, 100, DATA[100:200]).status_code == 404
    assert tus.client.delete(location, headers=tus.headers).status_code == 404


def test_x_http_method_override_turns_a_post_into_patch_or_delete(tus):
    location = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    response = tus.client.post(location, data=DATA[:10], headers={
        **tus.headers, "X-HTTP-Method-Override": "PATCH", "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream"})
    assert response.status_code == 204 and response.headers["Upload-Offset"] == "10"
    deleted = tus.client.post(location, headers={**tus.headers,
                                                 "X-HTTP-Method-Override": "DELETE"})
    assert deleted.status_code == 204
    assert tus.head(location).status_code == 404


def test_an_upload_is_bound_to_its_user_and_device(tus, client, login, make_user):
    location = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    colleague = Tus(client, login("inspector", "310115", device_id="tablet-1"))
    supervisor = Tus(client, login("supervisor", "310115"))
    for other in (colleague, supervisor):
        assert other.head(location).status_code == 404
        assert other.patch(location, 0, DATA[:10]).status_code == 404
        assert other.client.delete(location, headers=other.headers).status_code == 404
    assert tus.head(location).headers["Upload-Offset"] == "0"


def test_the_same_user_on_another_device_cannot_continue(client, make_user):
    user, password = make_user("inspector", "310115")

    def token(device: str) -> dict[str, str]:
        body = client.post("/api/v1/auth/token", json={
            "username": user.username, "password": password, "device_id": device}).get_json()
        return {"Authorization": f"Bearer {body['access_token']}"}

    tablet, phone = Tus(client, token("tablet-A")), Tus(client, token("phone-B"))
    location = tablet.create(len(DATA), sha256(DATA)).headers["Location"]
    assert phone.head(location).status_code == 404
    assert tablet.head(location).status_code == 200


def test_admins_may_not_upload_evidence(client, login):
    admin = Tus(client, login("admin", "310115"))
    assert admin.create(len(DATA), sha256(DATA)).status_code == 403


def test_an_expired_upload_is_gone(tus, app, monkeypatch):
    location = tus.create(len(DATA), sha256(DATA)).headers["Location"]
    tus.patch(location, 0, DATA[:100])
    from server.evidence import uploads

    real = uploads.utcnow
    monkeypatch.setattr(uploads, "utcnow", lambda: real() + timedelta(hours=73))
    assert tus.head(location).status_code == 410
    response = tus.patch(location, 100, DATA[100:200])
    assert response.status_code == 410
    assert response.content_type == "application/problem+json"


def test_a_wrong_declared_hash_is_refused_and_nothing_becomes_evidence(tus, client, inspector,
                                                                       photo, app):
    data = photo("Nikon_D70.jpg")
    response = tus.upload(data, sha="ab" * 32)
    assert response.status_code == 422
    assert "sha256" in response.get_json()["errors"]
    assert client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).status_code == 404
    assert client.get(f"/api/v1/evidence/{'ab' * 32}", headers=inspector).status_code == 404
    from server.evidence.settings import current_store

    with app.app_context():
        store = current_store()
        assert not store.exists(sha256(data)) and not store.exists("ab" * 32)
        assert list(store.staged()) == []


def test_a_refused_upload_is_gone_afterwards(tus, photo):
    data = photo("Nikon_D70.jpg")
    location = tus.create(len(data), "cd" * 32).headers["Location"]
    assert tus.patch(location, 0, data).status_code == 422
    assert tus.head(location).status_code == 410


def test_a_chunk_still_arriving_when_its_tablet_is_revoked_makes_no_evidence(
        tus, client, inspector, photo, app):
    import io

    from server.auth import service as auth

    data = photo("DSCN0025.jpg")
    location = tus.create(len(data), sha256(data)).headers["Location"]

    class RevokedMidway(io.BytesIO):
        """The lost tablet's body: the device is revoked while its bytes arrive."""

        revoked = False

        def _revoke(self) -> None:
            if not self.revoked:
                self.revoked = True
                with app.app_context():
                    user = auth.actor_for_token(inspector["Authorization"].split()[1])
                    auth.revoke_device(user, "tablet-1")

        def read(self, size: int | None = -1) -> bytes:
            self._revoke()
            return super().read(size)

        def readinto(self, buffer) -> int:
            self._revoke()
            return super().readinto(buffer)

    response = client.patch(location, input_stream=RevokedMidway(data), headers={
        **tus.headers, "Upload-Offset": "0", "Content-Length": str(len(data)),
        "Content-Type": "application/offset+octet-stream"})
    assert response.status_code == 401, response.data
    with app.app_context():
        from server.evidence import service

        assert service.missing_evidence([sha256(data)]) == [sha256(data)]


def test_a_user_holds_a_bounded_number_of_unfinished_uploads(app, tus, client, inspector):
    app.config["TUS_MAX_OPEN_UPLOADS"] = 2
    assert [tus.create(10, f"{n:064x}").status_code for n in range(2)] == [201, 201]
    refused = tus.create(10, "f" * 64)
    assert refused.status_code == 429 and refused.content_type == "application/problem+json"
    assert "2 unfinished uploads" in refused.get_json()["detail"]
    assert int(refused.headers["Retry-After"]) > 0
