"""Benchmarks of the item search (`make bench`): the first page of searches that match about
ten thousand of a million items, through the service and through the HTTP API, each beside a
raw indexed select of the same page measured in the same run, on SQLite and (when
BIOREPO_BENCH_POSTGRES_URL is set) PostgreSQL.

The inventory is the core benchmark's (tests.bench.core.build, BENCH_ITEMS items), with one
item in twenty reserved and one in a hundred missing, so that a status filter leaves some out.
The searches: everything available under one freezer (100 boxes); one collection's items
preserved in one month; a text that names a hundred materials' accession numbers; and the last
page of the freezer's search."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs

from marshmallow.fields import List
from sqlalchemy import Engine, func, select, text, update

from api import create_app
from repository.db import session_factory, unit_of_work
from repository.models import Item, StorageUnit
from repository.schemas.search import ItemSearch, ItemSearchQuery
from repository.services import accounts, item_search
from repository.services.accounts import Principal
from repository.vocabulary import Role
from tests.bench.core import built, latencies, on_each_backend, row
from tests.factories import add_token

PAGE = 50
TIMES = 21  # calls per figure (the median is printed)
WHO = Principal(user_id=None, roles=frozenset({Role.TECHNICIAN}))

# The raw selects of each search: which items (by the same indexes, knowing the tree's depth
# and the data's shape; no visibility, no details), counted, and a page of their barcodes.
_FREEZER = """i.container_id IN (
        SELECT b.id FROM storage_units b JOIN storage_units r ON r.id = b.parent_id
        WHERE r.parent_id = :freezer)
    AND i.status = 'available'"""
_MONTH = """i.lot_id IN (
        SELECT l.id FROM lots l JOIN materials m ON m.id = l.material_id
        WHERE m.collection_id = (SELECT id FROM collections WHERE code = :collection)
          AND l.preserved_on BETWEEN :first AND :last)"""
_TEXT = """i.id IN (
        SELECT id FROM items WHERE barcode = :code
        UNION ALL
        SELECT id FROM items WHERE lot_id IN (
            SELECT l.id FROM lots l JOIN materials m ON m.id = l.material_id
            WHERE lower(m.accession_number) LIKE :like OR lower(m.designation) LIKE :like
               OR m.designation_zh LIKE :like OR lower(m.taxon_name) LIKE :like
               OR m.taxon_name_zh LIKE :like
               OR EXISTS (SELECT 1 FROM identifiers x
                          WHERE x.material_id = m.id AND lower(x.value) LIKE :like)))"""


def raw_page(where: str, direction: str = "ASC") -> str:
    return (
        f"SELECT i.barcode FROM items i WHERE {where} "
        f"ORDER BY i.barcode {direction} LIMIT :limit OFFSET :offset"
    )


def raw_count(where: str) -> str:
    return f"SELECT count(*) FROM items i WHERE {where}"


def vary_statuses(engine: Engine) -> None:
    """One item in twenty reserved, one in a hundred missing (out of its box); then the
    database as a running one keeps it: PostgreSQL vacuumed (as autovacuum would have), both
    analysed."""
    with engine.begin() as connection:
        connection.execute(update(Item).where(Item.id % 20 == 0).values(status="reserved"))
        connection.execute(
            update(Item)
            .where(Item.id % 100 == 1)
            .values(status="missing", container_id=None, row=None, col=None)
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        vacuum = "VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"
        connection.execute(text(vacuum))


def searches(engine: Engine) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(what, query string, the raw selects' condition, its parameters) of each search
    measured; `page=last`
    stands for the search's last page."""
    with engine.connect() as connection:
        freezer_id, freezer = connection.execute(
            select(StorageUnit.id, StorageUnit.barcode).where(StorageUnit.name == "F001")
        ).one()
    return [
        (
            "a freezer, available",
            f"container={freezer}&status=available",
            _FREEZER,
            {"freezer": freezer_id},
        ),
        (
            "a collection, one month",
            "collection=B2&preserved_from=2021-02-01&preserved_to=2021-02-28",
            _MONTH,
            {"collection": "B2", "first": date(2021, 2, 1), "last": date(2021, 2, 28)},
        ),
        (
            "text in 100 accessions",
            "q=B1-000012",
            _TEXT,
            {"code": "B1000012", "like": "%b1-000012%"},
        ),
        (
            "a freezer, by -barcode, last page",
            f"container={freezer}&status=available&sort=-barcode&page=last",
            _FREEZER,
            {"freezer": freezer_id},
        ),
    ]


