from __future__ import annotations

import pytest

from osworkshop import widgets_nb01 as W


def test_p_any_failure() -> None:
    assert W.p_any_failure(1, 0.01) == pytest.approx(0.01)
    assert W.p_any_failure(100, 0.01) == pytest.approx(0.634, abs=0.001)
    assert W.p_any_failure(0, 0.5) == 0
    assert W.p_any_failure(5, 0) == 0 and W.p_any_failure(5, 1) == 1
    assert W.expected_failures(1000, 0.01) == pytest.approx(10)
    with pytest.raises(ValueError):
        W.p_any_failure(10, 5)
    with pytest.raises(ValueError):
        W.p_any_failure(-1, 0.1)


def test_failure_odds_widget_updates() -> None:
    ex = W.failure_odds(hosts=1, percent=1.0)
    assert "<b>1.0%</b>" in ex.output.value and "rare" in ex.output.value
    ex.controls["hosts"].value = 1000
    assert "<b>100.0%</b>" in ex.output.value and "close to certain" in ex.output.value
    ex.controls["percent"].value = 0.0
    assert "<b>0.0%</b>" in ex.output.value


def test_principle_cards_come_from_data() -> None:
    card = W.principle_card("pets-vs-cattle")
    assert "Pets versus cattle" in card and "vSphere habit" in card
    assert "Bridging the gap" in card._repr_html_()
    assert W.principle("cultural-change")["example"]["new_projects"] == 40
    with pytest.raises(KeyError):
        W.principle("nope")
    assert W.principles_table().count("<tr>") == 1 + 6  # the six principles, not the picture
