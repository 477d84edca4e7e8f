"""Tests of orientation labels: which patient direction lies towards each edge of a picture.

Patient coordinates are LPS (PS3.3 C.7.6.2.1.1): +x the patient's Left, +y Posterior,
+z Head. Image Orientation (Patient) holds the direction of the rows (towards the
picture's right edge), then of the columns (towards its bottom edge).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from dicomview.orientation import (THRESHOLD, Orientation, direction_letters, opposite,
                                   patient_orientation, volume_directions)
from dicomview.series import load_series

DATA = Path(__file__).resolve().parents[1] / "data"
AXIAL = [1, 0, 0, 0, 1, 0]


def read(name: str) -> Dataset:
    return pydicom.dcmread(DATA / name, stop_before_pixels=True)


def image(**elements) -> Dataset:
    ds = Dataset()
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


def enhanced(shared_iop: list[float], *per_frame_iop: list[float] | None) -> Dataset:
    """A multi-frame image whose orientation is in functional groups: the shared group
    holds `shared_iop`, frame k's own group `per_frame_iop[k]` (None: none of its own)."""
    ds = image(NumberOfFrames=len(per_frame_iop))
    ds.SharedFunctionalGroupsSequence = [
        image(PlaneOrientationSequence=[image(ImageOrientationPatient=shared_iop)])]
    ds.PerFrameFunctionalGroupsSequence = [
        image(PlaneOrientationSequence=[image(ImageOrientationPatient=iop)]) if iop else image()
        for iop in per_frame_iop]
    return ds


# --- direction_letters and opposite ----------------------------------------------------


def test_each_axis_has_its_letter():
    assert [direction_letters(v) for v in np.eye(3)] == ["L", "P", "H"]
    assert [direction_letters(-v) for v in np.eye(3)] == ["R", "A", "F"]


def test_an_oblique_direction_names_the_largest_component_first():
    # A 15° gantry tilt turns the column direction (0, 1, 0) about x to
    # (0, cos 15°, -sin 15°) = (0, 0.966, -0.259): mostly Posterior, a little to the Feet.
    assert direction_letters([0, math.cos(math.radians(15)), -math.sin(math.radians(15))]) == "PF"
    # A double oblique: 0.8 to the Left, 0.48 to the Head, 0.36 to the Anterior.
    assert direction_letters([0.8, -0.36, 0.48]) == "LHA"
    # The length does not matter, only the direction.
    assert direction_letters([8, -3.6, 4.8]) == "LHA"


def test_rounding_noise_adds_no_letter():
    # Image Orientation (Patient) is text (DS): 1e-7 is rounding, not a tilt.
    assert direction_letters([1, 1e-7, -3e-7]) == "L"
    assert direction_letters([1, THRESHOLD, 0]) == "L"
    assert direction_letters([1, 2 * THRESHOLD, 0]) == "LP"


def test_equal_components_go_in_x_y_z_order():
    half = math.sqrt(0.5)
    assert direction_letters([half, -half, 0]) == "LA"
    assert direction_letters([0, half, half]) == "PH"


def test_a_zero_vector_has_no_direction():
    with pytest.raises(ValueError, match="has no direction"):
        direction_letters([0, 0, 0])


def test_opposite_reverses_each_letter():
    assert opposite("LP") == "RA"
    assert opposite("HFA") == "FHP"
    with pytest.raises(ValueError, match="not a patient direction"):
        opposite("X")


# --- cross-sectional images: Image Orientation (Patient) -------------------------------


def test_axial_ct_small():
    ds = read("ct_small.dcm")
    assert [float(v) for v in ds.ImageOrientationPatient] == AXIAL
    orientation = patient_orientation(ds)
    assert orientation == Orientation(rows="L", columns="P")
    # the usual radiological view: the patient's right on the picture's left, face up
    assert orientation.edges() == {"top": "A", "bottom": "P", "left": "R", "right": "L"}


def test_axial_synthetic():
    assert patient_orientation(image(ImageOrientationPatient=AXIAL)) == ("L", "P")


def test_sagittal():
    # rows towards the back, columns towards the feet: the face on the picture's left
    orientation = patient_orientation(image(ImageOrientationPatient=[0, 1, 0, 0, 0, -1]))
    assert orientation == ("P", "F")
    assert orientation.edges() == {"top": "H", "bottom": "F", "left": "A", "right": "P"}


