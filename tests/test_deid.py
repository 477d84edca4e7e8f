"""dicomview.deid: the Basic Profile applied, nothing identifying left, series kept intact,
each compound action chosen by the attribute's Type, and files saved whole.

Checks against the profile's list: a dataset holding every attribute of PS3.15 Table E.1-1
(that pydicom knows) comes out with each one removed, emptied or replaced as the table says,
and the table is the one dicom-anonymizer ships. Against the IODs' Types (PS3.3, copied in
iod_types.py, checked in test_iod_types.py): each kind of compound action (X/D, X/Z, X/Z/D,
Z/D, X/Z/U*) on synthetic datasets of IODs where the attribute is Type 1, 2 or 3, and on an
unknown IOD; every bundled file keeps its Type 1 and 2 attributes. Against the bundled
fictional patient (data/deid_patient/, made by data/make_deid_sample.py): after
de-identifying and saving, none of the planted identifiers and no original UID is in the
files' bytes, the series loads as one volume, and the same salt gives the same bytes. A
DICOMDIR is refused, and the way its message gives works. Saving: no half-written file,
command elements left out, file meta completed where that is sound and asked for where not.
"""

from __future__ import annotations

import copy
import os
import stat
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.uid import (
    UID,
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    EnhancedCTImageStorage,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    PositronEmissionTomographyImageStorage,
    RTDoseStorage,
    SecondaryCaptureImageStorage,
    XRayAngiographicImageStorage,
)

import dicomview
from dicomview import deid, deid_profile, iod_types, saving

from course_script import load_script

ROOT = Path(__file__).resolve().parents[1]


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


CODES = ("X", "Z", "D", "U", "X/Z", "X/D", "Z/D", "X/Z/D", "X/Z/U*")


@pytest.mark.parametrize("attribute_type, expected", [
    # unknown Type: the safest action the code allows (the first of X, Z, D, U)
    (None, ["X", "Z", "D", "U", "X", "X", "Z", "X", "X"]),
    # Type 3, or not in the IOD: nothing requires it, so the safest again
    ("3", ["X", "Z", "D", "U", "X", "X", "Z", "X", "X"]),
    ("-", ["X", "Z", "D", "U", "X", "X", "Z", "X", "X"]),
    # Type 2: present, may be empty
    ("2", ["X", "Z", "D", "U", "Z", "D", "Z", "Z", "Z"]),
    ("2C", ["X", "Z", "D", "U", "Z", "D", "Z", "Z", "Z"]),
    # Type 1: present with a value (X/Z allows none: Z keeps it at least present)
    ("1", ["X", "Z", "D", "U", "Z", "D", "D", "D", "U"]),
    ("1C", ["X", "Z", "D", "U", "Z", "D", "D", "D", "U"]),
])
def test_choice_among_actions_by_type(attribute_type, expected):
    """PS3.15 E.1.1: e.g. X/Z/D is "X unless Z or D is required to maintain IOD
    conformance (Type 3 versus Type 2 versus Type 1)"."""
    assert [deid.chosen_action(code, attribute_type) for code in CODES] == expected


def test_choice_refuses_what_it_does_not_know():
    with pytest.raises(ValueError, match="unknown action code"):
        deid.chosen_action("K")
    with pytest.raises(ValueError, match="unknown Type"):
        deid.chosen_action("X/D", "4")


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
    # no SOP Class: every compound action's Type is unknown, and the method says so once
    compound = [e for e in original if "/" in (deid.profile_action(e.tag) or "")]
    notes = [v for v in out.DeidentificationMethod if v.startswith("Type unknown")]
    assert notes == [f"Type unknown for {len(compound)} attributes: least revealing action"]


# --- compound actions, chosen by the attribute's Type in the IOD --------------------------

PRIVATE_SOP_CLASS = "1.2.826.0.1.3680043.8.498.4242"   # under pydicom's root: no IOD known
ORIGINAL_UID = "1.2.826.0.1.3680043.8.498.77.1"
PLANTED_BY_VR = {"DA": "19700101", "TM": "120000", "LO": "PLANTED", "PN": "PLANTED^NAME",
                 "SH": "PLANTED"}


def reference(uid: str = ORIGINAL_UID) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = CTImageStorage
    item.ReferencedSOPInstanceUID = uid
    return item


