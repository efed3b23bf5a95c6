"""Loading the flow files of flows/ (deployed as files by Prefect, not as a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

FLOWS = Path(__file__).resolve().parents[1] / "flows"


def load_flow_module(name: str) -> ModuleType:
    """A module of flows/ by file name (flows/ is deployed as files, not a package)."""
    spec = importlib.util.spec_from_file_location(f"opsaudit_flows_{name}", FLOWS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' annotations through it
    spec.loader.exec_module(module)
    return module