def test_coronal():
    orientation = patient_orientation(image(ImageOrientationPatient=[1, 0, 0, 0, 0, -1]))
    assert orientation == ("L", "F")
    assert orientation.edges() == {"top": "H", "bottom": "F", "left": "R", "right": "L"}


def test_oblique_gantry_tilt():
    # rows (1, 0, 0): L; columns (0, cos 15°, -sin 15°) = (0, 0.966, -0.259): P, then F.
    # The top edge is the opposite, A then H.
    tilt = math.radians(15)
    orientation = patient_orientation(
        image(ImageOrientationPatient=[1, 0, 0, 0, math.cos(tilt), -math.sin(tilt)]))
    assert orientation == ("L", "PF")
    assert orientation.edges() == {"top": "AH", "bottom": "PF", "left": "R", "right": "L"}


def test_oblique_shoulder_mr():
    # rows (0.569486, 0.822001, 0): P (0.82) then L (0.57); columns (-0, 0, -1): F
    ds = read("shoulder_mr.dcm")
    assert ds.ImageOrientationPatient[1] == pytest.approx(0.822001)
    assert patient_orientation(ds) == ("PL", "F")


def test_rows_towards_the_patients_right():
    # The perfusion map keeps its orientation in the shared functional group: the rows run
    # along -x, towards the patient's Right. So the picture's right edge is the patient's
    # right, the mirror image of the usual axial view, where a defect would look like one
    # in the other hemisphere.
    ds = read("ct_enhanced_perfusion.dcm")
    plane = ds.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0]
    assert [float(v) for v in plane.ImageOrientationPatient] == [-1, 0, 0, 0, 1, 0]
    orientation = patient_orientation(ds)
    assert orientation == ("R", "P")
    assert orientation.edges() == {"top": "A", "bottom": "P", "left": "L", "right": "R"}
    assert patient_orientation(ds, frame=1) == ("R", "P")


# --- multi-frame: functional groups and frame=k ----------------------------------------


def test_enhanced_ct_shares_one_orientation():
    ds = read("head_ct_enhanced.dcm")
    assert ds.NumberOfFrames == 10
    assert patient_orientation(ds) == ("L", "P")
    assert patient_orientation(ds, frame=9) == ("L", "P")


def test_per_frame_orientation_wins_over_shared():
    ds = enhanced(AXIAL, None, [0, 1, 0, 0, 0, -1])  # frame 1 is sagittal
    assert patient_orientation(ds, frame=0) == ("L", "P")  # shared
    assert patient_orientation(ds, frame=1) == ("P", "F")  # its own


def test_frames_that_differ_need_a_frame():
    ds = enhanced(AXIAL, None, [0, 1, 0, 0, 0, -1])
    with pytest.raises(ValueError, match=r"differ in orientation .*frame 1: rows P.*pass frame=k"):
        patient_orientation(ds)


def test_frames_that_agree_need_no_frame():
    ds = enhanced([0, 1, 0, 0, 0, -1], [0, 1, 0, 0, 0, -1], None)
    assert patient_orientation(ds) == ("P", "F")


def test_a_frame_out_of_range():
    with pytest.raises(IndexError, match="frame 2 is out of range"):
        patient_orientation(enhanced(AXIAL, None, None), frame=2)
    with pytest.raises(IndexError, match="has 1 frame, numbered 0 to 0"):
        patient_orientation(read("ct_small.dcm"), frame=1)


# --- projection images: Patient Orientation --------------------------------------------


def test_chest_cr_from_patient_orientation():
    ds = read("chest_cr.dcm")
    assert "ImageOrientationPatient" not in ds and ds.PatientOrientation == ["L", "F"]
    orientation = patient_orientation(ds)
    assert orientation == ("L", "F")
    # a chest film seen from behind (posteroanterior): the patient's left on the right
    assert orientation.edges() == {"top": "H", "bottom": "F", "left": "R", "right": "L"}


def test_dental_dx_from_patient_orientation():
    ds = read("dental_dx_phantom.dcm")
    assert ds.PatientOrientation == ["R", "F"]
    assert patient_orientation(ds).edges() == {"top": "H", "bottom": "F", "left": "L", "right": "R"}


