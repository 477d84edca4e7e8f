"""Make the synthetic head CT series, its trap folders and a multi-frame copy (deterministic).

Everything is drawn from one analytic phantom: ellipsoids placed in patient coordinates
(LPS, millimetres; the head's centre at the origin), so the anatomy is smooth from slice to
slice and every folder shows the same head. Each slice averages the phantom across its
thickness (partial volume), then gets a few HU of fixed-seed noise. UIDs, dates and noise
are fixed: every run writes the same bytes (tests/test_data.py checks it).

    python data/make_series.py            # rewrites the folders listed in data/README.md
    python data/make_series.py --out DIR  # writes them under DIR instead

Written into the output folder:
  head_ct_series/            40 axial slices of 256 x 256, CT Image Storage
  series_traps/shuffled_names/   10 slices, file names shuffled, InstanceNumber reversed
  series_traps/missing_slice/    10 of 11 slices: the 6th position (z = 20 mm) is absent
  series_traps/two_series/       a 2 mm series (12 slices) and a 6 mm one (4) in one folder
  series_traps/gantry_tilt/      10 slices acquired with the gantry tilted by 15 degrees
  head_ct_enhanced.dcm       Enhanced CT Image Storage, 10 frames (the shuffled_names slices)
"""

from __future__ import annotations

import argparse
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_ROOT_UID, ExplicitVRLittleEndian, generate_uid

DATA = Path(__file__).resolve().parent
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
INTERCEPT = -1024                      # stored value = HU + 1024
NOISE_HU = 3.0                         # standard deviation of the added noise
NOISE_KEY = 19790101                   # fixed key of the noise generator
FOV_MM = 240.0                         # square field of view of every image

# Main series: 40 slices, 5 mm thick, every 4 mm (overlapping), from z = -72 to +84 mm.
MAIN_ROWS = 256
MAIN_SLICES = 40
MAIN_Z0 = -72.0
MAIN_STEP = 4.0
MAIN_THICKNESS = 5.0
# Trap folders and the multi-frame file: 128 x 128, through the ventricles and lesions.
TRAP_ROWS = 128
TRAP_Z0 = 0.0
MISSING_INDEX = 5                      # 0-based position left out of missing_slice/
TILT_DEGREES = 15
# Cosine and sine of the tilt, rounded as they are written into ImageOrientationPatient;
# the pixels are computed from these same rounded numbers.
TILT_COS = round(math.cos(math.radians(TILT_DEGREES)), 6)
TILT_SIN = round(math.sin(math.radians(TILT_DEGREES)), 6)

# HU of each tissue (the phantom's values before partial volume and noise).
HU = {
    "air": -1000.0,
    "skin": 45.0,
    "fat": -90.0,
    "cortical bone": 1400.0,
    "diploe": 600.0,
    "sinus wall": 1200.0,
    "csf": 5.0,
    "grey matter": 40.0,
    "white matter": 25.0,
    "deep grey matter": 38.0,
    "subdural haematoma": 65.0,
    "infarct": 15.0,
    "muscle": 45.0,
    "orbital fat": -90.0,
    "vitreous": 10.0,
    "lens": 100.0,
}
WINDOWS = [(40, 80, "BRAIN"), (500, 2000, "BONE")]   # center, width, explanation

# Ellipsoids: (centre x, y, z), (radius x, y, z), in mm. +x = patient left,
# +y = posterior, +z = head (superior).
SKULL_OUTER = ((0.0, 0.0, 0.0), (70.0, 90.0, 80.0))
SCALP = 5.0        # skin 2 mm, then 3 mm of fat
OUTER_TABLE = 2.0  # skull: outer table, diploe, inner table
DIPLOE = 3.0
INNER_TABLE = 2.0
SUBARACHNOID = 1.5
CORTEX = 4.0
SDH_SHIFT = 6.0    # the brain pushed 6 mm to the patient's left on the haematoma's side
SDH_Z = (-10.0, 60.0)
INFARCT = ((40.0, -5.0, 24.0), (16.0, 18.0, 14.0))


def _uid(*names: object) -> str:
    """A UID derived from fixed names under pydicom's root, the same on every run."""
    return generate_uid(prefix=PYDICOM_ROOT_UID,
                        entropy_srcs=["dicom-course", "head_ct_series", *map(str, names)])


