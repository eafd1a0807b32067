"""Pure case-file rules: archival order, manifest signature, verification of a ZIP."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from server.cases import casefile

KEY = b"k" * 32
KEYS = {"test": KEY}  # the keys this server knows, by key id


def test_the_main_volume_runs_decision_filing_evidence_notices_closing_then_the_secondary():
    members = casefile.plan(["closing_approval", "notice", "filing_approval", "decision",
                             "service_receipt"], [("ab" * 32, ".jpg")], with_history=True)
    assert [m.role for m in members] == [
        "catalogue", "decision", "service_receipt", "filing_approval", "contact_sheet",
        "evidence", "notice", "closing_approval", "history"]
    assert members[-1].name.startswith("副卷/01_") and members[5].name.endswith(".jpg")
    assert [m.volume for m in members][1:-1] == ["main"] * 7


def _zip(tmp_path, files: dict[str, bytes], key: bytes = KEY):
    entries = [{"name": n, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b),
                "role": "x", "volume": "main"} for n, b in files.items()]
    manifest = casefile.sign({"format": casefile.FORMAT, "files": entries}, key, "test")
    path = tmp_path / "f.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
        archive.writestr(casefile.MANIFEST, json.dumps(manifest))
    return path


def test_an_intact_file_verifies_and_another_key_does_not(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a", "正卷/b.jpg": b"\xff\xd8 b"})
    report = casefile.verify(path, KEYS)
    assert report.ok and report.checked == 2 and report.key_id == "test"
    assert casefile.verify(path, {"test": b"other" * 8}).problems == [
        "bad signature: the manifest was altered or signed with another key"]


def test_a_retired_key_still_verifies_by_its_id_and_an_unknown_id_is_named(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a"})
    report = casefile.verify(path, {"current": b"n" * 32, "test": KEY})
    assert report.ok and report.key_id == "test"
    unknown = casefile.verify(path, {"current": b"n" * 32})
    assert unknown.key_id == "test" and unknown.checked == 1
    assert unknown.problems == [
        "unknown signing key test: neither the current key nor a retired one"]


def test_a_key_id_of_the_wrong_shape_is_reported_not_raised(tmp_path):
    path = _zip(tmp_path, {"a.pdf": b"%PDF a"})
    for key_id in ({"a": 1}, ["test"], None, 7, "x" * 500):
        forged = tmp_path / "forged.zip"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(forged, "w") as target:
            manifest = json.loads(source.read(casefile.MANIFEST))
            manifest["signature"]["key_id"] = key_id
            target.writestr("a.pdf", source.read("a.pdf"))
            target.writestr(casefile.MANIFEST, json.dumps(manifest))
        report = casefile.verify(forged, KEYS)
        assert report.key_id is None and len(report.problems) == 1, key_id
        assert report.problems[0].startswith("unknown signing key"), key_id
        assert len(report.problems[0]) < 200, key_id


def test_the_signature_covers_the_canonical_manifest_not_its_layout():
    manifest = {"files": [{"name": "a", "size": 1}], "format": casefile.FORMAT}
    signed = casefile.sign(manifest, KEY, "id")
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items())))))
    assert casefile.canonical(reordered) == casefile.canonical(signed)


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
        original, manifest = source.infolist()
        with pytest.warns(UserWarning, match="Duplicate name"):  # what a forger does
            target.writestr(original.filename, source.read(original))
        target.writestr(manifest.filename, source.read(manifest))
    report = casefile.verify(forged, KEYS)
    assert not report.ok
    assert report.problems == ["duplicate member: 正卷/b.jpg (2 entries)"]


def test_a_manifest_of_the_wrong_shape_is_reported_not_raised(tmp_path):
    for manifest in ({"files": ["a.pdf"], "signature": {}}, {"files": [], "signature": "x"},
                     {"files": {"a": 1}, "signature": {}}, []):
        path = tmp_path / "odd.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a.pdf", b"%PDF")
            archive.writestr(casefile.MANIFEST, json.dumps(manifest))
        report = casefile.verify(path, KEYS)
        assert not report.ok and report.problems[0].startswith("unreadable manifest"), manifest