def test_oblique_patient_orientation_is_taken_as_written():
    assert patient_orientation(image(PatientOrientation=["LP", "FA"])) == ("LP", "FA")


def test_image_orientation_wins_over_patient_orientation():
    ds = image(ImageOrientationPatient=AXIAL, PatientOrientation=["R", "F"])
    assert patient_orientation(ds) == ("L", "P")


# --- files that say nothing, or something malformed ------------------------------------


def test_no_orientation_at_all():
    with pytest.raises(ValueError, match=r"neither Image Orientation \(Patient\) \(0020,0037\) "
                       r"nor a value in Patient Orientation \(0020,0020\).*no view can label"):
        patient_orientation(image(Modality="OT"))


def test_an_empty_patient_orientation_means_unknown():
    # Patient Orientation is type 2C: the NM file writes it empty, i.e. unknown
    ds = read("nm_jpeg_extended_12bit.dcm")
    assert ds["PatientOrientation"].is_empty
    with pytest.raises(ValueError, match="does not say which way the patient lies"):
        patient_orientation(ds)


def test_enhanced_mr_without_plane_orientation():
    with pytest.raises(ValueError, match="head_mr_multiframe.dcm frame 0 has neither"):
        patient_orientation(read("head_mr_multiframe.dcm"))


def test_image_orientation_with_five_values():
    with pytest.raises(ValueError, match=r"Image Orientation \(Patient\) \(0020,0037\) of this "
                       r"dataset is '1\\0\\0\\0\\1' \(it has 5 values\): it should be six numbers"):
        patient_orientation(image(ImageOrientationPatient="1\\0\\0\\0\\1"))


def test_image_orientation_that_is_not_numbers():
    ds = Dataset()
    text = b"a\\0\\0\\0\\1\\0"  # as a file would hold it; pydicom refuses to set it
    ds[0x00200037] = RawDataElement(Tag(0x00200037), "DS", len(text), text, 0, False, True)
    with pytest.raises(ValueError, match=r"is 'a\\0\\0\\0\\1\\0' \(could not convert"):
        patient_orientation(ds)


def test_image_orientation_with_a_zero_vector():
    with pytest.raises(ValueError, match=r"is '0\\0\\0\\0\\1\\0' .*has no direction"):
        patient_orientation(image(ImageOrientationPatient="0\\0\\0\\0\\1\\0"))


def test_malformed_patient_orientation():
    with pytest.raises(ValueError, match=r"Patient Orientation \(0020,0020\) .* is 'L': it should be two"):
        patient_orientation(image(PatientOrientation="L"))
    with pytest.raises(ValueError, match=r"is 'L\\X'"):
        patient_orientation(image(PatientOrientation=["L", "X"]))


def test_an_animal_is_not_labelled_with_human_directions():
    ds = image(ImageOrientationPatient=AXIAL, AnatomicalOrientationType="QUADRUPED")
    with pytest.raises(ValueError, match="only BIPED"):
        patient_orientation(ds)


# --- series and volumes ----------------------------------------------------------------


def test_head_ct_series_is_axial():
    paths = sorted((DATA / "head_ct_series").glob("*.dcm"))
    assert len(paths) == 40
    assert {patient_orientation(pydicom.dcmread(p, stop_before_pixels=True)) for p in paths} == {
        ("L", "P")}
    # slices from the feet up, rows down the picture towards the back, columns to the left
    assert volume_directions(load_series(DATA / "head_ct_series").affine) == ("H", "P", "L")


def test_gantry_tilt_series():
    # The file's Image Orientation (Patient) is 1\0\0\0\0.965926\-0.258819: rows L, columns
    # 0.966 Posterior and 0.259 to the Feet, so PF. The table moves (0, 0, 4) mm per slice: H.
    ds = read("series_traps/gantry_tilt/slice_001.dcm")
    assert [float(v) for v in ds.ImageOrientationPatient] == [1, 0, 0, 0, 0.965926, -0.258819]
    assert patient_orientation(ds) == ("L", "PF")
    volume = load_series(DATA / "series_traps" / "gantry_tilt")
    assert volume_directions(volume.affine) == ("H", "PF", "L")
