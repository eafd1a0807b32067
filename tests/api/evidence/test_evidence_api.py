"""Evidence records: metadata, scope, originals with chain of custody, derived images, and the
files that must not (or may) become evidence."""

from __future__ import annotations

import base64
import io
import uuid
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from tests.api.described import assert_described

from .conftest import Tus, sha256


def _jpeg(size: tuple[int, int], colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(out, "JPEG", quality=80)
    image = Image.open(out)
    tinted = Image.blend(image.convert("RGB"), Image.new("RGB", size, colour), 0.3)
    out = io.BytesIO()
    tinted.save(out, "JPEG", quality=80)
    return out.getvalue()


def _audit(app, action: str) -> list:
    from server.audit.models import AuditEntry
    from server.extensions import db

    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.seq)).all()


def test_metadata_names_uploader_device_time_and_place(tus, client, inspector, photo, app):
    data = photo("DERIVED_gps_sh_huangpu_center.jpg")
    tus.upload(data, filename="黄浦现场.jpg")
    me = client.get("/api/v1/auth/me", headers=inspector).get_json()
    evidence = client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).get_json()
    assert evidence["sha256"] == sha256(data)
    assert evidence["uploaded_by"] == me["id"] and evidence["device_id"] == "tablet-1"
    assert evidence["kind"] == "photo" and evidence["mime"] == "image/jpeg"
    assert evidence["filename"] == "黄浦现场.jpg"
    assert evidence["gps"] == pytest.approx({"lat": 31.22475, "lon": 121.485836, "alt": None})
    assert evidence["captured_at"] == "2024-05-20T02:15:30+00:00"
    created = _audit(app, "evidence.create")
    assert [e.entity_id for e in created] == [sha256(data)]
    assert created[0].actor_name == me["username"] and created[0].device_id == "tablet-1"


def test_scope_is_the_uploaders_district_and_city_wide_staff(tus, client, login, photo):
    data = photo("DSCN0010.jpg")
    tus.upload(data)
    path = f"/api/v1/evidence/{sha256(data)}"
    for role, district, status in (("supervisor", "310115", 200), ("legal", "310000", 200),
                                   ("admin", "310000", 200), ("inspector", "310101", 404),
                                   ("supervisor", "310101", 404)):
        headers = login(role, district)
        assert client.get(path, headers=headers).status_code == status, (role, district)
        assert client.get(f"{path}/thumbnail", headers=headers).status_code == status


def test_the_original_streams_untouched_and_every_view_is_audited(tus, client, inspector,
                                                                  login, photo, app, runner):
    data = photo("nikon_d70s_87_OSError.jpg")
    tus.upload(data, filename="87 OSError.jpg")
    legal = login("legal", "310000")
    for headers in (inspector, legal):
        response = client.get(f"/api/v1/evidence/{sha256(data)}/original", headers=headers)
        assert response.status_code == 200 and response.data == data
        assert response.mimetype == "image/jpeg"
        assert response.headers["Content-Length"] == str(len(data))
        assert response.headers["ETag"] == f'"{sha256(data)}"'
        digest = base64.b64encode(bytes.fromhex(sha256(data))).decode()
        assert response.headers["Repr-Digest"] == f"sha-256=:{digest}:"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=\"87 OSError.jpg\"; filename*=UTF-8''87%20OSError.jpg")
    views = _audit(app, "evidence.view_original")
    assert [v.entity_id for v in views] == [sha256(data)] * 2
    assert views[1].actor_name.startswith("legal")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_admins_see_metadata_but_not_originals(tus, client, login, photo, app):
    data = photo("DSCN0010.jpg")
    tus.upload(data)
    admin = login("admin", "310115")
    assert client.get(f"/api/v1/evidence/{sha256(data)}", headers=admin).status_code == 200
    assert client.get(f"/api/v1/evidence/{sha256(data)}/original",
                      headers=admin).status_code == 403
    assert _audit(app, "evidence.view_original") == []


@pytest.mark.parametrize("path", ["/api/v1/evidence/zz", "/api/v1/evidence/" + "A" * 64,
                                  "/api/v1/evidence/" + "0" * 64 + "/original",
                                  "/api/v1/evidence/" + "0" * 64 + "/preview"])
def test_unknown_or_malformed_digests_are_404(client, inspector, path):
    response = client.get(path, headers=inspector)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_thumbnail_is_320_and_preview_1280_made_once_and_kept(tus, client, inspector, app):
    data = _jpeg((3000, 2000))
    tus.upload(data, chunk=256 * 1024)
    sizes = {}
    for variant in ("thumbnail", "preview"):
        first = client.get(f"/api/v1/evidence/{sha256(data)}/{variant}", headers=inspector)
        assert first.status_code == 200 and first.mimetype == "image/jpeg"
        sizes[variant] = Image.open(io.BytesIO(first.data)).size
        again = client.get(f"/api/v1/evidence/{sha256(data)}/{variant}", headers=inspector)
        assert again.data == first.data
    assert sizes == {"thumbnail": (320, 213), "preview": (1280, 853)}
    from server.evidence.settings import current_store

    with app.app_context():
        store = current_store()
        for variant in ("thumbnail", "preview"):
            with store.open_derived(sha256(data), variant) as kept:
                assert Image.open(kept).size == sizes[variant]


