"""What is due, given bad input: dates that are not dates or too far ahead, a huge page, an
unknown kind, and askers who are not staff; each a clear 4xx, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from repository.models.base import utcnow
from tests.clients import call, logged_in


@pytest.mark.parametrize(
    "query",
    [
        "until=yesterday",
        "until=2026-02-30",
        "until=9999-12-31",
        "until=0001-01-01T00:00",
        "until=" + "9" * 400,
        "kind=everything",
        "kind=",
        "collection=" + "X" * 100,
        "page_size=1000000",
        "page=0",
        "page=99999999999",
    ],
)
def test_bad_queries_are_refused_clearly(world, query):
    response = call(world.app, "GET", f"/api/v1/due?{query}", world.tokens["admin"])
    assert response.status_code in (400, 422), (query, response.status_code)


def test_a_day_a_year_ahead_is_fine(world):
    ahead = (utcnow().date() + timedelta(days=365)).isoformat()
    response = call(world.app, "GET", f"/api/v1/due?until={ahead}", world.tokens["admin"])
    assert response.status_code == 200


def test_a_huge_page_size_is_capped_or_refused(world):
    response = call(world.app, "GET", "/api/v1/due?page_size=101", world.tokens["admin"])
    assert response.status_code == 422


@pytest.mark.parametrize(("role", "status"), [("requester", 403), ("printer", 403), (None, 401)])
def test_only_staff_ask_what_is_due(world, role, status):
    token = world.tokens[role] if role else None
    assert call(world.app, "GET", "/api/v1/due", token).status_code == status
    client = logged_in(world.app, role)
    page = client.get("/due?until=nonsense")
    assert page.status_code in ((403,) if role else (302,))


def test_the_page_refuses_bad_filters_without_failing(world):
    client = logged_in(world.app, "curator")
    for query in ("until=nonsense", "kind=everything", "until=9999-12-31"):
        assert client.get(f"/due?{query}").status_code in (400, 422), query
