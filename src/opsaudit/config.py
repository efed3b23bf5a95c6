"""The configuration file (``opsaudit.yaml``), validated into typed settings.

Loaded at the entry point, never at import time. Every error is a :class:`ConfigError`
whose one-line message names the file, the key and, where known, the line.
Tokens never come from this file: see :mod:`opsaudit.secrets`.
"""

from __future__ import annotations

import os
import ssl
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    create_model,
    field_validator,
)

from opsaudit.policy import Policy, build_policy
from opsaudit.sources.protocol import SourceSection
from opsaudit.sources.table import SOURCES

DEFAULT_CONFIG_FILE = Path("opsaudit.yaml")
CONFIG_ENV = "OPSAUDIT_CONFIG"
DEFAULT_DATABASE_URL = "sqlite:///.opsaudit/opsaudit.db"


class ConfigError(Exception):
    """Bad usage or configuration: one clear line, exit status 2."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _SourcesBase(_Strict):
    """``sources``: one optional section per source of the table, by its name."""

    def section(self, name: str) -> SourceSection | None:
        """The section of source ``name``, or None when it is not configured."""
        value = getattr(self, name, None)
        return value if isinstance(value, SourceSection) else None

    def configured(self) -> list[str]:
        """The names of the configured sources, in the table's order."""
        return [s.name for s in SOURCES if self.section(s.name) is not None]

    def postmortem_folder(self) -> str | None:
        """The post-mortem folder of the configured documents source, if any."""
        for name in self.configured():
            section = self.section(name)
            folder = section.postmortem_folder() if section else None
            if folder is not None:
                return folder
        return None

    def audit_settings(self) -> dict[str, Any]:
        """What the checks' settings take from the configured sections."""
        merged: dict[str, Any] = {}
        for name in self.configured():
            section = self.section(name)
            merged |= section.audit_settings() if section else {}
        return merged


def _sources_model() -> type[_SourcesBase]:
    # one field per source of the table: adding a source adds its section here
    fields: dict[str, Any] = {s.name: (s.section | None, None) for s in SOURCES}
    return create_model("Sources", __base__=_SourcesBase, **fields)


if TYPE_CHECKING:
    Sources = _SourcesBase
else:
    Sources = _sources_model()


class Person(_Strict):
    pagerduty_id: str | None = None
    email: str | None = None


class People(_Strict):
    cto: Person | None = None


class ServiceInfo(_Strict):
    brand: str | None = None
    owner: Person | None = None


class Waiver(_Strict):
    rule: str
    subject: str
    reason: str
    approved_by: str
    expires: date


class Database(_Strict):
    url: str = DEFAULT_DATABASE_URL


class Digest(_Strict):
    channel: str = "ops-compliance"


class Report(_Strict):
    output_dir: Path = Path("reports")
    # where output_dir is served over HTTP(S): links to a report are <base_url>/<file name>
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$")

    def link(self, name: str) -> str | None:
        """The URL of the report file ``name`` where reports are served, if they are."""
        return f"{self.base_url.rstrip('/')}/{name}" if self.base_url else None


class Config(_Strict):
    database: Database = Database()
    sources: Sources = Sources()
    people: People = People()
    services: dict[str, ServiceInfo] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=build_policy)
    waivers: tuple[Waiver, ...] = ()
    digest: Digest = Digest()
    report: Report = Report()
    # the file it was read from, for errors found later (a database that does not answer)
    _file: Path | None = PrivateAttr(default=None)

    @property
    def file(self) -> Path | None:
        """The file this configuration was read from; None when it was built in code."""
        return self._file

    @field_validator("policy", mode="before")
    @classmethod
    def _merge_defaults(cls, value: object) -> object:
        if value is None or isinstance(value, dict):
            return build_policy(value)
        return value


def config_path(given: Path | str | None = None) -> Path:
    """Where the configuration is, the same way for the CLI, the flows and deployments:
    ``given`` (``--config``, a flow's ``config``), else ``$OPSAUDIT_CONFIG``, else
    ``opsaudit.yaml`` in the working directory."""
    if given is not None and str(given).strip():
        return Path(given)
    return Path(os.environ.get(CONFIG_ENV, "").strip() or DEFAULT_CONFIG_FILE)


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate the configuration file at :func:`config_path` of ``path``;
    relative ``ca_file`` paths are made relative to the file's folder."""
    given = path
    path = config_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found ({_looked(given)})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None
    return parse_config(text, source=path)


def _looked(given: Path | str | None) -> str:
    """How the file was chosen, for the not-found message."""
    if given is not None and str(given).strip():
        return "given by --config or the flow's config parameter"
    if os.environ.get(CONFIG_ENV, "").strip():
        return f"from {CONFIG_ENV}"
    return f"no --config and no {CONFIG_ENV}: looked in {Path.cwd()}"


def parse_config(text: str, *, source: Path) -> Config:
    """Validate YAML text as a configuration; errors name ``source``, the key and line."""
    try:
        root = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{source}{where}: {problem}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source=source, root=root)) from None
    resolved = _resolve_paths(config, base=source.parent)
    _check_ca_files(resolved, source=source, root=root)
    resolved._file = source
    return resolved


def _describe(exc: ValidationError, *, source: Path, root: yaml.Node | None) -> str:
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"] if not _is_internal(part)]
    key = ".".join(loc) or "(top level)"
    line = _line_of(root, loc)
    where = f"{source}:{line}" if line else str(source)
    message = error["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {key}: {message}{more}"


def _is_internal(part: object) -> bool:
    # pydantic adds union-member and validator names to locations: not keys the user wrote
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _line_of(node: yaml.Node | None, loc: list[str]) -> int | None:
    """The 1-based line of the deepest part of ``loc`` that exists in the YAML tree."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if str(k.value) == part), None)
            key_node = next((k for k, _ in node.value if str(k.value) == part), None)
            if key_node is None:
                break
            line, node = key_node.start_mark.line + 1, match
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _check_ca_files(config: Config, *, source: Path, root: yaml.Node | None) -> None:
    """Each ``ca_file`` exists and holds PEM certificates: said now, naming the key,
    rather than as every source failing later."""
    for name in config.sources.configured():
        section = config.sources.section(name)
        ca_file = section.ca_file if section is not None else None
        if ca_file is None:
            continue
        line = _line_of(root, ["sources", name, "ca_file"])
        where = f"{source}:{line}" if line else str(source)
        key = f"sources.{name}.ca_file"
        if not ca_file.is_file():
            raise ConfigError(f"{where}: {key}: {ca_file} does not exist or is not a file")
        try:
            ssl.create_default_context(cafile=str(ca_file))
        except (ssl.SSLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
            raise ConfigError(
                f"{where}: {key}: {ca_file} holds no usable PEM certificate ({reason})"
            ) from None


def _resolve_paths(config: Config, *, base: Path) -> Config:
    sources: dict[str, Any] = {}
    for name in config.sources.configured():
        section = config.sources.section(name)
        if (
            section is not None
            and section.ca_file is not None
            and not section.ca_file.is_absolute()
        ):
            section = section.model_copy(update={"ca_file": base / section.ca_file})
        sources[name] = section
    return config.model_copy(update={"sources": Sources(**sources)})