def test_a_truncated_photo_is_kept_flagged_undecodable_without_thumbnail(tus, client,
                                                                         inspector, photo):
    data = photo("DERIVED_DSCN0010_truncated_60000B.jpg")
    assert tus.upload(data).status_code == 204
    evidence = client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).get_json()
    assert "undecodable" in evidence["flags"] and evidence["thumbnail"] is False
    assert evidence["gps"] is not None  # EXIF comes before the missing pixels
    for variant in ("thumbnail", "preview"):
        response = client.get(f"/api/v1/evidence/{sha256(data)}/{variant}", headers=inspector)
        assert response.status_code == 404
        assert "cannot be decoded" in response.get_json()["detail"]
    original = client.get(f"/api/v1/evidence/{sha256(data)}/original", headers=inspector)
    assert original.data == data


def test_an_image_pillow_cannot_open_at_all_is_kept_as_undecodable(tus, client, inspector):
    data = b"\xff\xd8\xff\xe0" + b"\x00" * 200  # a JPEG signature and nothing sensible
    assert tus.upload(data).status_code == 204
    evidence = client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).get_json()
    assert evidence["flags"] == ["undecodable"] and evidence["mime"] == "image/jpeg"


def test_a_file_that_is_no_image_is_refused_with_415_and_not_kept(tus, client, inspector,
                                                                  app):
    data = b"MZ\x90\x00 this is a program, not a photo" * 20
    response = tus.upload(data, filename="photo.jpg")
    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    assert client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).status_code == 404
    from server.evidence.settings import current_store

    with app.app_context():
        assert not current_store().exists(sha256(data))


MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8


def test_a_declared_audio_note_is_kept_without_decoding(tus, client, inspector):
    assert tus.upload(MP3, kind="audio", filetype="audio/mpeg",
                      filename="询问.mp3").status_code == 204
    evidence = client.get(f"/api/v1/evidence/{sha256(MP3)}", headers=inspector).get_json()
    assert (evidence["kind"], evidence["mime"]) == ("audio", "audio/mpeg")
    assert evidence["flags"] == [] and evidence["thumbnail"] is False
    assert client.get(f"/api/v1/evidence/{sha256(MP3)}/thumbnail",
                      headers=inspector).status_code == 404
    assert client.get(f"/api/v1/evidence/{sha256(MP3)}/original",
                      headers=inspector).data == MP3


@pytest.mark.parametrize(("data", "meta"), [
    (MP3, {"kind": "audio", "filetype": "application/zip"}),  # not on the allow-list
    (MP3, {"kind": "audio"}),  # type not declared
    (b"\x00\x01 not an mp3 at all" * 30, {"kind": "audio", "filetype": "audio/mpeg"}),
    (MP3, {"kind": "photo", "filetype": "audio/mpeg"}),  # a photo must be an image
])
def test_media_that_is_not_allowed_or_not_what_it_claims_is_415(tus, data, meta):
    assert tus.upload(data, **meta).status_code == 415


def test_the_media_allow_list_is_configuration(tus, app):
    app.config["EVIDENCE_UNDECODED_TYPES"] = []
    assert tus.upload(MP3, kind="audio", filetype="audio/mpeg").status_code == 415


def test_an_image_declared_as_audio_is_415(tus, photo):
    assert tus.upload(photo("Canon_40D.jpg"), kind="audio",
                      filetype="audio/mpeg").status_code == 415


def test_a_signature_is_an_image_kind_without_a_position_flag(tus, client, inspector, photo):
    data = photo("pillow_hopper.png")
    tus.upload(data, kind="signature")
    evidence = client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).get_json()
    assert evidence["kind"] == "signature" and evidence["flags"] == []


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (1, 1)).save(out, "PNG")
    png = bytearray(out.getvalue())
    png[16:24] = (60_000).to_bytes(4, "big") * 2  # 3.6 billion pixels in a 70-byte file
    png[29:33] = zlib.crc32(png[12:29]).to_bytes(4, "big")
    return bytes(png)


def test_a_decompression_bomb_is_refused(tus, client, inspector):
    data = _bomb()
    response = tus.upload(data)
    assert response.status_code == 422
    assert "pixels" in response.get_json()["detail"]
    assert client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).status_code == 404


