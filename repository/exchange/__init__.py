"""Bulk registration and the exchange standards: tables, MCPD, Darwin Core, MIABIS, MIRRI,
sequences and Cellosaurus."""