# --- the phantom ------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """The points of one image plane whose rows run along x: x depends only on the column,
    y and z only on the row (true of axial planes and of planes tilted about x)."""

    x: np.ndarray   # (columns,)
    y: np.ndarray   # (rows,)
    z: np.ndarray   # (rows,)


def _window(grid: Grid, centre, radii) -> tuple[slice, slice] | None:
    """The rows and columns of the grid inside the ellipsoid's bounding box (None: none)."""
    reach = [r + 1.0 for r in radii]
    cols = np.nonzero(np.abs(grid.x - centre[0]) <= reach[0])[0]
    rows = np.nonzero((np.abs(grid.y - centre[1]) <= reach[1])
                      & (np.abs(grid.z - centre[2]) <= reach[2]))[0]
    if not len(rows) or not len(cols):
        return None
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _distance(grid: Grid, centre, radii, window=(slice(None), slice(None))) -> np.ndarray:
    """Approximate signed distance (mm) to the ellipsoid's surface, negative inside:
    (r - 1) / |grad r| for the normalised radius r (exact for a sphere)."""
    rows, cols = window
    a = radii
    qx = ((grid.x[cols] - centre[0]) / a[0])[None, :]
    qy = ((grid.y[rows] - centre[1]) / a[1])[:, None]
    qz = ((grid.z[rows] - centre[2]) / a[2])[:, None]
    r = np.sqrt(qx * qx + (qy * qy + qz * qz))
    grad = np.sqrt((qx / a[0]) ** 2 + ((qy / a[1]) ** 2 + (qz / a[2]) ** 2))
    grad = np.maximum(grad / np.maximum(r, 1e-6), 1.0 / max(a))
    return (r - 1.0) / grad


def _below(distance: np.ndarray | float, depth: float = 0.0) -> np.ndarray:
    """0..1: 1 deeper than `depth` mm under the surface, a 0.9 mm ramp across it, so edges
    are anti-aliased."""
    return np.clip(0.5 - (distance + depth) / 0.9, 0.0, 1.0)


def _ramp(t: np.ndarray, start: float, stop: float) -> np.ndarray:
    """0 below `start`, 1 above `stop`, linear between."""
    return np.clip((t - start) / (stop - start), 0.0, 1.0)


# Small ellipsoids painted in this order, after the skull: (tissue, centre, radii).
FACE = [
    ("muscle", (0.0, -48.0, -62.0), (56.0, 48.0, 34.0)),          # face
    ("muscle", (0.0, 20.0, -95.0), (55.0, 55.0, 45.0)),           # neck
]
SINUSES = [
    ("sinus wall", (0.0, -76.0, -30.0), (24.0, 11.0, 13.0)),      # frontal sinus
    ("air", (0.0, -78.0, -30.0), (15.0, 5.5, 8.0)),
    ("sinus wall", (0.0, -28.0, -58.0), (20.0, 17.0, 14.0)),      # sphenoid sinus
    ("air", (0.0, -28.0, -58.0), (13.0, 10.0, 8.5)),
]
ORBITS = [
    item
    for side in (-1.0, 1.0)
    for item in (
        ("orbital fat", (side * 31.0, -70.0, -44.0), (16.0, 18.0, 14.0)),
        ("vitreous", (side * 31.0, -76.0, -44.0), (11.5, 11.5, 11.5)),
        ("lens", (side * 31.0, -85.5, -44.0), (4.5, 1.8, 4.5)),
    )
]
DEEP = [
    ("deep grey matter", (-11.0, 8.0, 6.0), (8.0, 13.0, 9.0)),    # thalami
    ("deep grey matter", (11.0, 8.0, 6.0), (8.0, 13.0, 9.0)),
]
VENTRICLES = [
    ("csf", (-8.0, -4.0, 20.0), (6.0, 30.0, 9.0)),                # lateral ventricles
    ("csf", (8.0, -4.0, 20.0), (6.0, 30.0, 9.0)),
    ("csf", (-12.0, 24.0, 14.0), (5.0, 10.0, 8.0)),               # their posterior parts
    ("csf", (12.0, 24.0, 14.0), (5.0, 10.0, 8.0)),
    ("csf", (0.0, 6.0, 4.0), (2.5, 12.0, 7.0)),                   # third ventricle
]
# Depths (mm under the outer surface of the skull) where each layer begins.
INNER_TABLE_DEPTH = OUTER_TABLE + DIPLOE
CRANIAL_DEPTH = INNER_TABLE_DEPTH + INNER_TABLE
BRAIN_DEPTH = CRANIAL_DEPTH + SUBARACHNOID
WHITE_DEPTH = BRAIN_DEPTH + CORTEX


