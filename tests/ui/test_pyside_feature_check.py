"""PySide6's per-import source check, read as bytes once FlowDesk's Qt layer loads (``flowdesk/ui/__init__.py``).

PySide6 asks of every module imported after it whether its source holds "PySide6" (its ``__feature__``
switch). FlowDesk's check must give PySide6's own answer for every module, and be the one in use."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

import flowdesk.ui
from flowdesk.ui import lighter_feature_check


def _feature() -> Any:
    feature = sys.modules.get("shibokensupport.feature")
    assert feature is not None, "PySide6 loads shibokensupport.feature: without it, drop flowdesk.ui's shim"
    return feature


def test_the_check_in_use_is_flowdesks_after_the_qt_layer_loads() -> None:
    check = _feature()._mod_uses_pyside
    assert getattr(check, "reads_bytes", False), "PySide6's source check is not replaced"
    assert lighter_feature_check() is True  # again: already in place, not wrapped twice
    assert _feature()._mod_uses_pyside is check


def _module(path: Path, name: str) -> ModuleType:
    module = ModuleType(name)
    module.__file__ = str(path)
    return module


@pytest.mark.parametrize(
    ("source", "encoding"),
    [
        ("from PySide6.QtCore import QObject\n", "utf-8"),
        ("import json  # no Qt here\n", "utf-8"),
        ("# -*- coding: latin-1 -*-\n# café PySide6\nx = 1\n", "latin-1"),  # an encoding cookie
        ("s = 'PySide6 ✓'\n", "utf-8"),
        ("'''PySide\n6'''\n", "utf-8"),  # the word broken by a line break is not the word
        ("", "utf-8"),
    ],
)
def test_the_answer_is_pysides_own(tmp_path: Path, source: str, encoding: str) -> None:
    path = tmp_path / "some_module.py"
    path.write_bytes(source.encode(encoding))
    check = _feature()._mod_uses_pyside
    module = _module(path, "some_module")
    assert check(module) is check.pyside_check(module) is ("PySide6" in source)


def test_modules_without_a_source_file_get_pysides_answer(tmp_path: Path) -> None:
    check = _feature()._mod_uses_pyside
    gone = _module(tmp_path / "gone.py", "gone")  # its file was removed after the import
    compiled = _module(tmp_path / "cached.pyc", "cached")  # the bundle's archive: no .py beside it
    for module in (sys, gone, compiled, flowdesk.ui, sys.modules["flowdesk.core"]):
        assert check(module) == check.pyside_check(module)
    assert check(sys) is False and check(gone) is False


def test_pyside_records_what_the_check_answers_for_a_new_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fd_check_qt.py").write_text("from PySide6.QtCore import QObject  # noqa\n", encoding="utf-8")
    (tmp_path / "fd_check_plain.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    feature = _feature()
    seen: list[str] = []
    check = feature._mod_uses_pyside
    monkeypatch.setattr(feature, "_mod_uses_pyside", lambda m: seen.append(m.__name__) or check(m))
    try:
        __import__("fd_check_qt")  # through PySide6's __import__, as an import statement
        __import__("fd_check_plain")
        assert {"fd_check_qt", "fd_check_plain"} <= set(seen)  # (and what fd_check_qt imports)
        assert feature.pyside_feature_dict["fd_check_qt"] == 0  # uses PySide6: "no feature"
        assert feature.pyside_feature_dict["fd_check_plain"] == -1  # ignored
    finally:
        for name in ("fd_check_qt", "fd_check_plain"):
            sys.modules.pop(name, None)
            feature.pyside_feature_dict.pop(name, None)


def test_a_pyside6_without_the_check_is_left_alone() -> None:
    assert lighter_feature_check(SimpleNamespace()) is False
    odd = SimpleNamespace(_mod_uses_pyside="not a function")
    assert lighter_feature_check(odd) is False and odd._mod_uses_pyside == "not a function"
