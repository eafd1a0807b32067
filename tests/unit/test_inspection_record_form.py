"""The 现场检查（勘察）笔录 as filled from a synced inspection record (pure)."""

from __future__ import annotations

from server.cases import forms

DATA = {"party": {"name": "上海聚源德涂装有限公司", "credit_code": "91310115MAUQ704C70",
                  "address": "上海市浦东新区莘砖路2504号"},
        "officer_names": "—", "authority": "上海市浦东新区生态环境局"}
RECORD = {"started_at": "2026-11-30 08:01", "ended_at": "2026-11-30 08:40",
          "officers": [{"name": "张敏", "certificate_no": "沪环执202600001"},
                       {"name": "李强", "certificate_no": "沪环执202600002"}],
          "findings": "喷漆间门窗敞开",
          "checklist": [{"item": "VOC-01", "answer": "no", "note": "门窗敞开"},
                        {"item": "PERMIT-01", "answer": "yes"},
                        {"item": "NOISE-02", "answer": "na"}],
          "signatures": [
              {"role": role, "signer": name, "refused": False, "evidence_sha256": digit * 32}
              for role, name, digit in (("officer", "张敏", "ab"), ("officer", "李强", "cd"),
                                        ("party", "王经理", "ef"))]}


def _doc():
    return forms.inspection_record({**DATA, "inspections": [RECORD]})


def test_checklist_answers_are_written_in_chinese_not_as_the_api_codes():
    rows = dict(_doc().rows)
    assert rows["检查项 VOC-01"] == "否 门窗敞开"
    assert rows["检查项 PERMIT-01"] == "是"
    assert rows["检查项 NOISE-02"] == "不适用"


def test_the_record_states_who_signed_it_on_the_tablet_with_the_signature_digest():
    text = "\n".join(_doc().paragraphs)
    assert "执法人员 张敏 已电子签名（签名图像 SHA-256 " + "ab" * 8 in text
    assert "执法人员 李强 已电子签名" in text
    assert "当事人 王经理 已电子签名（签名图像 SHA-256 " + "ef" * 8 in text


def test_a_refusal_to_sign_is_still_noted_with_its_reason():
    record = {**RECORD, "signatures": [*RECORD["signatures"][:2], {
        "role": "party", "signer": "王经理", "refused": True, "refusal_reason": "不认可"}]}
    text = "\n".join(forms.inspection_record({**DATA, "inspections": [record]}).paragraphs)
    assert "王经理 拒绝签字：不认可" in text and "王经理 已电子签名" not in text


def test_times_are_written_as_documents_write_them():
    rows = dict(_doc().rows)
    assert rows["检查时间"] == "2026年11月30日08时01分至2026年11月30日08时40分"
    open_record = {**RECORD, "ended_at": None}
    assert dict(forms.inspection_record({**DATA, "inspections": [open_record]}).rows)[
        "检查时间"] == "2026年11月30日08时01分至—"


def test_an_evidence_items_capture_time_is_written_as_documents_write_it():
    from server.cases.contact_sheet import caption

    item = {"sha256": "ab" * 32, "captured_at": "2008-10-22 16:43", "place": "31.2, 121.5",
            "position": True, "flags": [], "maker": "张敏", "method": "拍照", "proves": []}
    assert caption(item)[0] == "abababababab  2008年10月22日16时43分"
    assert caption({**item, "captured_at": None})[0].endswith("拍摄时间未知")
