"""The statistics figures' arithmetic and their PDF report, without a database."""

from datetime import date

from labels.report import render_statistics
from repository.services.statistics import percentile, summarise


def test_percentiles_interpolate():
    assert percentile([], 50) is None
    assert percentile([4.0], 90) == 4.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert round(percentile(list(range(1, 11)), 90), 2) == 9.1


def test_report_renders_with_and_without_figures():
    empty = summarise([], date(2026, 1, 1), date(2026, 12, 31), "month")
    assert empty["requests"] == 0 and empty["fulfilment_rate"] is None
    assert render_statistics(empty).startswith(b"%PDF")
    full = {
        **empty,
        "requests": 3,
        "items_distributed": 5,
        "fulfilment_rate": 0.5,
        "per_period": [{"period": "2026-01", "requests": 3, "items_distributed": 5}],
        "steps": [{"step": "under_review", "count": 3, "median_days": 1.5, "p90_days": 4.0}],
        "satisfaction": {"responses": 2, "mean": 4.5, "ratings": {"4": 1, "5": 1}},
        "by_kind": [{"kind": "cell_line", "requests": 2, "items": 4}],
        "by_country": [{"country": "GBR", "requests": 3, "items": 5}],
        "by_organisation": [{"organisation": "Far Lab", "requests": 3, "items": 5}],
    }
    pdf = render_statistics(full, "Platform report 2026")
    assert pdf.startswith(b"%PDF") and len(pdf) > len(render_statistics(empty))
