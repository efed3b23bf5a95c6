"""Where vendors may be named: only the adapters, the sandbox and the configuration.

Everything else reaches a vendor through the table of sources
(:mod:`opsaudit.sources.table`), so adding one is an adapter and a line there. And the
pure core (the checks, the engine) loads neither SQLAlchemy nor a vendor client.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from opsaudit.config import Config
from opsaudit.secrets import TOKENS
from opsaudit.sources.table import SOURCE_NAMES, STEPS, providers

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "opsaudit"
VENDOR_WORDS = ("pagerduty", "slack", "github", "pdpyras", "slack_sdk")
ALLOWED = (PACKAGE / "sources", PACKAGE / "sandbox", PACKAGE / "config.py")
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def _modules() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))
    yield from sorted((ROOT / "flows").rglob("*.py"))


def _package_of(path: Path) -> list[str]:
    """The dotted package a module file is in (what a relative import starts from)."""
    if path.is_relative_to(PACKAGE):
        return ["opsaudit", *path.relative_to(PACKAGE).parent.parts]
    return []


def _is_module(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] != "opsaudit":
        return False
    target = PACKAGE.joinpath(*parts[1:])
    return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()


def imported(path: Path, text: str | None = None) -> Iterator[str]:
    """Every module path ``path`` (or ``text`` as if it were there) imports, at any depth
    (lazy imports included), relative imports resolved, ``from a import b`` also as
    ``a.b``."""
    source = path.read_text(encoding="utf-8") if text is None else text
    tree = ast.parse(source, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package_of(path)
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            # ``from opsaudit.sources import slack`` imports a module; ``from x import
            # slack_plain`` a function, whose name is no module path
            yield from (f"{base}.{a.name}" for a in node.names if _is_module(f"{base}.{a.name}"))


def test_import_scan_sees_relative_and_lazy_imports() -> None:
    text = "def f():\n    from ..sources import slack\n    import github.Issue\n"
    found = set(imported(PACKAGE / "checks" / "sample.py", text))
    assert {"opsaudit.sources.slack", "github.Issue"} <= found


def test_only_adapters_sandbox_and_config_import_a_vendor() -> None:
    offending = []
    excused = set()
    for path in _modules():
        if any(path == allowed or path.is_relative_to(allowed) for allowed in ALLOWED):
            continue
        where = str(path.relative_to(PACKAGE if path.is_relative_to(PACKAGE) else ROOT))
        for module in imported(path):
            if any(word in module.lower() for word in VENDOR_WORDS):
                if (where, module) in KNOWN_EXCEPTIONS:
                    excused.add((where, module))
                else:
                    offending.append(f"{where}: {module}")
    assert offending == []
    assert excused == KNOWN_EXCEPTIONS  # an exception no longer needed goes from the list


def test_the_pure_core_loads_no_sql_and_no_vendor_client() -> None:
    code = (
        "import sys\n"
        "import opsaudit.checks.catalogue, opsaudit.engine\n"
        "import opsaudit.snapshot, opsaudit.sources.table\n"
        "opsaudit.checks.catalogue.catalogue()  # every check module loaded\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'alembic', 'pagerduty', 'slack_sdk', 'github'})\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == ""


def test_the_table_drives_capabilities_tokens_steps_and_config() -> None:
    assert SOURCE_NAMES == ("pagerduty", "slack", "github")
    assert providers() == {
        "incidents": "pagerduty",
        "chat": "slack",
        "documents": "github",
        "tracker": "github",
    }
    # interface.md fixes these names
    assert [(t.source, t.env, t.block) for t in TOKENS] == [
        ("pagerduty", "PAGERDUTY_API_TOKEN", "pagerduty-api-token"),
        ("slack", "SLACK_BOT_TOKEN", "slack-bot-token"),
        ("github", "GITHUB_TOKEN", "github-token"),
    ]
    assert [step for _, step in STEPS] == ["pagerduty", "github", "pagerduty-named", "slack"]
    assert tuple(type(Config().sources).model_fields) == SOURCE_NAMES