def phantom_hu(grid: Grid) -> np.ndarray:
    """HU of the head phantom on the grid's points (patient coordinates, mm)."""
    out = np.full((len(grid.y), len(grid.x)), HU["air"])

    def paint(mask, tissue: str, window=(slice(None), slice(None))) -> None:
        part = out[window]
        part += mask * (HU[tissue] - part)

    def paint_all(items) -> None:
        for tissue, centre, radii in items:
            window = _window(grid, centre, radii)
            if window is not None:
                paint(_below(_distance(grid, centre, radii, window)), tissue, window)

    centre, radii = SKULL_OUTER
    head = _distance(grid, centre, radii)        # mm outside (+) or inside (-) the skull
    paint_all(FACE)
    paint(_below(head, -SCALP), "skin")           # scalp: 2 mm of skin, 3 mm of fat
    paint(_below(head, 2.0 - SCALP), "fat")
    paint(_below(head), "cortical bone")          # skull: outer table, diploe, inner table
    paint(_below(head, OUTER_TABLE), "diploe")
    paint(_below(head, INNER_TABLE_DEPTH), "cortical bone")
    paint_all(SINUSES)
    paint_all(ORBITS)

    # Inside the skull (but not in the sinuses' bone): CSF, grey cortex, white matter.
    keep = np.ones_like(out)
    for tissue, centre_, radii_ in SINUSES[::2]:
        window = _window(grid, centre_, radii_)
        if window is not None:
            keep[window] *= 1.0 - _below(_distance(grid, centre_, radii_, window))
    cranial = _below(head, CRANIAL_DEPTH) * keep
    brain = _below(head, BRAIN_DEPTH) * keep
    paint(cranial, "csf")
    paint(brain, "grey matter")
    paint(_below(head, WHITE_DEPTH) * keep, "white matter")
    paint_all(DEEP)

    # The infarct: a wedge of the left hemisphere at 15 HU (grey and white matter alike).
    window = _window(grid, *INFARCT)
    if window is not None:
        paint(_below(_distance(grid, *INFARCT, window)) * brain[window], "infarct", window)
    paint_all(VENTRICLES)

    # The subdural haematoma: a crescent on the patient's right (x < 0) between the inner
    # table and the brain, which is pushed SDH_SHIFT mm towards the patient's left there.
    cols = np.nonzero(grid.x < 0)[0]
    rows = np.nonzero((grid.z > SDH_Z[0]) & (grid.z < SDH_Z[1]))[0]
    if len(rows) and len(cols):
        window = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
        shifted = (centre[0] + SDH_SHIFT, centre[1], centre[2])
        pushed = _below(_distance(grid, shifted, radii, window), CRANIAL_DEPTH)
        z = grid.z[window[0]][:, None]
        crescent = cranial[window] * (1.0 - pushed) * _ramp(z, SDH_Z[0], SDH_Z[0] + 10.0) \
            * (1.0 - _ramp(z, SDH_Z[1] - 10.0, SDH_Z[1]))
        paint(crescent, "subdural haematoma", window)
    return out


# --- slices -----------------------------------------------------------------------


@dataclass(frozen=True)
class Plane:
    """One image plane: the centre of its first pixel and its row and column directions."""

    position: tuple[float, float, float]
    row: tuple[float, float, float] = (1.0, 0.0, 0.0)
    column: tuple[float, float, float] = (0.0, 1.0, 0.0)


def axial_plane(z: float, size: int) -> Plane:
    """An axial plane at height z whose field of view is centred on the z axis."""
    first = -(size - 1) / 2 * (FOV_MM / size)
    return Plane((first, first, z))


def tilted_plane(table_z: float, size: int) -> Plane:
    """A plane tilted about the x axis: its centre is on the z axis at the table position,
    and its column direction (0, cos, -sin) goes down towards the feet as it goes back."""
    half = (size - 1) / 2 * (FOV_MM / size)
    column = (0.0, TILT_COS, -TILT_SIN)
    return Plane((-half, -half * column[1], table_z - half * column[2]), column=column)