def synthetic(sop_class: str, keyword: str) -> Dataset:
    """A dataset of `sop_class` holding `keyword` with a planted value."""
    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.77.2"
    ds.BurnedInAnnotation = "NO"
    vr = dictionary_VR(keyword)
    setattr(ds, keyword, [reference()] if vr == "SQ" else PLANTED_BY_VR[vr])
    return ds


# (IOD's SOP class, attribute, its Type there per PS3.3, what must happen to it)
COMPOUND_CASES = [
    # X/D: "X unless D is required to maintain IOD conformance (Type 3 versus Type 1)"
    (CTImageStorage, "SeriesDate", "3", "removed"),                  # General Series
    (PositronEmissionTomographyImageStorage, "SeriesDate", "1", "dummy"),  # PET Series
    (PRIVATE_SOP_CLASS, "SeriesDate", None, "removed"),
    # X/Z: "X unless Z is required (Type 3 versus Type 2)"
    (CTImageStorage, "AcquisitionDate", "3", "removed"),             # General Image
    (PositronEmissionTomographyImageStorage, "AcquisitionDate", "2", "emptied"),  # PET Image
    (DigitalXRayImageStorageForPresentation, "AcquisitionContextSequence", "2", "emptied"),
    (EnhancedCTImageStorage, "AcquisitionDate", "-", "removed"),     # not in the IOD
    # X/Z/D: "X unless Z or D is required (Type 3 versus Type 2 versus Type 1)"
    (CTImageStorage, "DeviceSerialNumber", "3", "removed"),          # General Equipment
    (RTDoseStorage, "OperatorsName", "2", "emptied"),                # RT Series
    (EnhancedCTImageStorage, "DeviceSerialNumber", "1", "dummy"),    # Enhanced General Equipment
    (PRIVATE_SOP_CLASS, "DeviceSerialNumber", None, "removed"),
    # Z/D: "Z unless D is required (Type 2 versus Type 1)"
    (CTImageStorage, "ContentDate", "2C", "emptied"),                # General Image
    (EnhancedCTImageStorage, "ContentDate", "1", "dummy"),           # Multi-frame Functional Groups
    (EnhancedCTImageStorage, "ContrastBolusAgent", "-", "emptied"),  # not in the IOD: X not allowed
    (PRIVATE_SOP_CLASS, "ContentTime", None, "emptied"),
    # X/Z/U*: "X unless Z or replacement of contained instance UIDs (U) is required
    # (Type 3 versus Type 2 versus Type 1 sequences containing UID references)"
    (CTImageStorage, "ReferencedImageSequence", "3", "removed"),     # General Reference
    (XRayAngiographicImageStorage, "ReferencedImageSequence", "1C", "UIDs replaced"),  # X-Ray Image
    (SecondaryCaptureImageStorage, "SourceImageSequence", "3", "removed"),
    (PRIVATE_SOP_CLASS, "SourceImageSequence", None, "removed"),
]


@pytest.mark.parametrize("sop_class, keyword, attribute_type, expected", COMPOUND_CASES,
                         ids=[f"{UID(c[0]).name[:24]}-{c[1]}" for c in COMPOUND_CASES])
def test_each_compound_action_follows_the_type(sop_class, keyword, attribute_type, expected):
    original = synthetic(sop_class, keyword)
    tag = pydicom.datadict.tag_for_keyword(keyword)
    code = deid.profile_action(tag)
    assert "/" in code
    assert deid.iod_type(sop_class, tag) == attribute_type
    action = deid.chosen_action(code, attribute_type)
    assert deid.compound_actions(original) == [(keyword, code, attribute_type, action)]
    out = deid.deidentify(original, salt=SALT)
    before = original[keyword]
    if expected == "removed":
        assert keyword not in out
    elif expected == "emptied":
        assert keyword in out and out[keyword].is_empty
    elif expected == "dummy":
        assert not out[keyword].is_empty and out[keyword].value != before.value
        assert out[keyword].value == {"DA": "20000101", "LO": "ANONYMIZED"}[before.VR]
    else:                                                # the items kept, their UIDs replaced
        (item,) = out[keyword].value
        assert item.ReferencedSOPClassUID == CTImageStorage
        assert item.ReferencedSOPInstanceUID == deid.uid_replacer(SALT)(ORIGINAL_UID)
        assert item.ReferencedSOPInstanceUID != ORIGINAL_UID
    unknown = [v for v in out.DeidentificationMethod if v.startswith("Type unknown")]
    assert unknown == (["Type unknown for 1 attribute: least revealing action"]
                       if attribute_type is None else [])
    assert f"Compound actions chosen by IOD Type (PS3.3 {iod_types.EDITION})" in \
        out.DeidentificationMethod


