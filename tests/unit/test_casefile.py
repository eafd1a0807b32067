"""Pure case-file rules: archival order, the Ed25519-signed manifest (casefile/v2) and the
files a third party verifies it with, HMAC-signed casefile/v1 files still verifying."""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server.cases import casefile, casefile_keys

SECRET, OTHER = "case-secret-" + "s" * 32, "other-secret-" + "o" * 32
KEY = casefile_keys.derive(SECRET)
KEYS = {KEY.key_id: KEY.verifier}  # the keys this verifier knows, by key id
V1_KEY = b"k" * 32  # a casefile/v1 (HMAC-SHA256) key


def test_the_main_volume_runs_decision_filing_evidence_notices_closing_then_the_secondary():
    members = casefile.plan(["closing_approval", "notice", "filing_approval", "decision",
                             "service_receipt"], [("ab" * 32, ".jpg")], with_history=True)
    assert [m.role for m in members] == [
        "catalogue", "decision", "service_receipt", "filing_approval", "contact_sheet",
        "evidence", "notice", "closing_approval", "history"]
    assert members[-1].name.startswith("副卷/01_") and members[5].name.endswith(".jpg")
    assert [m.volume for m in members][1:-1] == ["main"] * 7


def test_signature_images_follow_the_inspection_record_they_sign():
    members = casefile.plan(["inspection_record", "decision"], [("ab" * 32, ".jpg")],
                            with_history=False,
                            signatures={"inspection_record": [
                                ("cd" * 32, ".png", "签名图像（当事人 王经理）")]})
    assert [m.role for m in members] == ["catalogue", "decision", "inspection_record",
                                         "signature", "contact_sheet", "evidence"]
    assert members[3].name == f"正卷/03_签名图像/{'cd' * 32}.png"
    assert (members[3].title, members[3].volume) == ("签名图像（当事人 王经理）", "main")


def test_each_signature_image_follows_the_record_it_signs_first():
    inspection, inquiry = "cd" * 32, "ef" * 32
    members = casefile.plan(["inquiry_record", "inspection_record"], [("ab" * 32, ".jpg")],
                            with_history=False,
                            signatures={"inquiry_record": [(inquiry, ".png", "被询问人")],
                                        "inspection_record": [(inspection, ".png", "当事人")]})
    assert [m.role for m in members] == ["catalogue", "inspection_record", "signature",
                                         "inquiry_record", "signature", "contact_sheet",
                                         "evidence"]
    assert members[4].name == f"正卷/04_签名图像/{inquiry}.png"
    assert members[4].title == "被询问人"


def _entries(files: dict[str, bytes]) -> list[dict]:
    return [{"name": n, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b),
             "role": "x", "volume": "main"} for n, b in files.items()]


def _zip(tmp_path, files: dict[str, bytes], key: casefile_keys.Key = KEY, name="f.zip"):
    """A casefile/v2 ZIP as the builder writes one: members, detached files, manifest."""
    manifest, detached = casefile.sign({"format": casefile.FORMAT, "files": _entries(files)},
                                       key.seed, key.key_id)
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, body in (files | detached).items():
            archive.writestr(member, body)
        archive.writestr(casefile.MANIFEST, json.dumps(manifest, indent=1))
    return path


def _v1_zip(tmp_path, files: dict[str, bytes], key: bytes = V1_KEY, key_id: str = "v1key"):
    """A casefile/v1 ZIP exactly as servers before v2 wrote one: HMAC-SHA256 over the
    canonical JSON of the manifest without its signature, hex, and nothing but the manifest."""
    manifest = {"format": "casefile/v1", "files": _entries(files)}
    signed = json.dumps(manifest, sort_keys=True, separators=(",", ":"),
                        ensure_ascii=False).encode()
    manifest["signature"] = {"algorithm": "HMAC-SHA256", "key_id": key_id,
                             "value": hmac.new(key, signed, hashlib.sha256).hexdigest()}
    path = tmp_path / "v1.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
        archive.writestr(casefile.MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return path


def _rewrite(path, tmp_path, change):
    """A copy of the ZIP with `change(name, bytes)` applied to each member."""
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(forged, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info)))
    return forged


def _edit_manifest(path, tmp_path, edit):
    """A copy of the ZIP whose manifest.json `edit(manifest)` changed in place."""
    def change(name: str, body: bytes) -> bytes:
        if name != casefile.MANIFEST:
            return body
        manifest = json.loads(body)
        edit(manifest)
        return json.dumps(manifest).encode()

    return _rewrite(path, tmp_path, change)


