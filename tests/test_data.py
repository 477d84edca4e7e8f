"""The bundled sample files are the ones the data card describes, and carry no real names."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))["files"]
CARD = (DATA / "README.md").read_text(encoding="utf-8")
BY_NAME = {entry["file"]: entry for entry in MANIFEST}
SYNTHETIC = ["dental_dx_phantom.dcm", "ct_small_no_preamble.dcm", "nm_jpeg_extended_12bit.dcm",
             "mr_small_j2k_lossy.dcm"]
# Files made by data/make_series.py: the head CT series, its trap folders, the multi-frame file.
SERIES_ORIGIN = "synthetic, made by data/make_series.py (deterministic)"
SERIES_FILES = [entry["file"] for entry in MANIFEST if entry["origin"] == SERIES_ORIGIN]
# Folders of files: the card describes each folder in one row, with one digest.
FOLDERS = sorted({entry["folder"] for entry in MANIFEST if "folder" in entry})
# A lesson being written while its data lands first: until the notebook exists, the manifest
# may name it. Remove the entry once the lesson is on main (it is inert from then on).
UPCOMING_LESSONS: dict[str, str] = {}
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
    on_disk = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*.dcm")}
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


def folder_digest(folder: str) -> str:
    """sha256 of the `sha256sum` listing of the folder's files, in byte order of their names."""
    entries = sorted((e for e in MANIFEST if e.get("folder") == folder),
                     key=lambda e: e["file"].encode())
    listing = "".join(f"{e['sha256']}  {e['file']}\n" for e in entries)
    return hashlib.sha256(listing.encode()).hexdigest()


@pytest.mark.parametrize("folder", FOLDERS)
def test_data_card_describes_the_folder(folder):
    entries = [e for e in MANIFEST if e.get("folder") == folder]
    assert all(e["file"].startswith(folder + "/") for e in entries)
    on_disk = {p.relative_to(DATA).as_posix() for p in (DATA / folder).iterdir()}
    assert on_disk == {e["file"] for e in entries}, f"data/{folder}/ holds other files than listed"
    rows = [line for line in CARD.splitlines() if line.startswith(f"| `{folder}/` |")]
    assert len(rows) == 2, f"data/README.md needs two rows for {folder}/ (what, where from)"
    assert f"folder: `{folder_digest(folder)}`" in rows[1], (
        f"data/README.md has an old digest for {folder}/: it is {folder_digest(folder)}")
    assert rows[0].endswith(f"| {', '.join(entries[0]['lessons'])} |")
    assert all(e["lessons"] == entries[0]["lessons"] for e in entries)
    assert f"{sum(e['bytes'] for e in entries):,}" in rows[1]


@pytest.mark.parametrize("entry", [e for e in MANIFEST if "folder" not in e],
                         ids=[e["file"] for e in MANIFEST if "folder" not in e])
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


def test_series_files_are_reproduced_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(DATA / "make_series.py"), "--out", str(tmp_path)],
        check=True, capture_output=True,
    )
    made = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert made == set(SERIES_FILES), (
        f"data/make_series.py writes other files than the manifest lists: "
        f"{sorted(made ^ set(SERIES_FILES))}"
    )
    changed = [name for name in SERIES_FILES
               if sha256(tmp_path / name) != BY_NAME[name]["sha256"]]
    assert not changed, f"data/make_series.py no longer reproduces {changed}"


def test_deid_sample_is_reproduced_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(DATA / "make_deid_sample.py"), "--out", str(tmp_path)],
        check=True, capture_output=True,
    )
    expected = [e["file"] for e in MANIFEST
                if e["origin"] == "synthetic, made by data/make_deid_sample.py (deterministic)"]
    made = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert expected and made == set(expected), sorted(made ^ set(expected))
    changed = [name for name in expected if sha256(tmp_path / name) != BY_NAME[name]["sha256"]]
    assert not changed, f"data/make_deid_sample.py no longer reproduces {changed}"


def test_data_folder_is_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 30 * 1024 * 1024, f"data/ holds {total / 2**20:.1f} MB; keep it under 30 MB"


def lessons_reading(entry: dict) -> list[str]:
    """The lesson numbers whose code names the file (code cells, and the code of the
    solutions, folded in markdown), or for a file in a folder, the folder or one of its
    parents (a lesson reads a series by its folder)."""
    names = [entry["file"]]
    if "folder" in entry:
        names = entry["folder"].split("/")
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"
                         or "solution" in c.get("metadata", {}).get("tags", []))
        if any(name in code for name in names):
            found.append(path.name[:2])
    for number, notebook in UPCOMING_LESSONS.items():
        if number in entry["lessons"] and not (ROOT / "notebooks" / notebook).exists():
            found = sorted([*found, number])
    return found


