"""The HTTP output schemas of the API, one module per domain area."""