def render(plane: Plane, size: int, thickness: float, key: int) -> np.ndarray:
    """The stored values (int16, HU - INTERCEPT) of one slice through the phantom: the
    phantom averaged over the slice thickness at 4 depths, plus fixed-seed noise."""
    spacing = FOV_MM / size
    row, column = np.array(plane.row), np.array(plane.column)
    assert tuple(row) == (1.0, 0.0, 0.0), "rows must run along x (see Grid)"
    normal = np.cross(row, column)
    idx = np.arange(size) * spacing
    hu = np.zeros((size, size))
    for depth in (-0.375, -0.125, 0.125, 0.375):
        origin = np.array(plane.position) + depth * thickness * normal
        hu += phantom_hu(Grid(x=origin[0] + idx, y=origin[1] + idx * column[1],
                              z=origin[2] + idx * column[2]))
    hu /= 4
    noise = np.random.default_rng([NOISE_KEY, key]).normal(0.0, NOISE_HU, hu.shape)
    return np.rint(hu + noise - INTERCEPT).astype(np.int16)


# --- DICOM files ------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesInfo:
    """What is common to the slices of one series."""

    name: str                 # key for the UIDs
    number: int
    description: str
    thickness: float
    tilt: int = 0


STUDY = {
    "StudyInstanceUID": _uid("study"),
    "FrameOfReferenceUID": _uid("frame of reference"),
}


def _common(ds: Dataset, sop_class: str, sop_instance: str, series: SeriesInfo) -> None:
    """Patient, study, series, equipment and frame-of-reference attributes."""
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = "20240402"
    ds.StudyTime = "093000"
    ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = f"0931{series.number:02d}"
    ds.AccessionNumber = "PHANTOM0002"
    ds.Modality = "CT"
    ds.Manufacturer = "dicom-course synthetic phantom"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "HEAD CT (SYNTHETIC)"
    ds.SeriesDescription = series.description
    ds.PatientName = "PHANTOM^HEAD"
    ds.PatientID = "HEAD-PHANTOM-01"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.BodyPartExamined = "HEAD"
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = STUDY["StudyInstanceUID"]
    ds.SeriesInstanceUID = _uid(series.name, "series")
    ds.StudyID = "1"
    ds.SeriesNumber = series.number
    ds.FrameOfReferenceUID = STUDY["FrameOfReferenceUID"]
    ds.PositionReferenceIndicator = ""


def _file(sop_class: str, sop_instance: str) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)


def _ds(values: float) -> str:
    """A decimal string of at most 16 characters, without a useless trailing '.0'."""
    text = f"{values:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def slice_dataset(series: SeriesInfo, plane: Plane, stored: np.ndarray,
                  instance: int, key: int) -> FileDataset:
    """One CT Image Storage file."""
    sop = _uid(series.name, "instance", key)
    ds = _file(CT_IMAGE_STORAGE, sop)
    _common(ds, CT_IMAGE_STORAGE, sop, series)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SliceThickness = _ds(series.thickness)
    ds.KVP = "120"
    ds.GantryDetectorTilt = str(series.tilt)
    ds.ConvolutionKernel = "SOFT"
    ds.AcquisitionNumber = 1
    ds.InstanceNumber = instance
    ds.ImagePositionPatient = [_ds(v) for v in plane.position]
    ds.ImageOrientationPatient = [_ds(v) for v in (*plane.row, *plane.column)]
    ds.SliceLocation = _ds(float(np.dot(plane.position, np.cross(plane.row, plane.column))))
    spacing = _ds(FOV_MM / stored.shape[0])
    ds.PixelSpacing = [spacing, spacing]
    ds.RescaleIntercept = str(INTERCEPT)
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.WindowCenter = [str(c) for c, _, _ in WINDOWS]
    ds.WindowWidth = [str(w) for _, w, _ in WINDOWS]
    ds.WindowCenterWidthExplanation = [name for _, _, name in WINDOWS]
    ds.set_pixel_data(stored, "MONOCHROME2", bits_stored=16, generate_instance_uid=False)
    return ds


def _item(**elements) -> Dataset:
    item = Dataset()
    for keyword, value in elements.items():
        setattr(item, keyword, value)
    return item


