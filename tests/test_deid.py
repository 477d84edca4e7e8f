"""dicomview.deid: the Basic Profile applied, nothing identifying left, series kept intact.

Two kinds of checks. Against the profile's list: a dataset holding every attribute of
PS3.15 Table E.1-1 (that pydicom knows) comes out with each one removed, emptied or
replaced as the table says, and the table is the one dicom-anonymizer ships. Against the
bundled fictional patient (data/deid_patient/, made by data/make_deid_sample.py): after
de-identifying and saving, none of the planted identifiers and no original UID is in the
files' bytes, the series loads as one volume, and the same salt gives the same bytes.
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.uid import UID

import dicomview
from dicomview import deid, deid_profile

ROOT = Path(__file__).resolve().parents[1]


def load_script(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLE = load_script(ROOT / "data" / "make_deid_sample.py", "make_deid_sample")
GENERATOR = load_script(ROOT / "tools" / "make_deid_profile.py", "make_deid_profile")
FOLDER = ROOT / "data" / "deid_patient"
SALT = "course-test-salt"


# --- the table ---------------------------------------------------------------------

def test_profile_table_is_dicom_anonymizers_copy_of_the_standard():
    """deid_profile.py is exactly what tools/make_deid_profile.py makes from the pinned
    dicom-anonymizer (its 2026c table), so nobody edited the table by hand."""
    committed = (ROOT / "notebooks" / "dicomview" / "deid_profile.py").read_text(encoding="utf-8")
    assert GENERATOR.render() == committed, "run tools/make_deid_profile.py"
    assert deid_profile.EDITION == "2026c"


def test_profile_table_holds_the_rows_everyone_knows():
    """A few rows checked by hand against PS3.15 Table E.1-1."""
    expected = {
        "PatientName": "Z", "PatientBirthDate": "Z", "AccessionNumber": "Z",
        "InstitutionName": "X/Z/D", "PatientAddress": "X", "OtherPatientNames": "X",
        "OtherPatientIDsSequence": "X", "RequestAttributesSequence": "X",
        "StudyDescription": "X", "SeriesDescription": "X", "ImageComments": "X",
        "ReferringPhysicianName": "Z", "OperatorsName": "X/Z/D",
        "StudyInstanceUID": "U", "SeriesInstanceUID": "U", "SOPInstanceUID": "U",
        "FrameOfReferenceUID": "U", "DeviceSerialNumber": "X/Z/D",
    }
    got = {kw: deid.profile_action(pydicom.datadict.tag_for_keyword(kw)) for kw in expected}
    assert got == expected
    assert deid.profile_action(0x60023000) == "X"      # Overlay Data, any 60xx group
    assert deid.profile_action(0x50040010) == "X"      # Curve Data, any 50xx group
    assert deid.profile_action(0x00280010) is None     # Rows: not in the table


def test_choice_among_actions():
    assert [deid.chosen_action(c) for c in ("X", "Z", "D", "U", "X/Z", "X/D", "Z/D",
                                            "X/Z/D", "X/Z/U*")] == \
        ["X", "Z", "D", "U", "Z", "D", "Z", "Z", "U"]


# A value of each VR, distinct enough to be found after de-identification.
PLANTED = {
    "AE": "PLANTEDAE", "AS": "042Y", "AT": 0x00100010, "CS": "PLANTED", "DA": "19700101",
    "DS": "1.5", "DT": "19700101120000", "FL": 1.5, "FD": 1.5, "IS": "7",
    "LO": "PLANTED LO", "LT": "PLANTED LT", "PN": "PLANTED^NAME", "SH": "PLANTED SH",
    "SL": 7, "SS": 7, "ST": "PLANTED ST", "SV": 7, "TM": "120000", "UC": "PLANTED UC",
    "UL": 7, "UR": "http://planted.example", "US": 7, "UT": "PLANTED UT", "UV": 7,
    "OB": b"\1" * 8, "OD": b"\1" * 8, "OF": b"\1" * 8, "OL": b"\1" * 8, "OV": b"\1" * 8,
    "OW": b"\1" * 8, "UN": b"\1" * 8,
}


def nested_item() -> Dataset:
    item = Dataset()
    item.PatientName = "NESTED^NAME"
    item.ReferencedSOPInstanceUID = "1.2.3.999.1"
    item.add_new(0x00291010, "LO", "NESTED PRIVATE")
    return item


def every_listed_attribute() -> tuple[Dataset, list[int]]:
    """A dataset with one element for each tag of the table that pydicom's dictionary
    knows (its VR comes from there), plus overlay and curve elements; and the tags left
    out because pydicom 3.0.2 does not know them (newer than its dictionary)."""
    ds, unknown = Dataset(), []
    for tag in deid_profile.BASIC_PROFILE:
        try:
            vr = dictionary_VR(tag).split(" or ")[0]
        except KeyError:
            unknown.append(tag)
            continue
        if vr == "SQ":
            ds.add_new(tag, vr, [nested_item()])
        elif vr == "UI":
            ds.add_new(tag, vr, f"1.2.3.{tag}")
        else:
            ds.add_new(tag, vr, PLANTED[vr])
    ds.add_new(0x60003000, "OW", b"\1" * 8)      # Overlay Data
    ds.add_new(0x60024000, "LT", "OVERLAY NOTE")  # Overlay Comments
    ds.add_new(0x50000005, "US", 2)              # Curve Dimensions
    ds.add_new(0x00091010, "LO", "TOP PRIVATE")
    return ds, unknown


def test_every_attribute_the_profile_lists_is_handled_as_it_says():
    original, unknown = every_listed_attribute()
    assert len(unknown) < 0.1 * len(deid_profile.BASIC_PROFILE), unknown
    before = copy.deepcopy(original)
    out = deid.deidentify(original, salt=SALT)
    assert original == before, "the input was changed"
    for elem in original:
        code = deid.profile_action(elem.tag)
        if elem.tag.is_private:
            assert elem.tag not in out
            continue
        action = deid.chosen_action(code)
        where = f"{elem.keyword or elem.tag} ({code})"
        if action == "X":
            assert elem.tag not in out, f"{where} should be removed"
            continue
        new = out[elem.tag]
        if action == "Z":
            assert new.is_empty, f"{where} should be empty, is {new.value!r}"
        elif elem.VR == "SQ":                 # D or U on a sequence: items kept, cleaned
            (item,) = new.value
            assert item["PatientName"].is_empty, where
            assert item.ReferencedSOPInstanceUID != "1.2.3.999.1", where
            assert not [e for e in item if e.tag.is_private], where
        elif action == "D":
            assert not new.is_empty and new.value != elem.value, f"{where}: {new.value!r}"
        elif action == "U":
            uid = UID(new.value)
            assert uid != elem.value and uid.is_valid and len(uid) <= 64, where
    assert not [e.tag for e in out.iterall() if e.tag.is_private]


# --- the fictional patient -----------------------------------------------------------

def planted_strings() -> list[str]:
    """Every identifier the data script planted, as text that must not be in any byte."""
    strings = [str(v) for v in SAMPLE.IDENTIFIERS.values()]
    strings += [SAMPLE.OTHER_ID, *SAMPLE.REQUEST.values(), SAMPLE.PRIVATE_CREATOR,
                "FAKE_SCANNER", SAMPLE.STUDY_DATE, "FICTIONAL", "FAKE-"]
    # each part of every person name, too (FAMILY^GIVEN)
    strings += [part for v in SAMPLE.IDENTIFIERS.values() for part in str(v).split("^")]
    return sorted(set(strings))


def original_uids(ds: Dataset) -> set[str]:
    """The UIDs of the file that are not the standard's own (SOP classes, syntaxes…)."""
    found = {str(ds.file_meta.MediaStorageSOPInstanceUID)}
    for elem in ds.iterall():
        if elem.VR == "UI" and elem.value:
            values = elem.value if elem.VM > 1 else [elem.value]
            found |= {str(v) for v in values if UID(v).name == str(v)}
    return found