def test_the_pixel_limit_is_configurable(tus, app, photo):
    app.config["EVIDENCE_MAX_IMAGE_PIXELS"] = 100 * 100
    assert tus.upload(photo("DSCN0010.jpg")).status_code == 422
    assert tus.upload(photo("Canon_40D.jpg")).status_code == 204  # 100 x 68


def test_the_same_bytes_twice_make_one_record_and_a_second_receipt(tus, client, inspector,
                                                                   photo, app):
    data = photo("Nikon_D70.jpg")
    assert tus.upload(data).status_code == 204
    again = tus.upload(data)
    assert again.status_code == 204
    assert again.headers["Evidence-Location"] == f"/api/v1/evidence/{sha256(data)}"
    assert len(_audit(app, "evidence.create")) == 1
    assert len(_audit(app, "evidence.duplicate")) == 1


def test_the_same_bytes_uploaded_in_another_district_are_readable_there_too(
        tus, client, login, photo):
    data = photo("DSCN0010.jpg")
    path = f"/api/v1/evidence/{sha256(data)}"
    assert tus.upload(data).status_code == 204  # Pudong (310115)
    huangpu = login("inspector", "310101")
    assert client.get(path, headers=huangpu).status_code == 404  # not theirs yet
    again = Tus(client, huangpu).upload(data)
    assert again.status_code == 204 and again.headers["Evidence-Location"] == path
    for headers in (huangpu, login("supervisor", "310101"), tus.headers):
        assert client.get(path, headers=headers).status_code == 200
        assert client.get(f"{path}/original", headers=headers).status_code == 200
    assert client.get(path, headers=login("supervisor", "310104")).status_code == 404


def test_a_batch_of_evidence_is_visible_only_when_every_item_is(tus, client, login, photo,
                                                                  app):
    from server.auth.policy import Actor
    from server.errors import NotFound
    from server.evidence import service

    ours, shared, theirs = (photo(n) for n in ("DSCN0010.jpg", "DSCN0025.jpg", "no_exif.jpg"))
    tus.upload(ours)
    tus.upload(shared)  # Pudong (310115) first, then Huangpu uploads the same bytes
    huangpu = Tus(client, login("inspector", "310101"))
    huangpu.upload(shared)
    huangpu.upload(theirs)
    digests = [sha256(d) for d in (ours, shared, theirs)]
    with app.app_context():
        pudong = Actor(uuid.uuid4(), "s", "supervisor", "310115")
        seen = service.visible_evidence(pudong, digests[:2] + digests[:1])
        assert list(seen) == digests[:2] and seen[digests[1]].district == "310115"
        assert list(service.visible_evidence(Actor(uuid.uuid4(), "h", "supervisor", "310101"),
                                             digests[1:])) == digests[1:]
        for batch in (digests, [digests[0], "0" * 64], [digests[0], "not-a-digest"]):
            with pytest.raises(NotFound):
                service.visible_evidence(pudong, batch)
        city = Actor(uuid.uuid4(), "c", "supervisor", "310000")
        assert list(service.visible_evidence(city, digests, "evidence.view_original")) == digests


def test_evidence_facts_give_records_positions_times_and_flags(tus, photo, app):
    located, plain = photo("DERIVED_gps_sh_chongming_center.jpg"), photo("no_exif.jpg")
    tus.upload(located)
    tus.upload(plain)
    from server.evidence import service

    with app.app_context():
        facts = service.evidence_facts([sha256(located), sha256(plain), "0" * 64])
        assert set(facts) == {sha256(located), sha256(plain)}
        assert (facts[sha256(located)].lat, facts[sha256(located)].lon) == pytest.approx(
            (31.628689, 121.392832))
        assert facts[sha256(plain)].lat is None and "no_gps" in facts[sha256(plain)].flags
        assert service.missing_evidence([sha256(located), "0" * 64]) == ["0" * 64]


def test_thumbnails_are_made_off_the_upload_path_and_before_anyone_reads(tus, client,
                                                                         inspector, photo,
                                                                         app):
    data = photo("pillow_truncated_jpeg.jpg")
    assert tus.upload(data).status_code == 204
    from server.evidence.models import PENDING, Evidence
    from server.extensions import db

    with app.app_context():
        assert db.session.get(Evidence, sha256(data)).derivation == PENDING
    evidence = client.get(f"/api/v1/evidence/{sha256(data)}", headers=inspector).get_json()
    assert "undecodable" in evidence["flags"]  # the first read finished the job
    assert [e.details["outcome"] for e in _audit(app, "evidence.derive")] == ["failed"]


def test_an_original_is_served_as_its_own_type_which_the_description_allows(tus, client,
                                                                             inspector, app):
    data = _jpeg((64, 48))
    assert tus.upload(data).status_code == 204
    original = client.get(f"/api/v1/evidence/{sha256(data)}/original", headers=inspector)
    assert original.mimetype == "image/jpeg"
    assert_described(app, "GET", "/api/v1/evidence/{sha256}/original", original)
