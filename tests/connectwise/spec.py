"""Checks against ConnectWise's published models (the JSON Schema files in ``tests/connectwise/schemas``).

A small validator for the part of JSON Schema those files use (``type``, ``properties``, ``required``,
``additionalProperties``, ``enum``, ``items``, ``$ref`` into ``$defs``, ``format`` date-time / uuid).
It is written here rather than taken from the ``jsonschema`` package: FlowDesk needs ~80 lines of it, in
tests only, and one dependency fewer to lock for Windows and macOS builds.

``problems(instance, model)`` lists what is wrong (empty: valid); ``assert_spec`` fails a test with all of
them. ``null_paths`` finds null values: real ConnectWise answers leave null properties out.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent / "schemas"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


@cache
def schema(model: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{model}.json").read_text(encoding="utf-8"))


def problems(instance: Any, model: str, *, partial: bool = False) -> list[str]:
    """What is wrong with ``instance`` as a ``model``; ``partial``: an answer to a request with ``fields``,
    which holds only the fields asked for (required ones may be missing)."""
    root = schema(model)
    out: list[str] = []
    _check(instance, root, root, model, out, partial)
    return out


def _check(value: Any, node: dict[str, Any], root: dict[str, Any], where: str, out: list[str], partial: bool) -> None:
    ref = node.get("$ref")
    if ref is not None:
        node = root["$defs"][ref.rsplit("/", 1)[-1]]
    if "enum" in node and value not in node["enum"]:
        out.append(f"{where}: {value!r} is not one of {node['enum']}")
        return
    kinds = node.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(TYPES[k](value) for k in kinds):
            out.append(f"{where}: {value!r} is not of type {'/'.join(kinds)}")
            return
    fmt = node.get("format")
    if isinstance(value, str) and fmt == "date-time" and not DATE_TIME.match(value):
        out.append(f"{where}: {value!r} is not a date-time")
    if isinstance(value, str) and fmt == "uuid" and not UUID.match(value):
        out.append(f"{where}: {value!r} is not a uuid")
    if isinstance(value, dict):
        props = node.get("properties", {})
        for name in [] if partial else node.get("required", []):
            if name not in value:
                out.append(f"{where}: required property {name!r} is missing")
        extra = node.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                _check(item, props[name], root, f"{where}.{name}", out, partial)
            elif extra is False:
                out.append(f"{where}: {name!r} is not a property of the spec's model")
            elif isinstance(extra, dict):
                _check(item, extra, root, f"{where}.{name}", out, partial)
    if isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            _check(item, node["items"], root, f"{where}[{i}]", out, partial)


def null_paths(value: Any, where: str = "$") -> list[str]:
    """Where ``value`` holds a null (ConnectWise leaves null properties out of its answers)."""
    if value is None:
        return [where]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in null_paths(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in null_paths(v, f"{where}[{i}]")]
    return []


def assert_spec(instance: Any, model: str, *, answer: bool = True, partial: bool = False) -> None:
    """``instance`` is a valid ``model``; as an ``answer`` (what ConnectWise sends) it also holds no nulls —
    except the error envelope's ``errors``, which real servers send as null."""
    found = problems(instance, model, partial=partial)
    if answer:
        nulls = null_paths(instance, model)
        if model == "ErrorResponseMessage":
            nulls = [p for p in nulls if p != f"{model}.errors"]
        found += [f"{p}: null (ConnectWise leaves null properties out)" for p in nulls]
    assert not found, "\n".join(found)
