"""``opsaudit --help`` starts quickly: the heavy libraries load only when a command runs
(issue 11, item 1). Checked by what is imported, not by a timing."""

from __future__ import annotations

import json
import subprocess
import sys

from opsaudit.cli import CONFIG_HELP
from opsaudit.config import CONFIG_ENV

HEAVY = ("pandas", "numpy", "sqlalchemy", "alembic", "markdown_it", "yaml", "prefect")

PROBE = """
import contextlib, io, json, sys
from opsaudit.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        main(["--help"])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "help": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_help_imports_none_of_the_heavy_libraries() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    found = json.loads(done.stdout)
    assert found["code"] == 0
    assert "audit" in found["help"]
    loaded = {name.split(".")[0] for name in found["modules"]}
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_the_help_names_the_configuration_variable() -> None:
    assert f"${CONFIG_ENV}" in CONFIG_HELP