def test_functional_groups_keep_their_type_2_references():
    """In an enhanced image, Referenced Image Sequence and Derivation Image Sequence >
    Source Image Sequence are Type 2 in each functional group (PS3.3 Referenced Image and
    Derivation Image Macros): emptied, not removed; shared and per-frame groups alike."""
    ds = synthetic(EnhancedCTImageStorage, "ContentDate")
    groups = []
    for _ in range(2):
        group, derivation = Dataset(), Dataset()
        group.ReferencedImageSequence = [reference()]
        derivation.SourceImageSequence = [reference()]
        group.DerivationImageSequence = [derivation]
        groups.append(group)
    ds.SharedFunctionalGroupsSequence = [groups[0]]
    ds.PerFrameFunctionalGroupsSequence = [groups[1]]
    expected = {("ContentDate", "Z/D", "1", "D")}
    for seq in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        expected.add((f"{seq} > ReferencedImageSequence", "X/Z/U*", "2", "Z"))
        expected.add((f"{seq} > DerivationImageSequence > SourceImageSequence",
                      "X/Z/U*", "2", "Z"))
    choices = deid.compound_actions(ds)
    assert len(choices) == 5 and set(choices) == expected
    out = deid.deidentify(ds, salt=SALT)
    for seq in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        (group,) = out[seq].value
        assert "ReferencedImageSequence" in group and group["ReferencedImageSequence"].is_empty
        (derivation,) = group.DerivationImageSequence
        assert derivation["SourceImageSequence"].is_empty
    assert not [v for v in out.DeidentificationMethod if v.startswith("Type unknown")]


def at_path(ds: Dataset, path: tuple[int, ...]) -> list:
    """The elements at `path` (sequence tags down to the element), through every item."""
    if len(path) == 1:
        return [ds[path[0]]] if path[0] in ds else []
    if path[0] not in ds or ds[path[0]].VR != "SQ":
        return []
    return [e for item in ds[path[0]].value for e in at_path(item, path[1:])]


def compound_paths(ds: Dataset, path: tuple[int, ...] = ()):
    """(path, code) of every compound-action attribute, nested ones included."""
    for elem in ds:
        here = (*path, int(elem.tag))
        code = deid.profile_action(elem.tag) or ""
        if "/" in code:
            yield here, code
        if elem.VR == "SQ" and not elem.tag.is_private:
            for item in elem.value:
                yield from compound_paths(item, here)


BUNDLED = sorted(str(p.relative_to(ROOT / "data")) for p in (ROOT / "data").glob("*.dcm")) + [
    "deid_patient/slice_002.dcm", "head_ct_series/slice_001.dcm"]


@pytest.mark.parametrize("name", BUNDLED)
def test_released_bundled_files_keep_what_their_iod_requires(name):
    """Every compound-action attribute that is Type 1 in the file's IOD comes out with a
    value, every Type 2 one comes out present, and the IOD of each file is covered."""
    original = pydicom.dcmread(ROOT / "data" / name, stop_before_pixels=True, force=True)
    assert str(original.SOPClassUID) in iod_types.IOD_OF_SOP_CLASS
    out = deid.deidentify(original, salt=SALT, pixels_cleaned=True)
    checked = 0
    for path, code in compound_paths(original):
        attribute_type = deid.iod_type(original.SOPClassUID, path)
        if attribute_type not in ("1", "1C", "2", "2C"):
            continue
        if len(path) > 1 and not at_path(out, path[:-1]):
            continue                        # its sequence was removed (X) or emptied (Z)
        kept = at_path(out, path)
        assert kept, f"{name}: {path} ({code}, Type {attribute_type}) was removed"
        if attribute_type in ("1", "1C"):
            assert all(not e.is_empty for e in kept), f"{name}: {path} emptied"
        checked += 1
    assert checked, name                    # Patient ID (Type 2) at least
    assert not [v for v in out.DeidentificationMethod if v.startswith("Type unknown")], name