def test_an_intact_file_verifies_under_its_ed25519_key_and_another_key_does_not(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a", "正卷/b.jpg": b"\xff\xd8 b"})
    report = casefile.verify(path, KEYS)
    assert report.ok and report.checked == 2 and report.key_id == KEY.key_id
    assert report.format == "casefile/v2"
    manifest = json.loads(zipfile.ZipFile(path).read(casefile.MANIFEST))
    assert manifest["signature"]["algorithm"] == "Ed25519"
    other = casefile_keys.derive(OTHER)
    impostor = {KEY.key_id: other.verifier}  # another key filed under the right id
    assert casefile.verify(path, impostor).problems[0] == (
        "bad signature: the manifest was altered or signed with another key")


def test_the_file_a_third_party_checks_are_the_signed_bytes_the_signature_and_sha256sums(
        tmp_path):
    files = {"00_目录.pdf": b"%PDF a", "正卷/01_证据/b.jpg": b"\xff\xd8 b"}
    with zipfile.ZipFile(_zip(tmp_path, files)) as archive:
        manifest = json.loads(archive.read(casefile.MANIFEST))
        signed, signature = archive.read(casefile.SIGNED), archive.read(casefile.SIGNATURE)
        sums, sums_signature = archive.read(casefile.SUMS), archive.read(casefile.SUMS_SIGNATURE)
    public = Ed25519PublicKey.from_public_bytes(KEY.verifier.key)
    public.verify(signature, signed)  # raises when it does not hold
    public.verify(sums_signature, sums)
    assert json.loads(signed) == {k: v for k, v in manifest.items() if k != "signature"}
    assert signature.hex() == manifest["signature"]["value"]
    assert sums.decode().splitlines() == [
        f"{hashlib.sha256(body).hexdigest()}  {name}" for name, body in files.items()]
    with pytest.raises(InvalidSignature):
        public.verify(signature, signed.replace(b"%PDF", b"%PDX") + b" ")


def test_a_tampered_member_is_named_and_the_signature_still_holds(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a", "正卷/b.jpg": b"\xff\xd8 b"})
    forged = _rewrite(path, tmp_path, lambda n, b: b"\xff\xd8 B" if n == "正卷/b.jpg" else b)
    assert casefile.verify(forged, KEYS).problems == ["altered member: 正卷/b.jpg"]


def test_a_tampered_manifest_fails_its_signature(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a"})
    resized = _edit_manifest(path, tmp_path, lambda m: m["files"][0].update(size=7))
    problems = casefile.verify(resized, KEYS).problems
    assert "bad signature: the manifest was altered or signed with another key" in problems


@pytest.mark.parametrize("member", ["SIGNED", "SIGNATURE", "SUMS", "SUMS_SIGNATURE"])
def test_a_tampered_or_missing_verification_file_is_named(tmp_path, member):
    name = getattr(casefile, member)
    path = _zip(tmp_path, {"a.pdf": b"%PDF a", "b.pdf": b"%PDF b"})
    flipped = _rewrite(path, tmp_path, lambda n, b: bytes([b[0] ^ 1]) + b[1:] if n == name
                       else b)
    assert casefile.verify(flipped, KEYS).problems == [f"altered member: {name}"]
    dropped = tmp_path / "dropped.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(dropped, "w") as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
    assert casefile.verify(dropped, KEYS).problems == [f"missing member: {name}"]


def test_a_sha256sums_signed_with_the_key_but_not_matching_the_manifest_is_refused(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a"})
    other = casefile.sign({"format": casefile.FORMAT, "files": _entries({"a.pdf": b"x"})},
                          KEY.seed, KEY.key_id)[1]
    forged = _rewrite(path, tmp_path, lambda n, b: other.get(n, b)
                      if n in (casefile.SUMS, casefile.SUMS_SIGNATURE) else b)
    assert casefile.verify(forged, KEYS).problems == [
        f"altered member: {casefile.SUMS}", f"altered member: {casefile.SUMS_SIGNATURE}"]


def test_a_casefile_v1_file_signed_with_hmac_still_verifies_as_before(tmp_path):
    path = _v1_zip(tmp_path, {"a.pdf": b"%PDF a", "正卷/b.jpg": b"\xff\xd8 b"})
    v1 = casefile.Verifier(casefile.ALGORITHM_V1, V1_KEY)
    report = casefile.verify(path, {"v1key": v1} | KEYS)
    assert report.ok and report.checked == 2 and report.key_id == "v1key"
    assert report.format == "casefile/v1"
    assert casefile.verify(path, {"v1key": casefile.Verifier(casefile.ALGORITHM_V1, b"x" * 32)}
                           ).problems == ["bad signature: the manifest was altered or signed "
                                          "with another key"]
    forged = _rewrite(path, tmp_path, lambda n, b: b"\xff\xd8 B" if n == "正卷/b.jpg" else b)
    assert casefile.verify(forged, {"v1key": v1}).problems == ["altered member: 正卷/b.jpg"]


def test_a_v1_file_holds_no_v2_verification_files_and_they_count_as_extra(tmp_path):
    path = _v1_zip(tmp_path, {"a.pdf": b"%PDF a"})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(casefile.SUMS, b"")
    report = casefile.verify(path, {"v1key": casefile.Verifier(casefile.ALGORITHM_V1, V1_KEY)})
    assert report.problems == [f"extra member: {casefile.SUMS}"]


def test_the_key_not_the_manifest_decides_the_algorithm(tmp_path):
    # HMAC under the public key (which anyone has) must not pass for a signature.
    files = {"a.pdf": b"%PDF a"}
    for fmt in ("casefile/v1", "casefile/v2"):
        manifest = {"format": fmt, "files": _entries(files)}
        value = hmac.new(KEY.verifier.key, casefile.canonical(manifest), hashlib.sha256)
        manifest["signature"] = {"algorithm": "HMAC-SHA256", "key_id": KEY.key_id,
                                 "value": value.hexdigest()}
        path = tmp_path / "confused.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a.pdf", files["a.pdf"])
            archive.writestr(casefile.MANIFEST, json.dumps(manifest))
        assert "bad signature: the manifest was altered or signed with another key" in \
            casefile.verify(path, KEYS).problems, fmt
    # and an Ed25519 signature on a v1-format manifest is not a v1 file
    path = _zip(tmp_path, files)
    relabelled = _rewrite(path, tmp_path, lambda n, b: b.replace(b"casefile/v2", b"casefile/v1"))
    assert "bad signature: the manifest was altered or signed with another key" in \
        casefile.verify(relabelled, KEYS).problems


def test_a_retired_key_still_verifies_by_its_id_and_an_unknown_id_is_named(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a"})
    current = casefile_keys.derive(OTHER)
    retired = casefile_keys.derive(SECRET, retired=True)
    report = casefile.verify(path, {current.key_id: current.verifier,
                                    retired.key_id: retired.verifier})
    assert report.ok and report.key_id == KEY.key_id
    unknown = casefile.verify(path, {current.key_id: current.verifier})
    assert unknown.key_id == KEY.key_id and unknown.checked == 1
    assert unknown.problems == [
        f"unknown signing key {KEY.key_id}: neither the current key nor a retired one"]


def test_a_key_id_of_the_wrong_shape_is_reported_not_raised(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a"})
    for key_id in ({"a": 1}, ["test"], None, 7, "x" * 500):
        forged = _edit_manifest(path, tmp_path, lambda m, k=key_id: m["signature"].update(
            key_id=k))
        report = casefile.verify(forged, KEYS)
        assert report.key_id is None and len(report.problems) == 1, key_id
        assert report.problems[0].startswith("unknown signing key"), key_id
        assert len(report.problems[0]) < 200, key_id


def test_a_signature_value_of_the_wrong_shape_is_a_bad_signature_not_an_error(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a"})
    for value in ("zz" * 64, "ab", None, 7, ["ab"]):
        forged = _edit_manifest(path, tmp_path, lambda m, v=value: m["signature"].update(
            value=v))
        report = casefile.verify(forged, KEYS)
        assert report.problems[0].startswith("bad signature"), value
    v1 = _v1_zip(tmp_path, {"a.pdf": b"%PDF a"})
    keys = {"v1key": casefile.Verifier(casefile.ALGORITHM_V1, V1_KEY)}
    for value in ("é" * 64, None, ["ab"]):
        forged = _edit_manifest(v1, tmp_path, lambda m, v=value: m["signature"].update(
            value=v))
        assert casefile.verify(forged, keys).problems[0].startswith("bad signature"), value


def test_the_signature_covers_the_canonical_manifest_not_its_layout():
    manifest = {"files": [{"name": "a", "size": 1}], "format": casefile.FORMAT}
    signed, detached = casefile.sign(manifest, KEY.seed, KEY.key_id)
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items())))))
    assert casefile.canonical(reordered) == casefile.canonical(signed) == \
        detached[casefile.SIGNED]


def test_a_manifest_without_files_is_reported_not_raised(tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(casefile.MANIFEST, b"{}")
    assert casefile.verify(path, KEYS).problems[0].startswith("unreadable manifest")


def test_large_cases_split_the_contact_sheet_into_bounded_parts():
    photos = [(f"{n:064x}", ".jpg") for n in range(casefile.PHOTOS_PER_SHEET * 2 + 1)]
    sheets = [m for m in casefile.plan([], photos, with_history=False)
              if m.role == "contact_sheet"]
    assert [m.part for m in sheets] == [0, 1, 2]
    assert sheets[0].name.endswith("（照片目录）_1.pdf")


def test_member_names_that_would_unpack_outside_the_folder_are_reported(tmp_path):
    path = _zip(tmp_path, {"正卷/a.pdf": b"%PDF a", "../../etc/cron.d/x": b"evil"})
    report = casefile.verify(path, KEYS)
    assert report.problems == [
        "unsafe member name (would unpack outside): ../../etc/cron.d/x"]
    assert [casefile.safe_member_name(n) for n in (
        "正卷/01_决定书.pdf", "a/../../b", "/etc/passwd", "C:/x", "a\\..\\b", "a//b", "")] == [
        True, False, False, False, False, False, False]


def test_a_second_member_under_a_listed_name_is_reported_whichever_comes_first(tmp_path):
    # Readers differ in which of two same-named members they show; Python's zipfile reads
    # the last, so a forged copy put before the original would otherwise verify.
    files = {"正卷/b.jpg": b"\xff\xd8 original"}
    path = _zip(tmp_path, files)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(forged, "w") as target:
        target.writestr("正卷/b.jpg", b"\xff\xd8 forged!!")
        for info in source.infolist():
            if info.filename == "正卷/b.jpg":
                with pytest.warns(UserWarning, match="Duplicate name"):  # what a forger does
                    target.writestr(info.filename, source.read(info))
            else:
                target.writestr(info.filename, source.read(info))
    report = casefile.verify(forged, KEYS)
    assert not report.ok
    assert report.problems == ["duplicate member: 正卷/b.jpg (2 entries)"]


def test_a_manifest_of_the_wrong_shape_is_reported_not_raised(tmp_path):
    for manifest in ({"files": ["a.pdf"], "signature": {}}, {"files": [], "signature": "x"},
                     {"files": {"a": 1}, "signature": {}}, [],
                     {"files": [{"name": ["a.pdf"]}], "signature": {}}):
        path = tmp_path / "odd.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a.pdf", b"%PDF")
            archive.writestr(casefile.MANIFEST, json.dumps(manifest))
        report = casefile.verify(path, KEYS)
        assert not report.ok and report.problems[0].startswith("unreadable manifest"), manifest


def test_the_guide_names_the_files_the_key_id_and_where_the_public_key_is_published():
    from server.cases.casefile_guide import guide

    text = guide(KEY.key_id).decode()
    for name in (casefile.MANIFEST, casefile.SIGNED, casefile.SIGNATURE, casefile.SUMS,
                 casefile.SUMS_SIGNATURE, casefile.GUIDE, casefile.KEYS_PATH, KEY.key_id):
        assert name in text, name
    assert "openssl pkeyutl -verify -pubin -inkey casefile-key.pem -rawin -in " \
           f"{casefile.SIGNED} -sigfile {casefile.SIGNATURE}" in text
    assert f"sha256sum -c {casefile.SUMS}" in text
    assert "校验" in text and "Unpack this ZIP" in text


def test_a_file_written_before_signature_images_were_listed_still_verifies(tmp_path):
    # as servers wrote them before: documents and evidence, no signature member, and no
    # missing_signatures in the manifest
    files = {"00_卷内目录.pdf": b"%PDF-1.7", f"正卷/01_证据/{'ab' * 32}.jpg": b"\xff\xd8\xff"}
    report = casefile.verify(_zip(tmp_path, files), KEYS)
    assert (report.ok, report.checked, report.problems) == (True, 2, [])
