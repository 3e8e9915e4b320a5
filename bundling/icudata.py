"""A smaller ``libicudata.so.NN`` for the Linux bundle: the wheel's own ICU data, cut to what Qt uses.

PySide6's Linux wheels ship ICU (``libicuuc``, ``libicui18n``, ``libicudata``), and ``libQt6Core`` links all
three, so none can be left out. ``libicudata`` is nothing but one exported symbol, ``icudtNN_dat``: ICU's
common data package (a table of contents and ~3,900 items: every locale's names, formats, collation
tailorings, break rules and dictionaries, ~190 legacy converter tables), 30.6 MiB for ICU 73.

Qt is the only ICU user in the bundle, and what it calls is known from its dynamic symbol table
(``objdump -T libQt6Core.so.6``): converters (``ucnv_*``, for codecs other than UTF-8/16/32 and Latin-1),
locale case mapping (``u_strToUpper``/``u_strToLower``), collation (``ucol_*``, QCollator) and time zones
(``ucal_*``: canonical IDs and display names). Nothing calls the break iterators (Qt finds text boundaries
with its own tables) or transliterators. :func:`check_icu_imports` turns that into a build check: an ICU
function outside :data:`ICU_CALLS_SERVED` fails the build, so a future Qt cannot start using data that was cut.

What goes (:func:`keep` says it per item):

* every locale but ``root``, ``en`` and ``en_*`` in each locale tree (names, formats, currencies, units,
  zone names, spell-out rules, collation tailorings). FlowDesk's UI is English; a user whose system locale is
  another gets ICU's fallback (root) for Qt's collation and zone names, and Qt's own CLDR tables (which are
  not ICU) for QLocale's number and date formats, so dates and numbers are unchanged;
* the converter tables (``*.cnv``): FlowDesk reads and writes UTF-8 only; UTF-8/16/32, Latin-1 and ASCII are
  algorithmic in ICU and need no table; the alias table (``cnvalias.icu``) stays, so names still resolve;
* break iterator rules and dictionaries (``brkitr/``, incl. the CJK/Thai/Lao/Khmer/Burmese dictionaries)
  and transliterators (``translit/``): not called (see above); Qt's word boundaries for double-click and
  Ctrl+arrow in text fields are Qt's own, so Chinese or Thai text behaves as before;
* StringPrep profiles (``*.spp``) and the confusables table (``confusables.cfu``): ``usprep``/``uspoof`` are
  not called (Qt's IDNA is its own).

Everything else stays: the Unicode property, name and normalisation data, time zone rules and metazones,
the root collation (``ucadata.icu``), likely subtags, plural and numbering data.

The package is rewritten here (its format is ICU's ``CmnD``: a header, a sorted table of name/offset pairs,
items aligned to 16 bytes), and wrapped in a shared library with the same SONAME exporting the same symbol,
assembled and linked by binutils (``as``, ``ld``: already needed by PyInstaller on Linux).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# Trees whose items are per-locale: "" is the top level (icudt73l/en.res), the rest are folders.
LOCALE_TREES = ("", "coll", "curr", "lang", "region", "unit", "zone", "rbnf")
KEPT_LOCALE = re.compile(r"(?:root|res_index|pool|en|en_[A-Za-z0-9_]+)\.res")
LOCALE_ITEM = re.compile(r"[a-z]{2,3}(?:_[A-Za-z0-9]*)*\.res")  # top level: ar_SA.res, not metaZones.res
DROPPED_TREES = ("brkitr", "translit")
DROPPED_SUFFIXES = (".cnv", ".spp", ".cfu")

# The ICU C API families the bundle's binaries may call: what the kept data serves (see the module text).
ICU_CALLS_SERVED = re.compile(r"(?:ucnv_\w+|UCNV_\w+|u_strTo(?:Upper|Lower)|ucal_\w+|ucol_\w+)_\d+")


def keep(item: str) -> bool:
    """Whether the package item ``item`` ("en.res", "coll/de.res", "ibm-943_P15A-2003.cnv") stays."""
    folder, _, name = item.rpartition("/")
    if folder in DROPPED_TREES or name.endswith(DROPPED_SUFFIXES):
        return False
    if folder in LOCALE_TREES and LOCALE_ITEM.fullmatch(name):
        return bool(KEPT_LOCALE.fullmatch(name))
    return True


# -- ELF: where the data symbol lives -------------------------------------------------------------------
def find_symbol(elf: bytes, symbol: str) -> tuple[int, int]:
    """(file offset, size) of a defined symbol in a 64-bit little-endian ELF file, from .symtab or .dynsym."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    wanted = symbol.encode()
    for _name, sh_type, _flags, _addr, off, size, link, _info, _align, entsize in sections:
        if sh_type not in (2, 11):  # SHT_SYMTAB, SHT_DYNSYM
            continue
        strtab_off = sections[link][4]
        for pos in range(off, off + size, entsize):
            st_name, _info, _other, st_shndx, st_value, st_size = struct.unpack_from("<IBBHQQ", elf, pos)
            end = elf.index(b"\0", strtab_off + st_name)
            if elf[strtab_off + st_name : end] == wanted and st_shndx != 0:
                sh_addr, sh_offset = sections[st_shndx][3:5]
                return sh_offset + (st_value - sh_addr), st_size
    raise ValueError(f"no symbol {symbol}")


