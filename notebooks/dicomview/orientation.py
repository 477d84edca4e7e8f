"""Orientation: which way the patient faces in an image, as letters for its four edges.

DICOM places every cross-sectional image in the patient coordinate system (PS3.3
C.7.6.2.1.1): +x towards the patient's Left, +y towards the Posterior (back), +z towards
the Head (LPS). Image Orientation (Patient) (0020,0037) holds the direction cosines of the
first row, then of the first column, in that system. Projection images (CR, DX, MG, ...)
instead carry Patient Orientation (0020,0020): two values written as letters (PS3.3
C.7.6.1.1.1), the direction of the rows (from the first pixel of a row to its last, i.e.
towards the picture's right edge), then of the columns (towards its bottom edge).

`patient_orientation(ds)` gives both as letters, L/R, A/P, H/F, the principal direction
first, then up to two more for an oblique plane; `Orientation.edges()` turns them into the
labels every view puts on its four edges. An image need not have the patient's left on
its right edge: `ct_enhanced_perfusion.dcm`'s rows run towards the patient's right.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from pydicom.dataset import Dataset

from .frames import dataset_name, frame_attributes, number_of_frames

# A component of a unit direction no larger than this (a cosine: about 0.006 degrees out of
# the plane of the other two axes) adds no letter, so that rounding noise such as 1e-7 in
# Image Orientation (Patient) does not make an axial image oblique. The value is David
# Clunie's, in PixelMed (com.pixelmed.dicom.DescriptionFactory.
# makePatientOrientationFromPatientRelativeDirectionCosine, `.0001`); Weasis
# (ImageOrientation) and cornerstone3D, OHIF's engine (getOrientationStringLPS,
# `MIN = 0.0001`), use the same and credit him.
THRESHOLD = 1e-4

# The letter for the positive and the negative direction of each axis (LPS).
_AXES = (("L", "R"), ("P", "A"), ("H", "F"))
_OPPOSITES = {positive: negative for positive, negative in _AXES} | {n: p for p, n in _AXES}


class Orientation(NamedTuple):
    """The patient directions of an image, as PS3.3 C.7.6.1.1.1 writes Patient Orientation.

    - `rows`: the direction the rows run, from the first pixel of a row to its last: the
      way to the picture's right edge;
    - `columns`: the direction down a column: the way to the picture's bottom edge.
    """

    rows: str
    columns: str

    def edges(self) -> dict[str, str]:
        """The label of each edge of the picture: the patient direction that lies that way."""
        return {"top": opposite(self.columns), "bottom": self.columns,
                "left": opposite(self.rows), "right": self.rows}


def _is_direction(letters: str) -> bool:
    """True for one to three letters out of L, R, A, P, H, F (PS3.3 C.7.6.1.1.1)."""
    return 1 <= len(letters) <= 3 and set(letters) <= _OPPOSITES.keys()


def opposite(letters: str) -> str:
    """The opposite direction, letter by letter: `opposite("LP") == "RA"`."""
    if not _is_direction(letters):
        raise ValueError(f"{letters!r} is not a patient direction: one to three of the "
                         "letters L, R, A, P, H, F (PS3.3 C.7.6.1.1.1).")
    return "".join(_OPPOSITES[letter] for letter in letters)


def direction_letters(vector: Sequence[float] | np.ndarray) -> str:
    """The patient direction of a vector in LPS coordinates, as letters.

    The letter of the largest component first, then those of the others in order of
    decreasing size, leaving out any of at most `THRESHOLD` (after scaling the vector to unit
    length); equal components go in x, y, z order. `(1, 0, 0)` is "L", `(0, -0.26, 0.97)`
    "HA".
    """
    v = np.asarray(vector, dtype=float)
    length = np.linalg.norm(v) if v.shape == (3,) else 0.0
    if not (np.isfinite(length) and length > 0):
        raise ValueError(f"{vector!r} has no direction: three finite numbers, not all 0, are needed")
    v = v / length
    order = sorted(range(3), key=lambda axis: -abs(v[axis]))  # stable: ties in x, y, z order
    return "".join(_AXES[axis][int(v[axis] < 0)] for axis in order if abs(v[axis]) > THRESHOLD)


def _present(attrs: Dataset, keyword: str) -> bool:
    """True if `attrs` holds `keyword` with a value (an empty one means "unknown")."""
    return keyword in attrs and not attrs[keyword].is_empty


def _as_list(value: object) -> list:
    """A DICOM value as a list of its values (pydicom gives a single value bare)."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]


