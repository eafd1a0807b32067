"""The case history (案件流转记录, 副卷): what its rows print of each step."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from server.cases.history_doc import history
from server.rules.continuing import DAILY_BASIS


def test_a_daily_penalty_step_cites_its_basis_by_full_titles_in_guillemets() -> None:
    case = SimpleNamespace(filing_number="沪0115环立〔2026〕1号")
    event = SimpleNamespace(seq=7, on=date(2026, 5, 6), event="daily_penalty",
                            from_state="served", to_state="served",
                            details={"amount_fen": 1_000_000, "total_days": 5,
                                     "basis": list(DAILY_BASIS)})
    (row,) = history(case, [event], "上海市生态环境局").rows
    assert ("依据：《中华人民共和国环境保护法》第五十九条、"
            "《环境保护主管部门实施按日连续处罚办法》（环境保护部令第28号）") in row[1]
    assert "环保法 第59条" not in row[1]
