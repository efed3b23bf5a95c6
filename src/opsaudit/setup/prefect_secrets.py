"""``opsaudit sandbox secrets``: the Prefect Secret blocks the flows read tokens from
(:mod:`opsaudit.secrets`), created from an env file or the environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from opsaudit.config import ConfigError
from opsaudit.secrets import TOKENS, Redactor
from opsaudit.setup.envfile import read_env_file
from opsaudit.sync import short_line


def save_secret_blocks(*, env_file: Path | None, say: Callable[[str], None] = print) -> list[str]:
    """Create or overwrite the Secret block of each token found in ``env_file`` (else in
    the environment); the names of the blocks saved. Token values are never said."""
    api_url = _prefect_api_url()
    values: Mapping[str, str] = read_env_file(env_file) if env_file else os.environ
    where = str(env_file) if env_file else "the environment"
    found = {spec: values.get(spec.env, "").strip() for spec in TOKENS}
    if not any(found.values()):
        names = ", ".join(spec.env for spec in TOKENS)
        raise ConfigError(f"{where}: none of {names} is set; no Secret block to create")
    from prefect.blocks.system import Secret
    from pydantic import SecretStr

    saved: list[str] = []
    for spec, token in found.items():
        if not token:
            say(f"skipped {spec.block}: {spec.env} is not set in {where}")
            continue
        Redactor.register(token)
        try:
            Secret(value=SecretStr(token)).save(spec.block, overwrite=True)
        except Exception as exc:  # httpx's and Prefect's errors: the API is not usable
            reason = short_line(f"{type(exc).__name__}: {exc}")
            raise ConfigError(
                f"cannot save the Secret block {spec.block} at {api_url}: {reason}"
            ) from None
        say(f"saved the Secret block {spec.block} (from {spec.env})")
        saved.append(spec.block)
    return saved


def _prefect_api_url() -> str:
    """The Prefect API the blocks go to; none set is a :class:`ConfigError`: blocks
    saved to a temporary server would vanish with it."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise ConfigError(
            "no Prefect API: set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api once "
            "`prefect server start` runs, or your Prefect Cloud workspace's URL)"
        )
    return str(url)
