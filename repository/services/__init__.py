"""Use cases: each changes the database in the caller's transaction (services flush, never
commit), and writes its events and audit rows in that same transaction."""
