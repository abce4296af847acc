"""Stage configs from a TOML file and from the few command-line flags users ask for; the defaults as TOML.

A file has one table per stage config of ``dedup.config.Config`` (``[normalize]``,
``[signature]``, ``[candidates]``, ``[verify]``, ``[label]``), each key a field of
that stage's dataclass, documented there. Keys left out keep their defaults;
an unknown table or key is refused with the list of valid ones, so that a typo
never passes for a setting.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from typing import Any

from dedup.config import Config
from dedup.errors import InputError

# The flags of ``dedup cluster`` and ``dedup compare``: (stage, key) each one sets.
FLAGS = {
    "link_threshold": ("verify", "syndication_containment"),
    "shingle_size": ("signature", "doc_shingle"),
    "permutations": ("signature", "num_perm"),
}


def stages(config: Config) -> dict[str, Any]:
    """The stage configs of ``config`` by table name."""
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}


def load_config(path: str, base: Config = Config()) -> Config:
    """``base`` with the settings of the TOML file at ``path``."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise InputError(path, f"not valid TOML: {err}") from None
    except OSError as err:
        raise InputError(path, f"cannot read config: {(err.strerror or str(err)).lower()}") from None
    return with_settings(base, data, path)


def with_settings(base: Config, data: Mapping[str, Any], where: str) -> Config:
    """``base`` with ``data`` ({table: {key: value}}) applied; bad tables, keys and values are InputErrors."""
    current = stages(base)
    changed = {}
    for name, table in data.items():
        if name not in current:
            raise InputError(where, f"unknown table [{name}]; valid tables: {', '.join(current)}")
        if not isinstance(table, Mapping):
            raise InputError(where, f"{name!r} must be a table ([{name}]) of that stage's keys")
        stage = current[name]
        valid = [f.name for f in dataclasses.fields(stage)]
        for key, value in table.items():
            if key not in valid:
                raise InputError(where, f"[{name}] has no key {key!r}; valid keys: {', '.join(valid)}")
        changed[name] = dataclasses.replace(
            stage, **{key: _checked(value, getattr(stage, key), f"[{name}] {key}", where) for key, value in table.items()}
        )
    return dataclasses.replace(base, **changed)


def with_flags(base: Config, **flags: Any) -> Config:
    """``base`` with the flags of ``FLAGS`` that were given (not None)."""
    settings: dict[str, dict[str, Any]] = {}
    for flag, value in flags.items():
        if value is not None:
            stage, key = FLAGS[flag]
            settings.setdefault(stage, {})[key] = value
    return with_settings(base, settings, "command line")


def _checked(value: Any, default: Any, name: str, where: str) -> Any:
    """``value`` as the type of the default it replaces (an int for an int, a number for a float)."""
    if isinstance(default, bool) or isinstance(value, bool):
        if isinstance(default, bool) and isinstance(value, bool):
            return value
    elif isinstance(default, int) and isinstance(value, int):
        return value
    elif isinstance(default, float) and isinstance(value, (int, float)):
        return float(value)
    raise InputError(where, f"{name} must be {type(default).__name__} like its default {default!r}, got {value!r}")


def config_toml(config: Config = Config()) -> str:
    """``config`` as a TOML file that ``load_config`` reads back, each table headed by what its stage does."""
    lines = ["# dedup's stage settings; each key is documented in dedup/config.py. Use: dedup cluster --config FILE"]
    for name, stage in stages(config).items():
        summary = (type(stage).__doc__ or "").strip().splitlines()[0]
        lines += ["", f"[{name}]  # {type(stage).__name__}: {summary}"]
        lines += [f"{f.name} = {_toml_value(getattr(stage, f.name))}" for f in dataclasses.fields(stage)]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    return repr(value)