def test_enhanced_ct_keeps_its_content_date_and_time():
    """Content Date and Time are Type 1 in the Multi-frame Functional Groups Module
    (PS3.3 C.7.6.16): an emptied one makes the released file invalid. They get dummies."""
    original = pydicom.dcmread(ROOT / "data" / "ct_enhanced_perfusion.dcm")
    out = deid.deidentify(original, salt=SALT)
    assert (out.ContentDate, out.ContentTime) == ("20000101", "000000")
    assert (original.ContentDate, original.ContentTime) != (out.ContentDate, out.ContentTime)
    assert "SeriesDate" not in out and "SeriesTime" not in out          # Type 3: X
    assert out.DeviceSerialNumber == "ANONYMIZED"      # Type 1 in Enhanced General Equipment
    assert out["PatientID"].is_empty                                   # Type 2: Z


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
        assert ds.LongitudinalTemporalInformationModified == "REMOVED"  # PS3.15 E.2
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


def test_ct_slices_lose_what_their_iod_does_not_require(originals, released):
    """CT Image IOD (PS3.3 A.3): Series Date and Time are Type 3 in the General Series
    Module (X/D: removed), Referenced Image Sequence Type 3 in the General Reference Module
    (X/Z/U*: removed, though slices 2-5 pointed at slice 1), Content Date Type 2C in the
    General Image Module (Z/D: emptied), Device Serial Number Type 3 (X/Z/D: removed)."""
    assert all("ReferencedImageSequence" in originals[f"slice_00{i}.dcm"] for i in (2, 3, 4, 5))
    for path in sorted(released.glob("*.dcm")):
        ds = pydicom.dcmread(path)
        for keyword in ("SeriesDate", "SeriesTime", "ReferencedImageSequence",
                        "DeviceSerialNumber", "InstitutionName", "AcquisitionDate"):
            assert keyword not in ds, f"{path.name}: {keyword}"
        assert "ContentDate" in ds and ds["ContentDate"].is_empty
        assert "PatientID" in ds and ds["PatientID"].is_empty
        assert not [v for v in ds.DeidentificationMethod if v.startswith("Type unknown")]


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


