"""Fixtures shared by end-to-end tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.pg_server import PostgresUnavailable, throwaway_postgres


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server from the machine's binaries; skips, saying why, when there are none."""
    pytest.importorskip("psycopg", reason="psycopg (PostgreSQL driver) is not installed")
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres())
        except PostgresUnavailable as exc:
            pytest.skip(str(exc))
        yield url