def measure(engine: Engine, url: str) -> list[tuple[str, int, float, float, float]]:
    """For each search: (what, items matched, median seconds of its page through the service,
    through the API, and of the raw select)."""
    factory = session_factory(engine)
    with unit_of_work(factory) as db:
        accounts.register_user(db, "bench@example.org", "Bench", roles=[(Role.TECHNICIAN, None)])
    with unit_of_work(factory) as db:
        token = add_token(db, "bench@example.org", 1).secret
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "b" * 48})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    figures = []
    for what, query, raw, parameters in searches(engine):
        search = ItemSearchQuery().load_or_fail(
            {
                name: values
                if isinstance(ItemSearchQuery._declared_fields[name], List)
                else values[0]
                for name, values in parse_qs(query.replace("&page=last", "")).items()
            }
        )
        with unit_of_work(factory, write=False) as db:
            matching = item_search.matching(db, WHO, search).subquery()
            total = db.scalar(select(func.count()).select_from(matching)) or 0
        page = max(1, -(-total // PAGE)) if "page=last" in query else 1
        offset = (page - 1) * PAGE

        def service(_: str, search: ItemSearch = search, offset: int = offset) -> list[str]:
            with unit_of_work(factory, write=False) as db:
                found, _ = item_search.search_items(db, WHO, search, limit=PAGE, offset=offset)
                return [f.barcode for f in found]

        def api(path: str) -> list[str]:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.json
            return [r["barcode"] for r in response.json]

        path = f"/api/v1/items?{query.replace('page=last', f'page={page}')}&page_size={PAGE}"
        with engine.connect() as connection:
            direction = "DESC" if "sort=-barcode" in query else "ASC"
            page_of = text(raw_page(raw, direction)).bindparams(
                **parameters, limit=PAGE, offset=offset
            )
            count_of = text(raw_count(raw)).bindparams(**parameters)

            def baseline(_: str, page_of: Any = page_of, count_of: Any = count_of) -> list[str]:
                connection.scalar(count_of)
                return list(connection.scalars(page_of))

            if not service("") == api(path) == baseline("") != []:
                raise SystemExit(f"{what}: the service, the API and the raw select differ")
            raw_s = latencies(baseline, [path] * TIMES)
        service_s = latencies(service, [path] * TIMES)
        figures.append((what, total, service_s, latencies(api, [path] * TIMES), raw_s))
    app.extensions["biorepo.engine"].dispose()
    return figures


def run(backend: str, url: str, n_items: int, postgres: bool) -> None:
    engine, url, _ = built(
        backend, url, "bench_search" if postgres else None, n_items, vary_statuses
    )
    for what, total, service_s, api_s, raw_s in measure(engine, url):
        row(
            backend,
            f"items: {what} ({total:,}), service",
            f"{service_s * 1e3:.1f} ms",
            f"{raw_s * 1e3:.2f} ms",
            service_s / raw_s,
            "target < 100 ms",
        )
        row(
            backend,
            f"items: {what} ({total:,}), API",
            f"{api_s * 1e3:.1f} ms",
            f"{raw_s * 1e3:.2f} ms",
            api_s / raw_s,
            "target < 100 ms",
        )
    engine.dispose()


def main() -> None:
    on_each_backend(run, "search.db")


if __name__ == "__main__":
    main()