def data_symbol(library: Path) -> str:
    """``libicudata.so.73`` -> ``icudt73_dat``."""
    m = re.fullmatch(r"libicudata\.so\.(\d+)", library.name)
    if not m:
        raise ValueError(f"{library.name} is not libicudata.so.NN")
    return f"icudt{m.group(1)}_dat"


# -- ICU's common data package (CmnD) --------------------------------------------------------------------
@dataclass(frozen=True)
class Package:
    header: bytes  # DataHeader + UDataInfo + copyright, as found
    items: list[tuple[str, bytes]]  # full names ("icudt73l/coll/en.res") in table order, padded bodies

    @classmethod
    def parse(cls, data: bytes) -> Package:
        header_size, magic = struct.unpack_from("<H2s", data, 0)
        if magic != b"\xda\x27" or data[12:16] != b"CmnD":
            raise ValueError("not an ICU common data package (CmnD)")
        count, = struct.unpack_from("<I", data, header_size)
        toc = [struct.unpack_from("<II", data, header_size + 4 + 8 * i) for i in range(count)]
        base = header_size
        items = []
        for i, (name_off, data_off) in enumerate(toc):
            end = toc[i + 1][1] if i + 1 < count else len(data) - base
            name = data[base + name_off : data.index(b"\0", base + name_off)].decode("ascii")
            items.append((name, data[base + data_off : base + end]))
        return cls(data[:header_size], items)

    @property
    def prefix(self) -> str:
        return self.items[0][0].split("/", 1)[0] + "/"

    def names(self) -> list[str]:
        """Item names without the package prefix, as ``icupkg -l`` lists them."""
        return [name.removeprefix(self.prefix) for name, _ in self.items]

    def filtered(self, wanted: Callable[[str], bool]) -> Package:
        return Package(self.header, [(n, b) for n, b in self.items if wanted(n.removeprefix(self.prefix))])

    def to_bytes(self) -> bytes:
        """The package as ICU reads it: names right after the table, items from the next 16-byte boundary."""
        count = len(self.items)
        names = b"".join(n.encode("ascii") + b"\0" for n, _ in self.items)
        names_at = 4 + 8 * count
        data_at = _align16(len(self.header) + names_at + len(names)) - len(self.header)
        toc, name_off, data_off = [], names_at, data_at
        for name, body in self.items:
            toc.append(struct.pack("<II", name_off, data_off))
            name_off += len(name) + 1
            data_off += _align16(len(body))
        out = bytearray(self.header + struct.pack("<I", count) + b"".join(toc) + names)
        out += PAD * (len(self.header) + data_at - len(out))
        for _, body in self.items:
            out += body + PAD * (_align16(len(body)) - len(body))
        return bytes(out)


