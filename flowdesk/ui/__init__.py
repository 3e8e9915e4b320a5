"""FlowDesk's Qt layer (see ``docs/architecture.md``).

Loading it loads PySide6, which from then on checks every module imported in the process for its
``__feature__`` switch (PYSIDE-2029): does the module's source hold the word "PySide6"? PySide6 reads the
source through ``inspect.getsource`` (linecache, the encoding cookie, the lines split and joined again):
on the way to the window's first paint that is ~85 modules and 7-10 ms. Reading the file's bytes gives
the same answer in ~2 ms, so :func:`lighter_feature_check` puts that read in place of PySide6's for a
module with a ``.py`` source file; any other module (built in, or from the bundle's archive) keeps
PySide6's own check. FlowDesk never imports ``__feature__``: the answers only keep PySide6's bookkeeping.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import PySide6.QtCore  # noqa: F401  # loads shibokensupport.feature, whose check is replaced below


def lighter_feature_check(feature: Any = None) -> bool:
    """Replace PySide6's per-import source check (``_mod_uses_pyside``) with a read of the file's bytes.
    Returns whether the check is FlowDesk's now (False: this PySide6 has no such check)."""
    feature = sys.modules.get("shibokensupport.feature") if feature is None else feature
    check = getattr(feature, "_mod_uses_pyside", None)
    if not callable(check):
        return False
    if getattr(check, "reads_bytes", False):
        return True

    def uses_pyside(module: ModuleType) -> bool:
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.endswith(".py"):
            try:
                with open(file, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return bool(check(module))

    uses_pyside.reads_bytes = True  # type: ignore[attr-defined]
    uses_pyside.pyside_check = check  # type: ignore[attr-defined]  # PySide6's own (the tests compare)
    feature._mod_uses_pyside = uses_pyside
    return True


lighter_feature_check()