def test_saved_file_is_an_ordinary_new_file(originals, tmp_path):
    """Written through a temporary file: nothing else is left in the folder, and the file
    gets the permissions any new file gets (mkstemp's 0600 is not kept)."""
    path = dicomview.save_dataset(deid.deidentify(originals["slice_001.dcm"], salt=SALT),
                                  tmp_path / "one.dcm")
    assert [p.name for p in tmp_path.iterdir()] == ["one.dcm"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


class Interrupted(Exception):
    pass


def interrupted_save_as(self, f, **kwargs):
    """pydicom's writer stopped half-way: some bytes written, then an error."""
    f.write(b"\0" * 128 + b"DICM" + b"partial")
    raise Interrupted("disk full, say")


def test_no_half_written_file(originals, tmp_path, monkeypatch):
    ds = deid.deidentify(originals["slice_001.dcm"], salt=SALT)
    old = tmp_path / "old.dcm"
    old.write_bytes(b"precious")
    monkeypatch.setattr(Dataset, "save_as", interrupted_save_as)
    with pytest.raises(Interrupted):
        dicomview.save_dataset(ds, tmp_path / "new.dcm")
    with pytest.raises(Interrupted):
        dicomview.save_dataset(ds, old, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["old.dcm"]      # no new.dcm, no temporary
    assert old.read_bytes() == b"precious"                            # the old file intact


def test_a_file_that_appears_while_writing_is_not_replaced(originals, tmp_path, monkeypatch):
    """The early check passed, then another program made the file: the last step (a hard
    link, which refuses an existing name) refuses too, and the other file stays."""
    ds = deid.deidentify(originals["slice_001.dcm"], salt=SALT)
    path = tmp_path / "race.dcm"
    real = saving._ready_to_write

    def meanwhile(dataset):
        path.write_bytes(b"someone else's")
        return real(dataset)

    monkeypatch.setattr(saving, "_ready_to_write", meanwhile)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        dicomview.save_dataset(ds, path)
    assert path.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["race.dcm"]


def test_command_elements_are_left_out_and_said(originals, tmp_path):
    """Group 0000 is the command set of a network message (PS3.7; PS3.5 7.1 reserves it),
    not part of a file's data set (PS3.10 7.2): pydicom refuses to write it."""
    ds = copy.deepcopy(originals["slice_001.dcm"])
    ds.AffectedSOPClassUID = ds.SOPClassUID                   # as a C-STORE request carries
    ds.CommandField = 0x0001
    with pytest.raises(ValueError, match="Command Set elements"):
        ds.save_as(tmp_path / "pydicom.dcm", enforce_file_format=True)
    with pytest.warns(UserWarning, match=r"out\.dcm: 2 command elements \(AffectedSOPClassUID, "
                      r"CommandField\) removed: group 0000 .*PS3\.10 7\.2"):
        path = dicomview.save_dataset(ds, tmp_path / "out.dcm")
    back = pydicom.dcmread(path)
    assert not [e.tag for e in back if e.tag.group == 0]
    assert back.PixelData == ds.PixelData and back.SOPInstanceUID == ds.SOPInstanceUID
    assert "CommandField" in ds and "AffectedSOPClassUID" in ds       # the input unchanged


def no_warning_save(ds: Dataset, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return dicomview.save_dataset(ds, path)


def test_a_complete_file_is_saved_without_a_word(originals, tmp_path):
    path = no_warning_save(deid.deidentify(originals["slice_001.dcm"], salt=SALT),
                           tmp_path / "quiet.dcm")
    assert pydicom.dcmread(path).file_meta.TransferSyntaxUID == ExplicitVRLittleEndian


@pytest.mark.parametrize("source, syntax", [
    (ROOT / "data" / "ct_small_no_preamble.dcm", ImplicitVRLittleEndian),
    (Path(get_testdata_file("ExplVR_LitEndNoMeta.dcm")), ExplicitVRLittleEndian),
    (Path(get_testdata_file("ExplVR_BigEndNoMeta.dcm")), ExplicitVRBigEndian),
], ids=["implicit-LE", "explicit-LE", "explicit-BE"])
def test_file_meta_of_a_file_read_with_force_is_filled_in_and_said(source, syntax, tmp_path):
    """No preamble, no DICM, no file meta (lesson 01 reads such a file with force=True):
    the Media Storage UIDs come from the dataset, the transfer syntax from how pydicom read
    it, the implementation from pydicom; a warning lists each, and the file reads back
    without force, element for element."""
    ds = pydicom.dcmread(source, force=True)
    assert not ds.file_meta
    with pytest.warns(UserWarning) as record:
        path = dicomview.save_dataset(ds, tmp_path / "fixed.dcm")
    (message,) = [str(w.message) for w in record]
    for said in ("fixed.dcm: ", "Media Storage SOP Class UID set from the dataset's SOPClassUID",
                 "Media Storage SOP Instance UID set from the dataset's SOPInstanceUID",
                 f"Transfer Syntax UID set to {syntax.name} ({syntax})",
                 "Implementation Class UID set to pydicom's",
                 "File Meta Information Version set to 00\\01"):
        assert said in message, (said, message)
    back = pydicom.dcmread(path)
    assert back.file_meta.TransferSyntaxUID == syntax
    assert back.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert [e.tag for e in back] == [e.tag for e in ds]
    assert all(back[e.tag].value == e.value for e in ds if e.VR != "SQ")
    assert not ds.file_meta                                          # the input unchanged


def test_file_meta_that_cannot_be_inferred_is_asked_for(tmp_path):
    """A dataset made in memory has no encoding to infer: the message gives the line to
    run, and running it is enough."""
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.77.3"
    ds.PatientName = "NOBODY"
    with pytest.raises(ValueError, match=r"Set: ds\.file_meta = pydicom\.dataset\."
                       r"FileMetaDataset\(\); ds\.file_meta\.TransferSyntaxUID = "
                       r"pydicom\.uid\.ExplicitVRLittleEndian") as error:
        dicomview.save_dataset(ds, tmp_path / "memory.dcm")
    assert not (tmp_path / "memory.dcm").exists()
    fix = str(error.value).split("Set: ")[1].split(" (")[0]
    exec(fix, {"ds": ds, "pydicom": pydicom})
    # the rest of the file meta comes from the dataset and pydicom, unsaid, as save_as does
    path = no_warning_save(ds, tmp_path / "memory.dcm")
    back = pydicom.dcmread(path)
    assert back.PatientName == "NOBODY"
    assert back.file_meta.MediaStorageSOPClassUID == SecondaryCaptureImageStorage
    assert back.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert "MediaStorageSOPClassUID" not in ds.file_meta                # the input unchanged


def test_media_storage_uids_that_disagree_are_replaced_and_said(originals, tmp_path):
    ds = deid.deidentify(originals["slice_001.dcm"], salt=SALT)
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.77.9"
    with pytest.warns(UserWarning, match=r"Media Storage SOP Instance UID "
                      r"1\.2\.826\.0\.1\.3680043\.8\.498\.77\.9 replaced by the dataset's "
                      r"SOPInstanceUID"):
        path = dicomview.save_dataset(ds, tmp_path / "disagree.dcm")
    assert pydicom.dcmread(path).file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID


def test_compressed_pixel_data_without_a_transfer_syntax_is_asked_for(tmp_path):
    """Which compression the bytes are in cannot be told for sure: no guess."""
    ds = pydicom.dcmread(ROOT / "data" / "mr_small_jpeg_ls.dcm")
    del ds.file_meta.TransferSyntaxUID
    with pytest.raises(ValueError, match=r"ds\.file_meta\.TransferSyntaxUID = <the UID of "
                       r"the compression its Pixel Data is in"):
        dicomview.save_dataset(ds, tmp_path / "compressed.dcm")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.filterwarnings("ignore:VR lookup failed")
def test_a_dataset_without_sop_class_is_asked_for(tmp_path):
    """pydicom 3.0.2's no_meta.dcm starts with a stray byte: read with force=True it is one
    unknown element, with no SOP Class or Instance UID to make file meta from."""
    ds = pydicom.dcmread(get_testdata_file("no_meta.dcm"), force=True)
    assert [e.keyword for e in ds] == [""]
    with pytest.raises(ValueError, match=r"pydicom recognised no standard element in it: "
                       r"was it read with force=True .*Set: ds\.SOPClassUID = .*; "
                       r"ds\.SOPInstanceUID = pydicom\.uid\.generate_uid\(\)$"):
        dicomview.save_dataset(ds, tmp_path / "garbage.dcm")
    ds = Dataset()
    ds.PatientName = "NOBODY"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    with pytest.raises(ValueError) as error:
        dicomview.save_dataset(ds, tmp_path / "no_class.dcm")
    assert str(error.value).endswith("needs what this dataset cannot supply. Set: "
                                     "ds.SOPClassUID = <the SOP Class of what it holds, e.g. "
                                     "pydicom.uid.CTImageStorage for a CT image>; "
                                     "ds.SOPInstanceUID = pydicom.uid.generate_uid()")
    assert list(tmp_path.iterdir()) == []


# --- a DICOMDIR ------------------------------------------------------------------------

DICOMDIR_FOLDER = Path(get_testdata_file("DICOMDIR")).parent      # pydicom's dicomdirtests


def test_dicomdir_is_refused_with_the_way_to_go_on():
    """Its Referenced File IDs carry the Patient ID as a folder name (77654033/CR1/6154)."""
    dicomdir = pydicom.dcmread(DICOMDIR_FOLDER / "DICOMDIR")
    ids = {str(r.PatientID) for r in dicomdir.DirectoryRecordSequence if "PatientID" in r}
    paths = [r.ReferencedFileID for r in dicomdir.DirectoryRecordSequence
             if "ReferencedFileID" in r]
    assert any(path[0] in ids for path in paths)
    assert deid.is_dicomdir(dicomdir)
    with pytest.raises(ValueError, match=r"DICOMDIR .*1\.2\.840\.10008\.1\.3\.10.*Referenced "
                       r"File IDs \(0004,1500\).*FileSet"):
        deid.deidentify(dicomdir, salt=SALT)


def test_a_new_dicomdir_from_released_files_as_the_message_says(tmp_path):
    released = tmp_path / "released"
    released.mkdir()
    for i, name in enumerate(("77654033/CR1/6154", "77654033/CT2/17106")):
        original = pydicom.dcmread(DICOMDIR_FOLDER / name)
        assert not deid.is_dicomdir(original)
        ds = deid.deidentify(original, salt=SALT)
        ds.PatientID, ds.StudyID = "SUBJECT01", "1"
        ds.StudyDate, ds.StudyTime = "20000101", "000000"
        no_warning_save(ds, released / f"{i}.dcm")
    file_set = FileSet()
    for path in sorted(released.glob("*.dcm")):
        file_set.add(path)
    file_set.write(tmp_path / "set")
    written = sorted(p.relative_to(tmp_path / "set").as_posix()
                     for p in (tmp_path / "set").rglob("*") if p.is_file())
    assert written[0] == "DICOMDIR" and all(p.startswith("PT000000/") for p in written[1:])
    raw = b"".join(p.read_bytes() for p in (tmp_path / "set").rglob("*") if p.is_file())
    assert b"77654033" not in raw and b"Doe" not in raw