def enhanced_dataset(planes: list[Plane], frames: np.ndarray) -> FileDataset:
    """An Enhanced CT Image Storage file: one frame per plane, with the geometry and the
    rescale in functional groups (PS3.3 C.7.6.16) instead of top-level attributes."""
    series = SeriesInfo("enhanced", 5, "Head 5 mm, enhanced multi-frame (synthetic)",
                        MAIN_THICKNESS)
    sop = _uid(series.name, "instance")
    ds = _file(ENHANCED_CT_IMAGE_STORAGE, sop)
    _common(ds, ENHANCED_CT_IMAGE_STORAGE, sop, series)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
    ds.InstanceNumber = 1
    ds.ContentQualification = "RESEARCH"
    ds.PixelPresentation = "MONOCHROME"
    ds.VolumetricProperties = "VOLUME"
    ds.VolumeBasedCalculationTechnique = "NONE"
    ds.BurnedInAnnotation = "NO"
    ds.AcquisitionDateTime = "20240402093105"
    ds.KVP = "120"
    ds.PresentationLUTShape = "IDENTITY"
    ds.LossyImageCompression = "00"

    dimension_uid = _uid(series.name, "dimension organization")
    ds.DimensionOrganizationSequence = Sequence([_item(DimensionOrganizationUID=dimension_uid)])
    ds.DimensionIndexSequence = Sequence([
        _item(DimensionOrganizationUID=dimension_uid, DimensionIndexPointer=0x00209056,
              FunctionalGroupPointer=0x00209111, DimensionDescriptionLabel="Stack ID"),
        _item(DimensionOrganizationUID=dimension_uid, DimensionIndexPointer=0x00209057,
              FunctionalGroupPointer=0x00209111,
              DimensionDescriptionLabel="In-Stack Position Number"),
    ])
    spacing = _ds(FOV_MM / frames.shape[1])
    shared = _item(
        PixelMeasuresSequence=Sequence([_item(
            PixelSpacing=[spacing, spacing], SliceThickness=_ds(series.thickness))]),
        PlaneOrientationSequence=Sequence([_item(
            ImageOrientationPatient=[_ds(v) for v in (*planes[0].row, *planes[0].column)])]),
        PixelValueTransformationSequence=Sequence([_item(
            RescaleIntercept=str(INTERCEPT), RescaleSlope="1", RescaleType="HU")]),
        FrameVOILUTSequence=Sequence([_item(
            WindowCenter=[str(c) for c, _, _ in WINDOWS],
            WindowWidth=[str(w) for _, w, _ in WINDOWS],
            WindowCenterWidthExplanation=[name for _, _, name in WINDOWS])]),
        CTImageFrameTypeSequence=Sequence([_item(
            FrameType=["ORIGINAL", "PRIMARY", "VOLUME", "NONE"])]),
    )
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.PerFrameFunctionalGroupsSequence = Sequence([
        _item(
            FrameContentSequence=Sequence([_item(
                StackID="1", InStackPositionNumber=n + 1, DimensionIndexValues=[1, n + 1])]),
            PlanePositionSequence=Sequence([_item(
                ImagePositionPatient=[_ds(v) for v in plane.position])]),
        )
        for n, plane in enumerate(planes)
    ])
    ds.set_pixel_data(frames, "MONOCHROME2", bits_stored=16, generate_instance_uid=False)
    return ds


# --- the folders --------------------------------------------------------------------


