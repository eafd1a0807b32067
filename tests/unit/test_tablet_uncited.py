"""A photo captured during a visit that nothing cites (no violation's evidence, no signature)
reaches no record on the server: the tablet keeps the record each file was captured for, and
`show`, `submit` and `push` name such photos and say how to cite them (`link-photo`)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from offline_sync import Tablet, cli

ENTERPRISE = "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f00"
OFFICERS = ("6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f01", "6f1c0a52-6a43-4c55-9d9e-1d2c3b4a5f02")


def _photo(folder: Path, name: str, seed: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes([seed]) * 64)
    return path


def _visit(tmp_path) -> tuple[Tablet, str]:
    tablet = Tablet(tmp_path / "tablet")
    return tablet, tablet.new_inspection("e-1", list(OFFICERS))


def test_a_photo_captured_during_a_visit_is_kept_for_its_record_and_uncited_until_linked(
        tmp_path):
    tablet, record = _visit(tmp_path)
    loose = tablet.add_photo(_photo(tmp_path / "camera", "DSCN0010.jpg", 1))
    assert loose.inspection_id == record
    assert [item.sha256 for item in tablet.uncited(record)] == [loose.sha256]
    violation = tablet.add_violation(record, "AIR_VOC", "2026-01-01", location=None)
    tablet.link_photo(violation, loose.sha256)
    assert tablet.uncited(record) == []
    [link] = [m for m in tablet.store.queued() if m.entity == "evidence_link"]
    assert link.fields == {"violation_id": violation, "sha256": loose.sha256}


def test_photos_cited_by_a_violation_or_a_signature_are_not_uncited(tmp_path):
    tablet, record = _visit(tmp_path)
    tablet.add_violation(record, "AIR_VOC", "2026-01-01", location=None,
                         files=[_photo(tmp_path / "camera", "a.jpg", 2)])
    tablet.sign_on_site(record, "party", "王经理", image=_photo(tmp_path / "pad", "p.png", 3))
    assert len(tablet.store.evidence()) == 2 and tablet.uncited(record) == []


def _cli(tmp_path, *args: str, given: str | None = None):
    return CliRunner().invoke(cli.main, ["--home", str(tmp_path / "tablet"), *args],
                              input=given)


def test_show_and_submit_name_an_uncited_photo_and_submit_asks_first(tmp_path):
    record = _cli(tmp_path, "new-inspection", "--enterprise", ENTERPRISE, "--inspector",
                  OFFICERS[0], "--inspector", OFFICERS[1]).stdout.strip()
    photo = _cli(tmp_path, "add-photo", str(_photo(tmp_path / "camera", "DSCN0010.jpg", 4)))
    assert photo.exit_code == 0, photo.output
    digest = photo.stdout.split()[0]
    shown = _cli(tmp_path, "show", record)
    assert "cited by nothing" in shown.stdout and "DSCN0010.jpg" in shown.stdout
    assert f"link-photo {digest[:12]} --violation VIOLATION" in shown.stdout
    tablet = Tablet(tmp_path / "tablet")
    for who in OFFICERS:
        tablet.sign(record, who, signer_user_id=who, evidence_sha256="a" * 64)
    tablet.sign(record, "王经理", "party", refusal_reason="不签")
    tablet.close()
    refused = _cli(tmp_path, "submit", record, given="n\n")
    assert refused.exit_code == 1 and "DSCN0010.jpg" in refused.output, refused.output
    assert "Submit anyway?" in refused.output
    assert not any(m.op == "status" for m in Tablet(tmp_path / "tablet").store.queued())
    assert _cli(tmp_path, "submit", record, "--yes").exit_code == 0


def test_link_photo_cites_a_captured_file_on_a_violation_by_its_digest(tmp_path):
    tablet, record = _visit(tmp_path)
    loose = tablet.add_photo(_photo(tmp_path / "camera", "DSCN0010.jpg", 5))
    violation = tablet.add_violation(record, "AIR_VOC", "2026-01-01", location=None)
    tablet.close()
    linked = _cli(tmp_path, "link-photo", loose.sha256[:10], "--violation", violation)
    assert linked.exit_code == 0, linked.output
    assert "cited on" in linked.stdout
    assert "cited by nothing" not in _cli(tmp_path, "show", record).stdout
    unknown = _cli(tmp_path, "link-photo", loose.sha256[:10], "--violation", OFFICERS[0])
    assert unknown.exit_code == 2 and "Nothing was recorded" in unknown.output


def _two_visits(tmp_path) -> tuple[str, str, str]:
    """Two open records on the tablet, the second started last, and a violation of the first."""
    tablet, first = _visit(tmp_path)
    second = tablet.new_inspection("e-1", list(OFFICERS))
    violation = tablet.add_violation(first, "AIR_VOC", "2026-01-01", location=None)
    tablet.close()
    return first, second, violation


def _kept_for(tmp_path, sha256: str) -> str | None:
    tablet = Tablet(tmp_path / "tablet")
    try:
        return tablet.store.evidence_item(sha256).inspection_id
    finally:
        tablet.close()


def test_add_photo_says_which_record_it_kept_the_file_for_and_how_to_choose(tmp_path):
    first, second, _ = _two_visits(tmp_path)
    added = _cli(tmp_path, "add-photo", str(_photo(tmp_path / "camera", "DSCN0010.jpg", 6)))
    assert added.exit_code == 0, added.output
    digest, size, unit = added.stdout.split()  # stdout keeps what scripts read
    assert unit == "bytes" and _kept_for(tmp_path, digest) == second
    assert f"kept for inspection {second}" in added.stderr
    assert "open record started last" in added.stderr and "--inspection" in added.stderr


def test_add_photo_keeps_the_file_for_the_record_given(tmp_path):
    first, second, violation = _two_visits(tmp_path)
    added = _cli(tmp_path, "add-photo", str(_photo(tmp_path / "camera", "DSCN0011.jpg", 7)),
                 "--inspection", first)
    assert added.exit_code == 0, added.output
    assert _kept_for(tmp_path, added.stdout.split()[0]) == first
    assert f"kept for inspection {first}" in added.stderr and "--inspection" not in added.stderr
    again = _cli(tmp_path, "add-photo", str(tmp_path / "camera" / "DSCN0011.jpg"),
                 "--inspection", second)  # the same bytes: the record it was first kept for
    assert f"kept for inspection {first}" in again.stderr and "captured before" in again.stderr
    cited = _cli(tmp_path, "add-photo", str(_photo(tmp_path / "camera", "DSCN0012.jpg", 8)),
                 "--violation", violation)
    assert cited.exit_code == 0, cited.output
    assert _kept_for(tmp_path, cited.stdout.split()[0]) == first
    assert f"kept for inspection {first}" in cited.stderr and violation in cited.stderr


def test_add_photo_refuses_a_record_it_does_not_hold_or_not_the_violations(tmp_path):
    first, second, violation = _two_visits(tmp_path)
    photo = str(_photo(tmp_path / "camera", "DSCN0013.jpg", 9))
    unknown = _cli(tmp_path, "add-photo", photo, "--inspection", OFFICERS[0])
    assert unknown.exit_code == 2 and "Nothing was recorded" in unknown.output, unknown.output
    other = _cli(tmp_path, "add-photo", photo, "--violation", violation, "--inspection", second)
    assert other.exit_code == 2 and first in other.output, other.output
    tablet = Tablet(tmp_path / "tablet")
    assert tablet.store.evidence() == [] and not any(
        m.entity == "evidence_link" for m in tablet.store.queued())
    tablet.close()


def test_add_photo_says_when_the_file_is_kept_for_no_record(tmp_path):
    added = _cli(tmp_path, "add-photo", str(_photo(tmp_path / "camera", "DSCN0014.jpg", 10)))
    assert added.exit_code == 0, added.output
    assert _kept_for(tmp_path, added.stdout.split()[0]) is None
    assert "kept for no inspection record" in added.stderr


def test_add_photo_of_a_documents_bytes_keeps_the_document_and_says_so(tmp_path):
    tablet, record = _visit(tmp_path)
    tablet.close()
    report = tmp_path / "camera" / "report.pdf"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"%PDF-1.7\n" + b"\x02" * 64)
    assert _cli(tmp_path, "add-photo", str(report), "--kind", "document").exit_code == 0
    again = _cli(tmp_path, "add-photo", str(report))
    assert again.exit_code == 0, again.output
    assert "same bytes as a document captured before" in again.stderr, again.stderr
    assert "does not decode as an image" not in again.stderr  # sent as the document it is
    tablet = Tablet(tmp_path / "tablet")
    assert [item.kind for item in tablet.store.evidence()] == ["document"]


def test_link_photo_of_a_documents_bytes_cites_the_document_and_says_so(tmp_path):
    tablet, record = _visit(tmp_path)
    violation = tablet.add_violation(record, "AIR_VOC", "2026-01-01", location=None)
    tablet.close()
    report = tmp_path / "camera" / "report.pdf"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"%PDF-1.7\n" + b"\x03" * 64)
    assert _cli(tmp_path, "add-photo", str(report), "--kind", "document").exit_code == 0
    cited = _cli(tmp_path, "link-photo", str(report), "--violation", violation)
    assert cited.exit_code == 0, cited.output
    assert "same bytes as a document captured before" in cited.stderr, cited.stderr
    assert "does not decode as an image" not in cited.stderr
    tablet = Tablet(tmp_path / "tablet")
    assert [item.kind for item in tablet.store.evidence()] == ["document"]
