"""Attacks on the real app: the API tests' world (a user per role, materials of each access
level, a box of vials, a donor) is available here too."""

from tests.integration.conftest import pytest_generate_tests, world

__all__ = ["pytest_generate_tests", "world"]
