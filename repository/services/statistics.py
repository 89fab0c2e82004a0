"""Service statistics, the figures a platform reports each year: requests and items
distributed per period, fulfilment rate, time per step and end to end (median and 90th
percentile), satisfaction, and distribution by organisation, country and material kind."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..audit import as_utc
from ..errors import ValidationFailed
from ..models import Allocation, MaterialRequest, RequestLine, RequestStep
from ..vocabulary import ItemStatus, RequestStatus

PERIODS = ("month", "quarter", "year")
SHIPPED = frozenset({RequestStatus.SHIPPED, RequestStatus.DELIVERED, RequestStatus.CLOSED})
DAY = 86_400.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def period_of(moment: datetime, period: str) -> str:
    if period == "year":
        return f"{moment:%Y}"
    if period == "quarter":
        return f"{moment:%Y}-Q{(moment.month - 1) // 3 + 1}"
    return f"{moment:%Y-%m}"


def figures(
    session: Session,
    start: date,
    end: date,
    *,
    period: str = "month",
    collection_ids: Iterable[int] | None = None,
) -> dict[str, Any]:
    """The figures of the requests submitted from `start` to `end` (inclusive), as plain data
    (JSON for the API, input of the PDF report)."""
    if period not in PERIODS:
        raise ValidationFailed({"period": [f"One of {', '.join(PERIODS)}."]})
    if end < start:
        raise ValidationFailed({"to": ["The end comes before the start."]})
    lower = datetime.combine(start, time.min, UTC)
    upper = datetime.combine(end, time.max, UTC)
    submitted = (
        select(RequestStep.request_id)
        .where(
            RequestStep.status == RequestStatus.SUBMITTED,
            RequestStep.at >= lower,
            RequestStep.at <= upper,
        )
        .scalar_subquery()
    )
    query = (
        select(MaterialRequest)
        .where(MaterialRequest.id.in_(submitted))
        .options(
            selectinload(MaterialRequest.steps),
            selectinload(MaterialRequest.organisation),
            selectinload(MaterialRequest.feedback),
            selectinload(MaterialRequest.lines).selectinload(RequestLine.material),
            selectinload(MaterialRequest.allocations).selectinload(Allocation.item),
        )
        .order_by(MaterialRequest.id)
    )
    if collection_ids is not None:
        query = query.where(MaterialRequest.collection_id.in_(list(collection_ids)))
    found = list(session.scalars(query))
    return summarise(found, start, end, period)


def summarise(
    found: Sequence[MaterialRequest], start: date, end: date, period: str
) -> dict[str, Any]:
    per_period: dict[str, Counter] = defaultdict(Counter)
    in_step: dict[str, list[float]] = defaultdict(list)
    end_to_end: list[float] = []
    organisations: dict[str, Counter] = defaultdict(Counter)
    countries: dict[str, Counter] = defaultdict(Counter)
    kinds: dict[str, Counter] = defaultdict(Counter)
    ratings: list[int] = []
    shipped = decided = items_total = 0
    for request in found:
        steps = sorted(request.steps, key=lambda s: (as_utc(s.at), s.id))
        moments = {s.status: as_utc(s.at) for s in steps}
        submitted_at = moments[RequestStatus.SUBMITTED]
        per_period[period_of(submitted_at, period)]["requests"] += 1
        for step, following in pairwise(steps):
            if step.status is not RequestStatus.DRAFT:
                seconds = (as_utc(following.at) - as_utc(step.at)).total_seconds()
                in_step[step.status.value].append(seconds / DAY)
        if RequestStatus.DELIVERED in moments:
            seconds = (moments[RequestStatus.DELIVERED] - submitted_at).total_seconds()
            end_to_end.append(seconds / DAY)
        distributed = [a for a in request.allocations if a.item.status is ItemStatus.DISTRIBUTED]
        if request.status in SHIPPED:
            shipped += 1
            shipped_at = moments.get(RequestStatus.SHIPPED, submitted_at)
            per_period[period_of(shipped_at, period)]["items_distributed"] += len(distributed)
        if request.status in SHIPPED or request.status in (
            RequestStatus.REJECTED,
            RequestStatus.CANCELLED,
        ):
            decided += 1
        items_total += len(distributed)
        organisation = request.organisation
        for key, table in (
            (organisation.name, organisations),
            (organisation.country or "unknown", countries),
        ):
            table[key]["requests"] += 1
            table[key]["items"] += len(distributed)
        for kind in sorted({line.material.kind.value for line in request.lines}):
            kinds[kind]["requests"] += 1
        for allocation in distributed:
            kinds[allocation.line.material.kind.value]["items"] += 1
        if request.feedback is not None:
            ratings.append(request.feedback.rating)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "period": period,
        "requests": len(found),
        "items_distributed": items_total,
        "fulfilment_rate": round(shipped / decided, 4) if decided else None,
        "per_period": [
            {
                "period": key,
                "requests": counts["requests"],
                "items_distributed": counts["items_distributed"],
            }
            for key, counts in sorted(per_period.items())
        ],
        "steps": [
            {"step": status.value, **_spread(in_step[status.value])}
            for status in RequestStatus
            if status.value in in_step
        ],
        "end_to_end": _spread(end_to_end),
        "satisfaction": {
            "responses": len(ratings),
            "mean": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "ratings": {str(r): ratings.count(r) for r in range(1, 6)},
        },
        "by_organisation": _ranked(organisations, "organisation"),
        "by_country": _ranked(countries, "country"),
        "by_kind": _ranked(kinds, "kind"),
    }


def _spread(days: list[float]) -> dict[str, Any]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "count": len(days),
        "median_days": rounded(percentile(days, 50)),
        "p90_days": rounded(percentile(days, 90)),
    }


def _ranked(table: dict[str, Counter], name: str) -> list[dict[str, Any]]:
    rows = [{name: key, "requests": c["requests"], "items": c["items"]} for key, c in table.items()]
    return sorted(rows, key=lambda row: (-row["requests"], -row["items"], row[name]))
