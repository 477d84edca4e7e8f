"""The bundled sample files are the ones the data card describes, and carry no real names."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))["files"]
CARD = (DATA / "README.md").read_text(encoding="utf-8")
BY_NAME = {entry["file"]: entry for entry in MANIFEST}
SYNTHETIC = ["dental_dx_phantom.dcm", "ct_small_no_preamble.dcm", "nm_jpeg_extended_12bit.dcm"]
# De-identified copies of third-party files: the copy and the file it was made from.
DEIDENTIFIED = {
    "nm_jpeg_extended_12bit.dcm":
        Path(pydicom.__file__).parent / "data" / "test_files" / "JPGExtended.dcm",
}
TEXT_VRS = {"AE", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UT"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(name: str) -> pydicom.FileDataset:
    # The file without preamble is only readable with force=True: that is what it shows.
    return pydicom.dcmread(DATA / name, force=name == "ct_small_no_preamble.dcm")


def person_names(ds: pydicom.Dataset) -> set[str]:
    """Every non-empty value of VR PN in the dataset, sequences included."""
    names: set[str] = set()

    def collect(_, elem):
        if elem.VR == "PN" and elem.value:
            values = elem.value if elem.VM > 1 else [elem.value]
            names.update(str(v) for v in values)

    ds.walk(collect)
    return names


def card_names() -> set[str]:
    """The names the data card lists as placeholders (in backticks, in its names paragraph)."""
    paragraph = CARD.split("Person names in the files", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"`([^`]+)`", paragraph))


def test_every_dicom_in_data_is_in_the_manifest():
    on_disk = {p.name for p in DATA.glob("*.dcm")}
    assert on_disk == set(BY_NAME), (
        f"not in manifest.json: {sorted(on_disk - set(BY_NAME))}; "
        f"listed but missing: {sorted(set(BY_NAME) - on_disk)}"
    )


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_file_matches_its_manifest_entry(entry):
    path = DATA / entry["file"]
    assert path.exists(), f"data/{entry['file']} is missing (manifest entry: {entry['shows']})"
    assert sha256(path) == entry["sha256"], (
        f"data/{entry['file']} differs from its manifest entry (sha256 {entry['sha256']}, "
        f"{entry['bytes']} bytes): restore it with `git checkout -- data/{entry['file']}`"
    )
    ds = read(entry["file"])
    syntax = ds.file_meta.get("TransferSyntaxUID")
    assert ds.Modality == entry["modality"]
    assert (ds.Rows, ds.Columns) == (entry["rows"], entry["columns"])
    assert int(ds.get("NumberOfFrames", 1)) == entry["frames"]
    assert ds.PhotometricInterpretation == entry["photometric_interpretation"]
    assert (syntax.name if syntax else entry["transfer_syntax"]) == entry["transfer_syntax"]
    assert str(ds.get("PatientName", "")) == entry["patient_name"]


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_data_card_describes_the_file(entry):
    assert f"`{entry['file']}`" in CARD, f"data/README.md does not describe {entry['file']}"
    assert entry["sha256"] in CARD, f"data/README.md has an old sha256 for {entry['file']}"
    row = next(line for line in CARD.splitlines() if line.startswith(f"| `{entry['file']}` |"))
    assert row.endswith(f"| {', '.join(entry['lessons'])} |"), (
        f"data/README.md's table gives other lessons for {entry['file']} than manifest.json"
    )
    assert entry["origin"] and entry["licence"] and entry["lessons"]


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_only_placeholder_names_in_files(entry):
    unknown = person_names(read(entry["file"])) - card_names()
    assert not unknown, (
        f"data/{entry['file']} holds person names the data card does not list as "
        f"synthetic or test data: {sorted(unknown)}"
    )


def test_only_placeholder_names_in_stored_outputs():
    """A DICOM name looks like FAMILY^GIVEN; any such text in an output must be a listed one."""
    allowed = card_names()
    caret_name = re.compile(r"[A-Za-z][\w-]*\^[\w^-]*")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        text = json.dumps([c.get("outputs", []) for c in json.loads(path.read_text())["cells"]])
        unknown = set(caret_name.findall(text)) - allowed
        assert not unknown, f"{path.name} outputs show names not in the data card: {sorted(unknown)}"


def text_values(ds: pydicom.Dataset, private: bool) -> set[str]:
    """Non-empty text values of the private (or of the standard) elements, sequences included."""
    return {
        str(elem.value).strip()
        for elem in ds.iterall()
        if elem.tag.is_private == private and elem.VR in TEXT_VRS and str(elem.value).strip()
    }


@pytest.mark.parametrize("name", sorted(DEIDENTIFIED))
def test_deidentified_copy_keeps_nothing_it_removed(name):
    """No private element, no site identifier, and none of the source's private text left."""
    copy = read(name)
    assert not [elem.tag for elem in copy.iterall() if elem.tag.is_private]
    for keyword in ("InstitutionName", "StationName", "DeviceSerialNumber"):
        assert keyword not in copy, f"data/{name} still has {keyword}"
    assert copy.PatientIdentityRemoved == "YES"
    source = pydicom.dcmread(DEIDENTIFIED[name])
    removed = text_values(source, private=True) - text_values(source, private=False)
    raw = (DATA / name).read_bytes()
    left = sorted(text for text in removed if text.encode("latin-1") in raw)
    assert not left, f"data/{name} still holds private text of its source: {left}"


def test_synthetic_files_are_reproduced_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(DATA / "make_synthetic.py"), "--out", str(tmp_path)],
        check=True, capture_output=True,
    )
    for name in SYNTHETIC:
        assert sha256(tmp_path / name) == BY_NAME[name]["sha256"], (
            f"data/make_synthetic.py no longer reproduces {name}"
        )


def test_data_folder_is_small():
    total = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert total < 30 * 1024 * 1024, f"data/ holds {total / 2**20:.1f} MB; keep it under 30 MB"


def lessons_reading(name: str) -> list[str]:
    """The lesson numbers whose code cells name the file."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(name in "".join(c["source"]) for c in cells if c["cell_type"] == "code"):
            found.append(path.name[:2])
    return found


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_manifest_lists_the_lessons_that_read_the_file(entry):
    assert entry["lessons"] == lessons_reading(entry["file"]), (
        f"manifest.json and the data card say {entry['file']} is used by lessons "
        f"{entry['lessons']}; the lessons' code reads it in {lessons_reading(entry['file'])}"
    )
