"""The dashboard through Flask's test client: who sees it, and what it counts."""

from __future__ import annotations

import re

from tests.clients import logged_in


def test_curators_and_admins_see_the_dashboard_others_do_not(world):
    app, _, _ = world
    for role, status in (("curator", 200), ("admin", 200), ("technician", 403), ("requester", 403)):
        client = logged_in(app, role)
        nav = client.get("/").data.decode().split('<nav aria-label="Main">')[1]
        assert ('href="/dashboard"' in nav.split("</nav>")[0]) is (status == 200)
        assert client.get("/dashboard").status_code == status


def test_the_dashboard_counts_materials_storage_alerts_and_statistics(world):
    app, _, _ = world
    page = logged_in(app, "curator").get("/dashboard").data.decode()
    assert re.search(r"<td>API</td><td>strain</td><td>3</td>", page)
    assert re.search(r"<td>API</td><td>cell line</td><td>1</td>", page)
    assert re.search(r">Freezer</a>.*?</td>\s*<td>6 / 81</td>", page, re.S)
    assert "open strain" in page and "re-culture" in page  # the low-stock alert
    assert 'href="/api/v1/statistics/report"' in page and "Requests per month" in page
    other = logged_in(app, "other_curator").get("/dashboard").data.decode()
    assert "<td>API</td>" not in other


def test_the_latest_viability_of_each_material(world):
    app, _, ids = world
    client = logged_in(app, "curator")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").data.decode())[1]
    for tested_on, value in (("2025-01-05", "91"), ("2025-03-05", "64")):
        form = {"test": "post_thaw_viability", "outcome": "pass", "value": value}
        response = client.post(
            f"/items/{ids['vials'][0]}/qc",
            data={**form, "tested_on": tested_on, "csrf_token": token},
        )
        assert response.status_code == 303
    page = client.get("/dashboard").data.decode()
    section = page.split('id="d-viability"')[1].split("</section>")[0]
    assert "64.0" in section and "91.0" not in section and "2025-03-05" in section
