"""Write notebooks/dicomview/deid_profile.py: PS3.15 Table E.1-1's Basic Profile column.

The table comes from the pinned dicom-anonymizer (KitwareMedical, BSD-3-Clause), whose
maintainers scrape it from the standard's own HTML (Table E.1-1, column "Basic Prof.") into
one module per edition; this script copies the 2026c edition's module into a plain
dictionary, so that dicomview.deid needs pydicom only at run time. tests/test_deid.py
checks that the copy still equals the library's table.

Run from the repository root after changing the dicom-anonymizer pin or EDITION:

    .venv/bin/python tools/make_deid_profile.py
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
from pathlib import Path

EDITION = "2026c"
MODULE = f"dicomanonymizer.dicom_anonymization_databases.dicomfields_{EDITION}"
OUT = Path(__file__).resolve().parents[1] / "notebooks" / "dicomview" / "deid_profile.py"

# The library's list names and the action code each stands for in Table E.1-1.
CODES = {
    "D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U",
    "Z_D_TAGS": "Z/D", "X_Z_TAGS": "X/Z", "X_D_TAGS": "X/D",
    "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*",
}


def read_rows() -> tuple[list[tuple[int, str, str]], list[tuple[int, int, str, str]]]:
    """(tag, code, name) rows, and (tag, mask, code, name) rows for repeating groups."""
    module = importlib.import_module(MODULE)
    source = inspect.getsource(module)
    # Attribute names are only in the comments, after each tuple's closing parenthesis.
    lines = source.splitlines()
    names: dict[tuple[int, ...], str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
            comment = lines[node.end_lineno - 1].partition("#")[2].strip()
            names[tuple(e.value for e in node.elts)] = comment
    rows, masked = [], []
    for list_name, code in CODES.items():
        for tag in getattr(module, list_name):
            name = names[tuple(tag)]
            if len(tag) == 2:
                rows.append(((tag[0] << 16) | tag[1], code, name))
            else:  # (group, element, group mask, element mask): 50xx,xxxx and 60xx,yyyy
                group, element, group_mask, element_mask = tag
                masked.append(((group << 16) | element, (group_mask << 16) | element_mask,
                               code, name))
    tags = [row[0] for row in rows]
    assert len(tags) == len(set(tags)), "a tag is listed under two actions"
    return sorted(rows), sorted(masked)


def render() -> str:
    rows, masked = read_rows()
    version = importlib.metadata.version("dicom-anonymizer")
    lines = [
        '"""PS3.15 Table E.1-1: the Basic Application Level Confidentiality Profile\'s action',
        "for each attribute (column \"Basic Prof.\"), generated: do not edit by hand.",
        "",
        f"Source: the DICOM standard, edition {EDITION}, Table E.1-1, as dicom-anonymizer {version}",
        f"(BSD-3-Clause) ships it in dicomanonymizer/dicom_anonymization_databases/dicomfields_{EDITION}.py.",
        "Made by tools/make_deid_profile.py; tests/test_deid.py checks it against that library.",
        "",
        "Codes (PS3.15 E.1.1): X remove; Z replace with a zero-length value; D replace with a",
        "non-zero dummy value of the same VR; U replace the UID consistently; a code such as X/Z",
        "lets the application choose (the choice depends on the IOD's Type for the attribute).",
        "The table's last row, private attributes (gggg,eeee with gggg odd): X, is a rule in",
        "dicomview.deid rather than a row here.",
        '"""',
        "",
        f'EDITION = "{EDITION}"',
        f'SOURCE = "dicom-anonymizer {version} (BSD-3-Clause), dicomfields_{EDITION}"',
        "",
        "# tag -> action code",
        "BASIC_PROFILE: dict[int, str] = {",
    ]
    lines += [f'    0x{tag:08X}: "{code}",  # {name}' for tag, code, name in rows]
    lines += [
        "}",
        "",
        "# Repeating groups: an element matches when (tag & mask) == value.",
        "# (value, mask, action code, name)",
        "REPEATING: tuple[tuple[int, int, str, str], ...] = (",
    ]
    lines += [f'    (0x{tag:08X}, 0x{mask:08X}, "{code}", "{name}"),'
              for tag, mask, code, name in masked]
    lines += [")", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(OUT.parents[2])}")
