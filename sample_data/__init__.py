"""Demo data files, loaded by `biorepo demo`."""
