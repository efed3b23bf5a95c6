"""Flow tests run against Prefect's test harness: a temporary local API, started once."""

from __future__ import annotations

import gc
import importlib.util
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

FLOWS = Path(__file__).resolve().parents[2] / "flows"


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


@pytest.fixture(autouse=True)
def _collect_prefect_sockets() -> Iterator[None]:
    """Prefect's API client leaves keep-alive sockets for the garbage collector; collect
    them here, where they come from, rather than as a ResourceWarning in a later test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def load_flow_module(name: str) -> ModuleType:
    """A module of flows/ by file name (flows/ is deployed as files, not a package)."""
    spec = importlib.util.spec_from_file_location(f"opsaudit_flows_{name}", FLOWS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' annotations through it
    spec.loader.exec_module(module)
    return module