PAD = b"\xaa"  # what ICU's pkgdata and icupkg fill the gaps with


def _align16(n: int) -> int:
    return (n + 15) & ~15


# -- the shared library ------------------------------------------------------------------------------------
ASSEMBLY = """\
    .section .rodata
    .balign 16
    .globl {symbol}
    .type {symbol}, %object
    .size {symbol}, {size}
{symbol}:
    .incbin "{dat}"
    .section .note.GNU-stack,"",%progbits
"""


def link_library(dat: Path, symbol: str, soname: str, out: Path) -> None:
    """A shared library named ``soname`` whose only export is ``symbol``: the bytes of ``dat``."""
    with tempfile.TemporaryDirectory() as tmp:
        src, obj = Path(tmp) / "icudata.s", Path(tmp) / "icudata.o"
        src.write_text(ASSEMBLY.format(symbol=symbol, size=dat.stat().st_size, dat=dat.resolve()), encoding="utf-8")
        for cmd in (
            ["as", "-o", str(obj), str(src)],
            ["ld", "-shared", "-soname", soname, "-z", "noexecstack", "--hash-style=gnu", "-o", str(out), str(obj)],
        ):
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{cmd[0]} failed building {soname}: {done.stderr.strip()}")


@dataclass(frozen=True)
class Trimmed:
    library: Path
    before: int  # bytes of the original library
    after: int
    items_before: int
    items_after: int


def trim_library(original: Path, cache: Path, wanted: Callable[[str], bool] = keep) -> Trimmed:
    """The trimmed copy of ``original`` (libicudata.so.NN), built once per original and per version of this
    module, under ``cache`` (``wanted``: another rule than :func:`keep`, for tests; give it its own cache)."""
    raw = original.read_bytes()
    key = hashlib.sha256(raw + Path(__file__).read_bytes()).hexdigest()[:16]
    folder = cache / key
    out = folder / original.name
    symbol = data_symbol(original)
    offset, size = find_symbol(raw, symbol)
    package = Package.parse(raw[offset : offset + size])
    kept = package.filtered(wanted)
    if not out.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        dat = folder / f"{package.prefix.rstrip('/')}.dat"
        dat.write_bytes(kept.to_bytes())
        partial = folder / (original.name + ".partial")
        link_library(dat, symbol, original.name, partial)
        partial.replace(out)
    return Trimmed(out, len(raw), out.stat().st_size, len(package.items), len(kept.items))


def check_icu_imports(binaries: Iterable[Path], version: str) -> None:
    """Fail if a binary that links ICU (other than ICU's own libraries) calls an ICU function whose data may
    have been cut, i.e. one outside :data:`ICU_CALLS_SERVED`. ``version``: ICU's major version ("73")."""
    unserved = []
    for path in binaries:
        if re.fullmatch(r"libicu\w+\.so\.\d+", path.name):
            continue
        out = subprocess.run(["objdump", "-p", "-T", str(path)], capture_output=True, text=True).stdout
        if not re.search(r"^\s*NEEDED\s+libicu", out, re.M):
            continue
        for line in out.splitlines():
            m = re.search(rf"\b(\w+_{version})$", line.strip())
            if m and "*UND*" in line and not ICU_CALLS_SERVED.fullmatch(m.group(1)):
                unserved.append(f"{path.name}: {m.group(1)}")
    if unserved:
        raise SystemExit(
            "These binaries call ICU functions whose data bundling/icudata.py cuts; review its rules:\n  "
            + "\n  ".join(sorted(set(unserved)))
        )


def icu_tools_present() -> bool:
    return all(shutil.which(tool) for tool in ("as", "ld", "objdump"))
