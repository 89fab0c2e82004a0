"""Which API paths each authorization matrix covers: the exchange and sharing modules cover
theirs, test_api.py the rest."""

EXCHANGE_PREFIXES = ("/api/v1/exchange",)
SHARING_PREFIXES = ("/api/v1/requests", "/api/v1/agreements", "/api/v1/statistics")
