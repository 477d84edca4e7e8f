"""Frames: how many a file has, checking a frame index, and what applies to each frame.

Enhanced multi-frame images (Enhanced CT, Enhanced MR, ...) keep most of what describes
a frame in functional groups (PS3.3 C.7.6.16): the Shared Functional Groups Sequence holds
one item whose macros apply to every frame, the Per-Frame Functional Groups Sequence one
item per frame. A macro sits in one or the other, never in both. Each macro is a sequence
of one item holding the familiar attributes: Pixel Value Transformation (C.7.6.16.2.9)
holds RescaleSlope/RescaleIntercept, Frame VOI LUT (C.7.6.16.2.10) WindowCenter/WindowWidth
and VOILUTFunction, Plane Position (C.7.6.16.2.3) ImagePositionPatient, and so on.

`frame_attributes(ds, k)` gathers them into one small dataset, so that the rest of the
pipeline reads `RescaleSlope` or `WindowCenter` from it as it would from a single-frame file.
A file without functional groups is its own answer for every frame.
"""

from __future__ import annotations

from pathlib import Path

from pydicom.dataset import Dataset

# The macros (sequence keywords) that carry attributes the display pipeline and the
# series loader read, with their sections in PS3.3.
MACROS = (
    "PixelMeasuresSequence",  # C.7.6.16.2.1: PixelSpacing, SliceThickness
    "PlanePositionSequence",  # C.7.6.16.2.3: ImagePositionPatient
    "PlaneOrientationSequence",  # C.7.6.16.2.4: ImageOrientationPatient
    "PixelValueTransformationSequence",  # C.7.6.16.2.9: RescaleSlope, RescaleIntercept, RescaleType
    "FrameVOILUTSequence",  # C.7.6.16.2.10: WindowCenter, WindowWidth, ..., VOILUTFunction
)

# Top-level attributes the pipeline and the loader read, kept in a frame's attributes:
# the same ones where a single-frame file keeps them, and those that are never per frame
# (with the Image Pixel module's, pydicom's apply_modality_lut and apply_voi_lut accept
# a frame's attributes as they accept a single-frame dataset).
TOP_LEVEL = (
    "Rows", "Columns", "SamplesPerPixel", "BitsAllocated", "BitsStored", "HighBit",
    "PixelRepresentation", "PixelSpacing", "SliceThickness", "ImagePositionPatient", "ImageOrientationPatient",
    "RescaleSlope", "RescaleIntercept", "RescaleType", "ModalityLUTSequence",
    "WindowCenter", "WindowWidth", "WindowCenterWidthExplanation", "VOILUTFunction",
    "VOILUTSequence", "PhotometricInterpretation", "PixelPaddingValue",
    "PixelPaddingRangeLimit", "LossyImageCompression",
)


def dataset_name(ds: Dataset) -> str:
    """A short name for the dataset in error messages: its file name, if it has one."""
    filename = getattr(ds, "filename", None)
    return Path(filename).name if isinstance(filename, str) and filename else "this dataset"


def number_of_frames(ds: Dataset) -> int:
    """How many frames the pixel data holds (1 when NumberOfFrames is absent)."""
    value = ds.get("NumberOfFrames")
    try:
        frames = int(value or 1)
    except (TypeError, ValueError):
        frames = 0
    if frames < 1:
        raise ValueError(
            f"{dataset_name(ds)} has Number of Frames (0028,0008) {str(value)!r}, which is not "
            "a whole number of at least 1 (an IS value, PS3.5 6.2), so its pixel data cannot be "
            "split into frames. The file is damaged; if you know the count, set it, e.g. "
            "ds.NumberOfFrames = 1.")
    return frames


def check_frame(ds: Dataset, frame: int) -> None:
    """Raise IndexError, saying which frames there are, unless `ds` has frame `frame`."""
    frames = number_of_frames(ds)
    if not 0 <= frame < frames:
        raise IndexError(
            f"frame {frame} is out of range: {dataset_name(ds)} has {frames} "
            f"frame{'s' if frames > 1 else ''}, numbered 0 to {frames - 1}.")


def has_functional_groups(ds: Dataset) -> bool:
    """True if `ds` carries shared or per-frame functional groups."""
    return bool(ds.get("SharedFunctionalGroupsSequence") or ds.get("PerFrameFunctionalGroupsSequence"))


def frame_attributes(ds: Dataset, frame: int) -> Dataset:
    """The attributes that apply to frame `frame` (counted from 0), in one dataset.

    The top-level attributes first, then the shared functional group's macros over them,
    then the frame's own per-frame macros over those: for a frame, the per-frame group
    wins over the shared one, and both over the top level. A file without functional
    groups is returned itself: its top-level attributes apply to every frame.
    """
    check_frame(ds, frame)
    if not has_functional_groups(ds):
        return ds
    merged = Dataset()
    merged.filename = getattr(ds, "filename", None)  # for error messages
    for keyword in TOP_LEVEL:
        if keyword in ds:
            merged[keyword] = ds[keyword]
    groups = list(ds.get("SharedFunctionalGroupsSequence") or [])[:1]
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    if frame < len(per_frame):
        groups.append(per_frame[frame])
    for group in groups:
        for macro in MACROS:
            for item in group.get(macro) or []:
                for element in item:
                    merged[element.tag] = element
    return merged
