"""Schema migrations (Alembic) run from code: upgrade, and compare models with migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

import migrations

from .models import Base

SCRIPTS = Path(migrations.__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def drift(connection) -> list:
    """Differences between the models and the migrated schema (empty when they agree); an
    object the models make on another database only (`ddl_if`) is not missing here."""
    dialect = connection.dialect.name

    def include_object(item: Any, name: str | None, type_: str, reflected: bool, *_: Any) -> bool:
        only = getattr(item, "_ddl_if", None)
        return reflected or only is None or only.dialect in (None, dialect)

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return compare_metadata(context, Base.metadata)
