"""``bundling/icudata.py``: the bundle's smaller ICU data library, built from the wheel's own and checked
without building the bundle (``test_bundle.py`` then proves the frozen app with it).

* the package parser/writer round-trips the wheel's data byte for byte, and the cut keeps what it says;
* the trimmed library loads (ctypes) and exports the same symbol; Debian's ``icupkg`` (when installed)
  reads the cut package and finds no item whose dependency was cut;
* Qt in a child process, loading the trimmed library instead of the wheel's, answers the self-check's
  text checks (collation, case mapping, zone names) as with the full data; with collation and zone data cut
  too, the same checks name what broke (so they can fail);
* the build refuses a binary that calls an ICU function whose data is cut.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bundling import icudata
from tests.conftest import REPO, require

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: PySide6's Linux wheels carry ICU")


def _wheel_icu() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    require(bool(found), "PySide6's libicudata (the Linux wheel)")
    return found[0]


@pytest.fixture(scope="module")
def original() -> Path:
    return _wheel_icu()


@pytest.fixture(scope="module")
def trimmed(original: Path, tmp_path_factory: pytest.TempPathFactory) -> icudata.Trimmed:
    require(icudata.icu_tools_present(), "binutils (as, ld, objdump)")
    return icudata.trim_library(original, tmp_path_factory.mktemp("icu"))


def _package(library: Path) -> icudata.Package:
    raw = library.read_bytes()
    offset, size = icudata.find_symbol(raw, icudata.data_symbol(library))
    return icudata.Package.parse(raw[offset : offset + size])


def test_the_package_round_trips_byte_for_byte(original: Path):
    raw = original.read_bytes()
    offset, size = icudata.find_symbol(raw, icudata.data_symbol(original))
    package = icudata.Package.parse(raw[offset : offset + size])
    assert len(package.items) > 3000
    assert package.to_bytes() == raw[offset : offset + size]


@pytest.mark.parametrize(
    ("item", "kept"),
    [
        ("root.res", True), ("en.res", True), ("en_GB.res", True), ("pool.res", True), ("res_index.res", True),
        ("de.res", False), ("zh_Hant_TW.res", False), ("supplementalData.res", True), ("metaZones.res", True),
        ("zoneinfo64.res", True), ("coll/ucadata.icu", True), ("coll/root.res", True), ("coll/en_US_POSIX.res", True),
        ("coll/de.res", False), ("coll/de__PHONEBOOK.res", False), ("zone/en.res", True), ("zone/fr.res", False),
        ("zone/tzdbNames.res", True), ("curr/supplementalData.res", True), ("unit/ja.res", False),
        ("brkitr/word.brk", False), ("brkitr/cjdict.dict", False), ("translit/root.res", False),
        ("ibm-943_P15A-2003.cnv", False), ("cnvalias.icu", True), ("nfkc.nrm", True), ("uts46.nrm", True),
        ("unames.icu", True), ("rfc3491.spp", False), ("confusables.cfu", False),
    ],
)  # fmt: skip
def test_what_stays(item: str, kept: bool):
    assert icudata.keep(item) is kept


def test_the_trimmed_library_loads_and_exports_the_data(original: Path, trimmed: icudata.Trimmed):
    assert trimmed.library.name == original.name
    assert trimmed.after < 5 * 2**20 < 30 * 2**20 < trimmed.before, (trimmed.before, trimmed.after)
    lib = ctypes.CDLL(str(trimmed.library), mode=os.RTLD_LOCAL)
    symbol = icudata.data_symbol(original)
    data = ctypes.c_char.in_dll(lib, symbol)
    assert ctypes.string_at(ctypes.addressof(data), 16)[2:4] == b"\xda\x27"  # the package header's magic
    soname = subprocess.run(["objdump", "-p", str(trimmed.library)], capture_output=True, text=True).stdout
    assert f"SONAME               {original.name}" in soname
    package = _package(trimmed.library)
    assert package.names() == [n for n in _package(original).names() if icudata.keep(n)]
    assert len(package.items) == trimmed.items_after


def test_a_second_build_uses_the_cache(original: Path, trimmed: icudata.Trimmed):
    before = trimmed.library.stat().st_mtime_ns
    again = icudata.trim_library(original, trimmed.library.parent.parent)
    assert again.library == trimmed.library and again.library.stat().st_mtime_ns == before


def test_icupkg_finds_every_dependency_of_what_stays(trimmed: icudata.Trimmed, tmp_path: Path):
    icupkg = shutil.which("icupkg") or shutil.which("icupkg", path="/usr/sbin")
    require(icupkg is not None, "icupkg (apt: icu-devtools), an independent reader of ICU data packages")
    assert icupkg is not None
    package = _package(trimmed.library)
    dat = tmp_path / (package.prefix.rstrip("/") + ".dat")  # icupkg takes the items' prefix from the name
    dat.write_bytes(package.to_bytes())
    done = subprocess.run([icupkg, "-l", str(dat)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == package.names()
    assert "missing" not in done.stderr, done.stderr  # "Item coll/de_.res depends on missing item coll/de.res"


PROBE = """
import json
from PySide6.QtCore import QCoreApplication
from flowdesk.ui import selfcheck_qt
app = QCoreApplication([])
maps = {line.split()[-1] for line in open("/proc/self/maps", encoding="utf-8") if "libicudata" in line}
print(json.dumps({"loaded": sorted(maps), "text": selfcheck_qt.text_checks()}))
"""


def _qt_with(library_dir: Path) -> dict:
    """The self-check's text checks in a child whose Qt loads ICU's data from ``library_dir`` (the dynamic
    loader takes LD_LIBRARY_PATH before the wheel's RUNPATH)."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(library_dir), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_qt_answers_the_text_checks_with_the_trimmed_data(trimmed: icudata.Trimmed):
    report = _qt_with(trimmed.library.parent)
    assert report["loaded"] == [str(trimmed.library)]
    assert report["text"]["ok"] is True, report["text"]


def test_the_text_checks_name_what_a_deeper_cut_breaks(original: Path, tmp_path: Path):
    require(icudata.icu_tools_present(), "binutils (as, ld, objdump)")

    def too_deep(item: str) -> bool:  # no collation and no zone names
        return icudata.keep(item) and not item.startswith(("coll/", "zone/", "metaZones"))

    cut = icudata.trim_library(original, tmp_path, wanted=too_deep)
    report = _qt_with(cut.library.parent)
    assert report["loaded"] == [str(cut.library)]
    text = report["text"]
    assert text["ok"] is False
    assert text["collation"]["ok"] is False and text["time_zone_name"]["ok"] is False, text
    assert text["case_mapping"]["ok"] is True and text["word_boundaries"]["ok"] is True  # code, not data


def _library_calling(tmp_path: Path, function: str, icu_dir: Path, version: str) -> Path:
    """A shared library that links libicuuc.so.NN and refers to ``function`` (an undefined import)."""
    src, obj, lib = tmp_path / "user.s", tmp_path / "user.o", tmp_path / "libuser.so"
    src.write_text(f"    .data\n    .globl ref\nref:\n    .quad {function}\n", encoding="utf-8")
    subprocess.run(["as", "-o", str(obj), str(src)], check=True)
    subprocess.run(
        ["ld", "-shared", "-o", str(lib), str(obj), "-L", str(icu_dir), f"-l:libicuuc.so.{version}"], check=True
    )
    return lib


def test_the_build_refuses_a_binary_calling_icu_functions_whose_data_is_cut(original: Path, tmp_path: Path):
    require(icudata.icu_tools_present(), "binutils (as, ld, objdump)")
    version = original.name.rsplit(".", 1)[1]
    qt_core = original.parent / "libQt6Core.so.6"
    icudata.check_icu_imports([qt_core, original.parent / f"libicuuc.so.{version}"], version)  # today's Qt: fine
    breaks_words = _library_calling(tmp_path, f"ubrk_open_{version}", original.parent, version)
    with pytest.raises(SystemExit, match=f"libuser.so: ubrk_open_{version}"):
        icudata.check_icu_imports([qt_core, breaks_words], version)
