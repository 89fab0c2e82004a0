"""The migrated schema is exactly what the models describe."""

from repository.migrate import drift


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        assert drift(connection) == []