def _frame_orientation(ds: Dataset, frame: int) -> Orientation:
    """The orientation of frame `frame`, from Image Orientation (Patient) or Patient Orientation."""
    where = dataset_name(ds) + (f" frame {frame}" if number_of_frames(ds) > 1 else "")
    attrs = frame_attributes(ds, frame)
    if ds.get("AnatomicalOrientationType") == "QUADRUPED":
        raise ValueError(f"{where} is of an animal (Anatomical Orientation Type QUADRUPED), whose "
                         "directions have other names (PS3.3 C.7.6.1.1.1); only BIPED is supported.")
    if _present(attrs, "ImageOrientationPatient"):
        values = _as_list(attrs.ImageOrientationPatient)
        written = "\\".join(map(str, values))  # as DICOM writes it
        try:
            cosines = [float(value) for value in values]
            if len(cosines) != 6:
                raise ValueError(f"it has {len(cosines)} values")
            return Orientation(direction_letters(cosines[:3]), direction_letters(cosines[3:]))
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"Image Orientation (Patient) (0020,0037) of {where} is "
                f"'{written}' ({error}): it should be six numbers, the direction "
                "cosines of the rows, then of the columns (PS3.3 C.7.6.2.1.1).") from None
    # The top level's: frames.py does not merge Patient Orientation in Frame Sequence (0020,9450).
    if _present(ds, "PatientOrientation"):
        values = [str(value) for value in _as_list(ds.PatientOrientation)]
        written = "\\".join(values)
        if len(values) != 2 or not all(map(_is_direction, values)):
            raise ValueError(
                f"Patient Orientation (0020,0020) of {where} is '{written}': it should be "
                "two values, the directions of the rows and of the columns, each one to three of "
                "the letters L, R, A, P, H, F (PS3.3 C.7.6.1.1.1).")
        return Orientation(*values)
    raise ValueError(
        f"{where} has neither Image Orientation (Patient) (0020,0037) nor a value in Patient "
        "Orientation (0020,0020): the file does not say which way the patient lies, so no view "
        "can label its edges with patient directions.")


def patient_orientation(ds: Dataset, *, frame: int | None = None) -> Orientation:
    """The patient directions of the rows and of the columns of `ds` (or of one frame).

    From Image Orientation (Patient) (0020,0037), looked up for the frame as
    `frames.frame_attributes` does (per-frame functional group over shared over top
    level, PS3.3 C.7.6.16.2.4); for a projection image without it, from Patient
    Orientation (0020,0020) as the file writes it.

    `frame` counts from 0 (IndexError if out of range). `None` means the whole file: the
    orientation of a single-frame file, or the one every frame of a multi-frame file shares;
    if frames differ, ValueError asks for `frame=k`. ValueError also when the file gives no
    orientation or a malformed one.
    """
    if frame is not None:
        return _frame_orientation(ds, frame)
    found: dict[Orientation, int] = {}
    for k in range(number_of_frames(ds)):
        found.setdefault(_frame_orientation(ds, k), k)
    if len(found) > 1:
        listed = "; ".join(f"frame {k}: rows {o.rows}, columns {o.columns}" for o, k in found.items())
        raise ValueError(f"the frames of {dataset_name(ds)} differ in orientation ({listed}): "
                         "pass frame=k for the orientation of frame k.")
    return next(iter(found))


def volume_directions(affine: np.ndarray) -> tuple[str, str, str]:
    """The patient directions of a Volume's three index axes: slice, row, column.

    `affine @ (slice, row, column, 1)` is an LPS point (`series.Volume`), so column i of
    the affine is the step of index i. Going up the row index moves down the picture
    (an `Orientation`'s `columns`), going up the column index moves right (its `rows`).
    """
    steps = np.asarray(affine, dtype=float)[:3, :3]
    return direction_letters(steps[:, 0]), direction_letters(steps[:, 1]), direction_letters(steps[:, 2])
