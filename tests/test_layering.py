"""The Qt-free core: nothing outside flowdesk/ui imports PySide6 (statically or at import time)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import flowdesk

PKG = Path(flowdesk.__file__).parent
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2")


def _non_ui_files():
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(PKG)
        if rel.parts[0] == "ui":
            continue
        yield f


def _qt_imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__"):
            names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        else:
            continue
        for n in names:
            if n.split(".")[0] in QT_MODULES:
                yield node.lineno, n


def test_no_qt_import_outside_ui_statically():
    offenders = []
    for f in _non_ui_files():
        for lineno, name in _qt_imports(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            offenders.append(f"{f.relative_to(PKG.parent)}:{lineno} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_detector_catches_an_import():
    assert list(_qt_imports(ast.parse("from PySide6.QtCore import QObject")))
    assert list(_qt_imports(ast.parse("import importlib; importlib.import_module('PySide6.QtWidgets')")))


def test_importing_every_non_ui_module_loads_no_qt():
    modules = []
    for f in _non_ui_files():
        rel = f.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] == "__main__":
            continue
        modules.append(".".join(parts))
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(json.dumps(sorted(k for k in sys.modules if k.split('.')[0] in {QT_MODULES!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
