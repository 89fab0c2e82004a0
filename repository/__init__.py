"""The domain of a biological resource library: models, services, schemas and exchange formats."""