def _write(ds: FileDataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def main_series(out: Path) -> None:
    series = SeriesInfo("main", 2, "Head 5 mm every 4 mm (synthetic)", MAIN_THICKNESS)
    folder = _fresh(out / "head_ct_series")
    for k in range(MAIN_SLICES):
        plane = axial_plane(MAIN_Z0 + k * MAIN_STEP, MAIN_ROWS)
        stored = render(plane, MAIN_ROWS, MAIN_THICKNESS, key=1000 + k)
        _write(slice_dataset(series, plane, stored, instance=k + 1, key=k),
               folder / f"slice_{k + 1:03d}.dcm")


def trap_planes(count: int) -> list[Plane]:
    return [axial_plane(TRAP_Z0 + k * MAIN_STEP, TRAP_ROWS) for k in range(count)]


def trap_stack(count: int) -> list[np.ndarray]:
    return [render(plane, TRAP_ROWS, MAIN_THICKNESS, key=2000 + k)
            for k, plane in enumerate(trap_planes(count))]


# File names of shuffled_names/, in position order (z = 0, 4, ... 36 mm): neither the
# names' sort order nor their numbers follow the position or the InstanceNumber.
SHUFFLED_NAMES = ["IM7", "IM2", "IM10", "IM5", "IM1", "IM8", "IM3", "IM9", "IM6", "IM4"]


def traps(out: Path, stack: list[np.ndarray]) -> None:
    planes = trap_planes(len(stack))
    # (a) file names shuffled, InstanceNumber counting from the top down.
    series = SeriesInfo("shuffled", 3, "Head 5 mm, shuffled names (synthetic)",
                        MAIN_THICKNESS)
    folder = _fresh(out / "series_traps" / "shuffled_names")
    for k, (plane, stored) in enumerate(zip(planes[:10], stack[:10])):
        _write(slice_dataset(series, plane, stored, instance=10 - k, key=k),
               folder / f"{SHUFFLED_NAMES[k]}.dcm")

    # (b) one slice missing: 11 positions, the 6th (index MISSING_INDEX) left out.
    series = SeriesInfo("missing", 4, "Head 5 mm, one slice missing (synthetic)",
                        MAIN_THICKNESS)
    folder = _fresh(out / "series_traps" / "missing_slice")
    for k, (plane, stored) in enumerate(zip(planes, stack)):
        if k != MISSING_INDEX:
            _write(slice_dataset(series, plane, stored, instance=k + 1, key=k),
                   folder / f"slice_{k + 1:03d}.dcm")

    # (c) two series in one folder: 2 mm slices every 2 mm, and 6 mm slices every 6 mm.
    folder = _fresh(out / "series_traps" / "two_series")
    thin = SeriesInfo("thin", 6, "Head 2 mm (synthetic)", 2.0)
    for k in range(12):
        plane = axial_plane(10.0 + 2.0 * k, TRAP_ROWS)
        stored = render(plane, TRAP_ROWS, thin.thickness, key=3000 + k)
        _write(slice_dataset(thin, plane, stored, instance=k + 1, key=k),
               folder / f"thin_{k + 1:03d}.dcm")
    thick = SeriesInfo("thick", 7, "Head 6 mm (synthetic)", 6.0)
    for k in range(4):
        plane = axial_plane(12.0 + 6.0 * k, TRAP_ROWS)
        stored = render(plane, TRAP_ROWS, thick.thickness, key=4000 + k)
        _write(slice_dataset(thick, plane, stored, instance=k + 1, key=k),
               folder / f"thick_{k + 1:03d}.dcm")

    # (d) gantry tilt: planes tilted about x, positions stepping along z with the table.
    tilt = SeriesInfo("tilt", 8, f"Head 5 mm, gantry tilt {TILT_DEGREES} deg (synthetic)",
                      MAIN_THICKNESS, tilt=TILT_DEGREES)
    folder = _fresh(out / "series_traps" / "gantry_tilt")
    for k in range(10):
        plane = tilted_plane(TRAP_Z0 + k * MAIN_STEP, TRAP_ROWS)
        stored = render(plane, TRAP_ROWS, tilt.thickness, key=5000 + k)
        _write(slice_dataset(tilt, plane, stored, instance=k + 1, key=k),
               folder / f"slice_{k + 1:03d}.dcm")


def multiframe(out: Path, stack: list[np.ndarray]) -> None:
    planes = trap_planes(10)
    _write(enhanced_dataset(planes, np.stack(stack[:10])), out / "head_ct_enhanced.dcm")


FACTS = f"""\
head_ct_series/: {MAIN_SLICES} slices of {MAIN_ROWS} x {MAIN_ROWS}, PixelSpacing {FOV_MM / MAIN_ROWS} mm,
  positions every {MAIN_STEP:g} mm along z from {MAIN_Z0:g} to {MAIN_Z0 + (MAIN_SLICES - 1) * MAIN_STEP:g} mm, \
SliceThickness {MAIN_THICKNESS:g} mm
  haematoma ({HU["subdural haematoma"]:g} HU, patient's right) and infarct ({HU["infarct"]:g} HU, \
left): both on slice_025.dcm (z = 24 mm)
series_traps/: {TRAP_ROWS} x {TRAP_ROWS}, PixelSpacing {FOV_MM / TRAP_ROWS} mm; missing_slice/ lacks \
z = {TRAP_Z0 + MISSING_INDEX * MAIN_STEP:g} mm;
  gantry_tilt/ is tilted {TILT_DEGREES} degrees (column direction 0\\{TILT_COS}\\-{TILT_SIN})
head_ct_enhanced.dcm: the 10 shuffled_names/ slices as Enhanced CT frames
UIDs under {PYDICOM_ROOT_UID}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="folder to write into")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    main_series(out)
    stack = trap_stack(11)
    traps(out, stack)
    multiframe(out, stack)
    print(f"wrote the synthetic head CT series to {out}\n{FACTS}")


if __name__ == "__main__":
    main()