def mask_burned_text(ds: Dataset) -> Dataset:
    """A copy whose top-left text band is set to air: what the lesson does by hand."""
    cleaned = copy.deepcopy(ds)
    pixels = cleaned.pixel_array.copy()
    pixels[:30, :112] = pixels[-1, 0]         # the text band, set to the background
    cleaned.PixelData = pixels.astype("<i2").tobytes()
    return cleaned


@pytest.fixture(scope="module")
def originals() -> dict[str, Dataset]:
    return {p.name: pydicom.dcmread(p) for p in sorted(FOLDER.glob("*.dcm"))}


def deidentify_folder(originals: dict[str, Dataset], out: Path, salt: str = SALT) -> Path:
    out.mkdir()
    for name, ds in originals.items():
        if ds.BurnedInAnnotation == "YES":
            result = deid.deidentify(mask_burned_text(ds), salt=salt, pixels_cleaned=True)
        else:
            result = deid.deidentify(ds, salt=salt)
        dicomview.save_dataset(result, out / name)
    return out


@pytest.fixture(scope="module")
def released(originals, tmp_path_factory) -> Path:
    return deidentify_folder(originals, tmp_path_factory.mktemp("run") / "deid")


def test_the_sample_plants_what_the_lesson_hunts(originals):
    """The sample really holds the identifiers (else the checks below prove nothing)."""
    raw = b"".join(p.read_bytes() for p in FOLDER.glob("*.dcm"))
    for text in planted_strings():
        assert text.encode("latin-1") in raw, text
    assert [ds.BurnedInAnnotation for ds in originals.values()].count("YES") == 1


def test_no_planted_identifier_in_any_saved_byte(released):
    raw = {p.name: p.read_bytes() for p in released.glob("*.dcm")}
    assert len(raw) == 5
    left = {(name, text) for name, data in raw.items() for text in planted_strings()
            if text.encode("latin-1") in data}
    assert not left, sorted(left)