def test_every_lesson_the_manifest_names_exists():
    numbers = {n for e in MANIFEST for n in e["lessons"]}
    existing = {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert numbers - existing <= set(UPCOMING_LESSONS), sorted(numbers - existing)


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_manifest_lists_the_lessons_that_read_the_file(entry):
    assert entry["lessons"] == lessons_reading(entry), (
        f"manifest.json and the data card say {entry['file']} is used by lessons "
        f"{entry['lessons']}; the lessons' code reads it in {lessons_reading(entry)}"
    )


# --- the synthetic head CT series: the facts lesson 06 relies on -------------------

def headers(folder: str) -> list[pydicom.Dataset]:
    """The headers of a folder's files, in file-name order."""
    return [pydicom.dcmread(p, stop_before_pixels=True)
            for p in sorted((DATA / folder).iterdir())]


def positions(datasets: list[pydicom.Dataset]) -> np.ndarray:
    return np.array([[float(v) for v in ds.ImagePositionPatient] for ds in datasets])


def test_head_ct_series_spacing_is_not_its_slice_thickness():
    series = headers("head_ct_series")
    assert len(series) == 40
    assert {ds.SeriesInstanceUID for ds in series} == {series[0].SeriesInstanceUID}
    assert [ds.InstanceNumber for ds in series] == list(range(1, 41))
    steps = np.diff(positions(series), axis=0)
    np.testing.assert_allclose(steps, [[0, 0, 4.0]] * 39)         # 4 mm apart ...
    assert {float(ds.SliceThickness) for ds in series} == {5.0}   # ... 5 mm thick
    first = series[0]
    assert [float(v) for v in first.ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
    assert [float(v) for v in first.PixelSpacing] == [0.9375, 0.9375]
    assert (first.Rows, first.Columns, first.PixelRepresentation) == (256, 256, 1)
    assert (float(first.RescaleSlope), float(first.RescaleIntercept)) == (1.0, -1024.0)
    assert list(first.WindowCenterWidthExplanation) == ["BRAIN", "BONE"]
    assert [float(v) for v in first.WindowCenter] == [40, 500]
    assert [float(v) for v in first.WindowWidth] == [80, 2000]
    assert str(first.PatientName) == "PHANTOM^HEAD"
    assert first.StudyInstanceUID.startswith(pydicom.uid.PYDICOM_ROOT_UID)


def test_head_ct_slice_25_shows_the_haematoma_and_the_infarct():
    ds = pydicom.dcmread(DATA / "head_ct_series" / "slice_025.dcm")
    hu = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    # Pixel centres: x = -119.53125 + 0.9375 * column, y = -119.53125 + 0.9375 * row.
    def at(x: float, y: float, half: int = 2) -> float:
        row, column = round((y + 119.53125) / 0.9375), round((x + 119.53125) / 0.9375)
        return float(hu[row - half:row + half + 1, column - half:column + half + 1].mean())
    assert abs(at(40, -5) - 15) < 3                   # the infarct, left hemisphere
    assert abs(at(-55.8, 0, half=1) - 65) < 5         # the haematoma, against the right skull
    assert abs(at(-30, -40) - 25) < 3                 # white matter
    assert abs(at(8, -4, half=1) - 5) < 4             # a lateral ventricle
    assert at(0, 0) > -100 and at(0, -110) < -990     # inside the head, and air outside


def test_shuffled_names_follow_neither_position_nor_instance_number():
    series = headers("series_traps/shuffled_names")     # in file-name order
    z = positions(series)[:, 2]
    numbers = [ds.InstanceNumber for ds in series]
    assert list(z) != sorted(z) and list(z) != sorted(z, reverse=True)
    assert numbers != sorted(numbers) and numbers != sorted(numbers, reverse=True)
    by_position = sorted(series, key=lambda ds: float(ds.ImagePositionPatient[2]))
    assert [ds.InstanceNumber for ds in by_position] == list(range(10, 0, -1))


def test_missing_slice_leaves_one_double_step():
    series = headers("series_traps/missing_slice")
    z = sorted(positions(series)[:, 2])
    assert len(series) == 10
    assert list(np.diff(z)) == [4, 4, 4, 4, 8, 4, 4, 4, 4]
    assert 20.0 not in z and 6 not in [ds.InstanceNumber for ds in series]


def test_two_series_share_one_folder():
    series = headers("series_traps/two_series")
    groups: dict[str, list] = {}
    for ds in series:
        groups.setdefault(ds.SeriesInstanceUID, []).append(ds)
    assert sorted((g[0].SeriesNumber, g[0].SeriesDescription, len(g), float(g[0].SliceThickness))
                  for g in groups.values()) == [
        (6, "Head 2 mm (synthetic)", 12, 2.0), (7, "Head 6 mm (synthetic)", 4, 6.0)]


def test_gantry_tilt_positions_step_along_the_table_not_the_normal():
    series = headers("series_traps/gantry_tilt")
    orientation = np.array([float(v) for v in series[0].ImageOrientationPatient])
    row, column = orientation[:3], orientation[3:]
    normal = np.cross(row, column)
    tilt = np.radians(float(series[0].GantryDetectorTilt))
    assert float(series[0].GantryDetectorTilt) == 15
    np.testing.assert_allclose(column, [0, np.cos(tilt), -np.sin(tilt)], atol=1e-6)
    steps = np.diff(positions(series), axis=0)
    np.testing.assert_allclose(steps, [[0, 0, 4.0]] * 9, atol=1e-5)
    np.testing.assert_allclose(steps @ normal, 4 * np.cos(tilt), atol=1e-5)
    assert abs(np.linalg.norm(np.cross(steps[0], normal))) > 1     # not along the normal


def test_enhanced_file_is_the_shuffled_slices_as_frames():
    ds = pydicom.dcmread(DATA / "head_ct_enhanced.dcm")
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2.1"            # Enhanced CT
    assert "ImagePositionPatient" not in ds and "RescaleIntercept" not in ds
    shared = ds.SharedFunctionalGroupsSequence[0]
    transform = shared.PixelValueTransformationSequence[0]
    assert (float(transform.RescaleSlope), float(transform.RescaleIntercept)) == (1.0, -1024.0)
    assert [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient] == \
        [1, 0, 0, 0, 1, 0]
    assert [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing] == [1.875, 1.875]
    frames = [[float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient]
              for item in ds.PerFrameFunctionalGroupsSequence]
    slices = sorted((pydicom.dcmread(p) for p in (DATA / "series_traps/shuffled_names").iterdir()),
                    key=lambda s: float(s.ImagePositionPatient[2]))
    assert frames == positions(slices).tolist()
    assert np.array_equal(ds.pixel_array, np.stack([s.pixel_array for s in slices]))
