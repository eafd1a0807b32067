"""The case page's 重新告知: the notice form given again from a notified or heard case, with
its reason; the party's statements are refused as the reason beside the field."""

from __future__ import annotations

from tests.console.conftest import OWN
from tests.console.test_console_case_steps import _api_step, _form_of, _notified


def test_a_notified_case_is_notified_again_from_the_form_and_statements_are_refused_beside_it(
        client, console, world):
    case = _notified(client, world, intended_fen=3_000_000, review_opinion="同意")
    session = console("legal", OWN)
    form = _form_of(session.get(f"/console/cases/{case['id']}").get_data(as_text=True))
    assert '<option value="notified">重新告知</option>' in form
    renotice = form.split('id="renotice"')[1].split("</fieldset>")[0]
    assert 'data-steps="notified"' in form.split('id="renotice"')[0].rsplit("<fieldset", 1)[1]
    assert '<option value="new_facts">告知后发现新的违法事实</option>' in renotice
    assert 'name="renotice_note"' in renotice
    url = f"/console/cases/{case['id']}/transitions"
    sent = {"to": "notified", "version": case["version"], "intended_yuan": "35000",
            "renotice_note": "当事人申辩称另有一台设备"}
    refused = session.post(url, data={**sent, "renotice_reason": "statements"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "第四十五条" in page.split('id="step-refused"')[1].split("</div>")[0]
    reason = _form_of(page).split('name="renotice_reason"')[1].split("</div>")[0]
    assert "不能作为重新告知的理由" in reason
    assert '<option value="statements" selected>' in reason  # the form as it was sent
    assert 'value="35000"' in _form_of(page)
    done = session.post(url, data={**sent, "renotice_reason": "new_facts",
                                   "renotice_note": "复查发现另一排放口废气未收集"})
    assert done.status_code == 303, done.get_data(as_text=True)
    page = session.get(f"/console/cases/{case['id']}").get_data(as_text=True)
    notice = page.split('id="case-notice"')[1].split("</ul>")[0]
    assert "¥35,000.00" in notice
    assert "重新告知: 告知后发现新的违法事实: 复查发现另一排放口废气未收集" in notice
    assert "原告知（已被重新告知取代）" in notice and "¥30,000.00" in notice
    assert "earlier_notice" in page.split('id="step-form"')[0]  # its document is listed


def test_a_case_not_yet_notified_offers_no_re_notice(client, console, world):
    case = _api_step(client, world, world[OWN]["case"], "investigating")
    form = _form_of(console("legal", OWN).get(f"/console/cases/{case['id']}")
                    .get_data(as_text=True))
    assert 'name="renotice_reason"' not in form and "重新告知" not in form