def test_no_original_uid_survives(originals, released):
    uids = set().union(*(original_uids(ds) for ds in originals.values()))
    assert len(uids) >= 5 + 3                 # instances, study, series, frame of reference
    for path in released.glob("*.dcm"):
        data = path.read_bytes()
        assert not [uid for uid in uids if uid.encode() in data], path.name


def test_no_private_element_and_the_method_is_recorded(released):
    for path in sorted(released.glob("*.dcm")):
        ds = pydicom.dcmread(path)
        assert not [e.tag for e in ds.iterall() if e.tag.is_private], path.name
        assert "RequestAttributesSequence" not in ds and "OtherPatientIDsSequence" not in ds
        assert ds.PatientIdentityRemoved == "YES"
        assert ds.DeidentificationMethod
        codes = [(i.CodeValue, i.CodingSchemeDesignator)
                 for i in ds.DeidentificationMethodCodeSequence]
        assert codes[0] == ("113100", "DCM")
        if path.name == "slice_003.dcm":
            assert ("113101", "DCM") in codes and ds.BurnedInAnnotation == "NO"


def test_series_loads_as_one_volume_with_consistent_new_uids(originals, released):
    before = dicomview.load_series(FOLDER)
    after = dicomview.load_series(released)
    assert after.values.shape == before.values.shape == (5, 160, 160)
    np.testing.assert_array_equal(after.affine, before.affine)
    outs = [pydicom.dcmread(p) for p in sorted(released.glob("*.dcm"))]
    first = next(iter(originals.values()))
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID"):
        (new,) = {ds[keyword].value for ds in outs}
        assert new != first[keyword].value and UID(new).is_valid and len(new) <= 64
    assert len({ds.SOPInstanceUID for ds in outs}) == 5
    for ds in outs:
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        if "ReferencedImageSequence" in ds:       # slices 2-5 point at slice 1
            assert ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID == outs[0].SOPInstanceUID


def test_pixel_data_unchanged(originals, released):
    for name, ds in originals.items():
        if ds.BurnedInAnnotation != "YES":
            assert pydicom.dcmread(released / name).PixelData == ds.PixelData, name


def test_same_salt_same_bytes_other_salt_other_uids(originals, released, tmp_path):
    again = deidentify_folder(originals, tmp_path / "again")
    for path in released.glob("*.dcm"):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    other = deid.deidentify(originals["slice_001.dcm"], salt="another salt")
    assert other.SOPInstanceUID != pydicom.dcmread(released / "slice_001.dcm").SOPInstanceUID


def test_input_datasets_unchanged(originals):
    for name, ds in originals.items():
        before = copy.deepcopy(ds)
        try:
            deid.deidentify(ds, salt=SALT)
        except ValueError:
            deid.deidentify(mask_burned_text(ds), salt=SALT, pixels_cleaned=True)
        assert ds == before and ds.file_meta == before.file_meta, name


def test_burned_in_file_refused_until_cleaned(originals):
    burned = originals["slice_003.dcm"]
    with pytest.raises(ValueError, match="BurnedInAnnotation.*YES.*pixels_cleaned=True"):
        deid.deidentify(burned, salt=SALT)
    text_value = 3000 - SAMPLE.INTERCEPT                             # what the script draws
    assert (burned.pixel_array == text_value).sum() > 100          # the text is there
    cleaned = mask_burned_text(burned)
    assert not (cleaned.pixel_array == text_value).any()           # and masked away
    out = deid.deidentify(cleaned, salt=SALT, pixels_cleaned=True)
    assert out.BurnedInAnnotation == "NO"


def test_modalities_that_burn_text_in_need_the_attribute():
    ds = Dataset()
    ds.Modality = "US"
    with pytest.raises(ValueError, match="no BurnedInAnnotation"):
        deid.deidentify(ds, salt=SALT)
    ds.BurnedInAnnotation = "NO"
    deid.deidentify(ds, salt=SALT)
    ds = Dataset()
    ds.Modality = "CT"                         # CT rarely burns text in: no refusal
    deid.deidentify(ds, salt=SALT)


def test_salt_is_required():
    with pytest.raises(ValueError, match="salt"):
        deid.deidentify(Dataset(), salt="")


def test_saving_never_overwrites_unless_asked(originals, tmp_path):
    ds = deid.deidentify(originals["slice_001.dcm"], salt=SALT)
    path = tmp_path / "out.dcm"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        dicomview.save_dataset(ds, path)
    assert path.read_bytes() == b"precious"
    assert dicomview.save_dataset(ds, path, overwrite=True) == path
    assert pydicom.dcmread(path).SOPInstanceUID == ds.SOPInstanceUID
    fresh = dicomview.save_dataset(ds, tmp_path / "new.dcm")
    assert fresh.read_bytes()[128:132] == b"DICM"
