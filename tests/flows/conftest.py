"""Flow tests run against Prefect's test harness: a temporary local API, started once."""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def prefect_backend() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # the heartbeat thread adds about a second to every flow call (notes/prefect.md)
    with (
        prefect_test_harness(server_startup_timeout=90),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield
    # Prefect logs "Stopping temporary server" at exit, after pytest closed its streams
    logging.raiseExceptions = False


@pytest.fixture(autouse=True)
def _collect_prefect_sockets() -> Iterator[None]:
    """Prefect's API client leaves keep-alive sockets for the garbage collector; collect
    them here, where they come from, rather than as a ResourceWarning in a later test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
