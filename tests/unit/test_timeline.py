from __future__ import annotations

from matplotlib.figure import Figure

from osworkshop.data import load
from osworkshop.timeline import (
    OPENSTACK_COLOR,
    VMWARE_COLOR,
    decimal_year,
    event_markers,
    label,
    timeline_figure,
)


def test_decimal_year_uses_the_most_precise_date() -> None:
    assert decimal_year({"year": 2010, "date": "2010-07"}) == 2010.5
    assert decimal_year({"year": 2027}) == 2027.5
    assert 2023.89 < decimal_year({"year": 2023, "date": "2023-11-22"}) < 2023.9


def test_label_is_short_and_dated() -> None:
    text = label({"year": 2013, "date": "2013-11-05", "event": "word " * 50}, width=40)
    assert text.startswith("2013-11  ") and len(text) <= 49 and text.endswith("…")


def test_one_marker_per_event_from_the_data() -> None:
    fig = timeline_figure()
    assert isinstance(fig, Figure)
    assert len(event_markers(fig)) == len(load("history"))


def test_events_are_sorted_and_vmware_ones_coloured() -> None:
    events = [
        {"year": 2023, "event": "Broadcom buys VMware.", "source": "x"},
        {"year": 2010, "date": "2010-07", "event": "OpenStack starts.", "source": "x"},
    ]
    fig = timeline_figure(events, marker_at=2013.9, marker_label="2013")
    markers = event_markers(fig)
    assert len(markers) == 2
    assert [m.get_xdata()[0] for m in markers] == [2010.5, 2023.5]
    assert [m.get_color() for m in markers] == [OPENSTACK_COLOR, VMWARE_COLOR]


def test_no_events_gives_an_empty_figure() -> None:
    fig = timeline_figure([])
    assert isinstance(fig, Figure) and event_markers(fig) == []
