"""Heat colours and duration words of process analytics (流程性能)."""

from __future__ import annotations

import pytest

from app.process_analytics.figures import ElementFigures, Spread
from app.process_analytics.services import NO_DATA, duration_text, heat_color, heatmap


@pytest.mark.parametrize(("seconds", "text"), [(None, "—"), (0, "0 秒"), (59, "59 秒"), (60, "1.0 分钟"),
                                               (5400, "1.5 小时"), (86_400, "1.0 天"), (250.5, "4.2 分钟")])
def test_duration_words(seconds, text):
    assert duration_text(seconds) == text


def test_the_scale_runs_green_yellow_red_and_a_flat_page_is_green():
    assert heat_color(10, 10, 30) == "#198754"
    assert heat_color(20, 10, 30) == "#ffc107"
    assert heat_color(30, 10, 30) == "#dc3545"
    assert heat_color(99, 10, 30) == "#dc3545"  # clamped
    assert heat_color(5, 5, 5) == "#198754"


def test_heatmap_marks_each_element_and_greys_those_without_completions():
    slow = ElementFigures("audit", "财务审核", 3, Spread(3, 7200.0, 9000.0), Spread(2, 60.0, 90.0), late=1,
                          overdue_open=2)
    fast = ElementFigures("check", "核对", 2, Spread(2, 60.0, 60.0), Spread())
    idle = ElementFigures("sign", "签约", open=1)
    found = heatmap([slow, fast, idle])
    assert found["elements"]["audit"]["color"] == "#dc3545" and found["elements"]["check"]["color"] == "#198754"
    assert found["elements"]["sign"]["color"] == NO_DATA
    assert found["elements"]["audit"]["lines"] == ["等待中位 2.0 小时", "办理中位 1.0 分钟", "逾期 3"]
    assert (found["low"], found["high"]) == ("1.0 分钟", "2.0 小时")
