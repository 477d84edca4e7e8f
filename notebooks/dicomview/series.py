"""From a folder of slices to a 3-D volume in patient space.

`find_series(folder)` reads only the headers (`stop_before_pixels=True`) and groups the
files by SeriesInstanceUID. `load_series(source)` orders one series' slices by their
position along the slice normal, measures the spacing from those positions, and reads
the pixels once per slice into one preallocated float32 array, through the same modality
LUT as `pipeline.modality_values` (HU for CT). The result is a `Volume` whose `affine`
maps a voxel index (slice, row, column) to the patient-space point (LPS, mm) of its
centre.

Why by position: Image Position (Patient) is the centre of a slice's first voxel and
Image Orientation (Patient) holds the direction cosines of its first row, then of its
first column (PS3.3 C.7.6.2.1.1); their cross product is the slice normal. File names,
InstanceNumber and SliceLocation are no reliable order, and SliceThickness is not the
distance between slices (slices may overlap or leave gaps).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import iter_pixels, pixel_array

from .frames import frame_attributes, number_of_frames
from .checks import check_decoder, check_greyscale, decoding
from .orientation import volume_directions
from .pipeline import apply_modality, stored_values
from .windows import Window, file_windows

# Direction cosines that differ by less than this are the same orientation.
_ORIENTATION_TOLERANCE = 1e-4
# A step between neighbouring slices that differs from the median step by more than this
# fraction of it is "far from the others" (a missing or extra slice). Positions rounded
# to 0.1 mm move a 1 mm step by at most 20 %.
_STEP_TOLERANCE = 0.5


@dataclass(frozen=True)
class Series:
    """One series found in a folder: its identity and its files (not yet read whole)."""

    uid: str
    number: int | None
    description: str
    modality: str
    paths: tuple[Path, ...]
    # The headers read while finding, kept so that loading reads each file only once more.
    headers: tuple[Dataset, ...] = field(default=(), repr=False, compare=False)

    def __str__(self) -> str:
        number = "-" if self.number is None else self.number
        description = self.description or "(no description)"
        return f"series {number} {description!r}: {len(self.paths)} files, {self.modality}, UID {self.uid}"


class SeriesList(list):
    """The series `find_series` found (a list of `Series`), and `skipped`: how many
    files in the folder were not DICOM images (other files, a DICOMDIR, a report...)."""

    def __init__(self, series: Iterable[Series] = (), skipped: int = 0):
        super().__init__(series)
        self.skipped = skipped

    def __str__(self) -> str:
        lines = [str(series) for series in self]
        lines.append(f"{self.skipped} file{'s' * (self.skipped != 1)} skipped: not DICOM images")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Volume:
    """A series as one array in patient space.

    - `values`: float32 (slices, rows, columns), modality values (HU for CT), slices in
      order along the slice normal;
    - `spacing`: (slice, row, column) in mm; the slice spacing is the distance between
      slice planes measured from the positions (not SliceThickness), the row and column
      spacing come from PixelSpacing (row spacing first, PS3.3 10.7.1.3);
    - `positions`: (slices, 3) ImagePositionPatient of each slice, in order;
    - `affine`: 4 x 4, `affine @ (slice, row, column, 1)` = the LPS point (mm) of that
      voxel's centre. Its first column is the measured step from one slice's position to
      the next: with a gantry tilt that step is slanted, and the affine is sheared;
    - `windows`: the first slice's own windows (the viewers start with the first);
    - `modality`: the series' Modality ("CT", "MR", ...).

    The arrays are read-only, as the dataclass is frozen.
    """

    values: np.ndarray
    spacing: tuple[float, float, float]
    positions: np.ndarray
    affine: np.ndarray
    series_uid: str
    description: str
    windows: tuple[Window, ...] = field(default=())
    modality: str = ""

    @property
    def directions(self) -> tuple[str, str, str]:
        """The patient direction (letters L/R, A/P, H/F, PS3.3 C.7.6.1.1.1) in which each
        axis (slice, row, column) runs, from the affine: e.g. ("H", "P", "L") for axial
        slices stored feet to head with rows running to the patient's left."""
        return volume_directions(self.affine)

    def __post_init__(self) -> None:
        for array in (self.values, self.positions, self.affine):
            array.flags.writeable = False

    def __repr__(self) -> str:
        slices, rows, columns = self.values.shape
        spacing = " x ".join(f"{value:.3g}" for value in self.spacing)
        return (f"Volume({self.description or 'no description'!r}, {slices} slices of "
                f"{rows} x {columns}, spacing {spacing} mm)")


@dataclass(frozen=True)
class _Slice:
    """What ordering needs from one slice's header (or one frame's functional groups)."""

    source: Path | int  # a file, or a frame index of a multi-frame file
    position: np.ndarray  # ImagePositionPatient
    orientation: np.ndarray  # ImageOrientationPatient: row cosines, then column cosines
    shape: tuple[int, int]
    pixel_spacing: tuple[float, float]


# --- finding ---------------------------------------------------------------------------


def _read_header(path: Path) -> Dataset | None:
    """The header of a DICOM image file, or None for anything else."""
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, OSError, ValueError, EOFError):
        return None
    if "SeriesInstanceUID" not in ds or "Rows" not in ds:
        return None  # DICOM, but no image: a DICOMDIR, a report, a presentation state
    return ds


def _group(paths: Iterable[Path]) -> SeriesList:
    """Read each file's header and group the DICOM images by SeriesInstanceUID."""
    headers: dict[str, list[tuple[Path, Dataset]]] = {}
    skipped = 0
    for path in paths:
        ds = _read_header(path)
        if ds is None:
            skipped += 1
        else:
            headers.setdefault(str(ds.SeriesInstanceUID), []).append((path, ds))
    found = []
    for uid, members in headers.items():
        first = members[0][1]
        number = first.get("SeriesNumber")
        found.append(Series(
            uid=uid,
            number=None if number in (None, "") else int(number),
            description=str(first.get("SeriesDescription") or ""),
            modality=str(first.get("Modality") or ""),
            paths=tuple(path for path, _ in members),
            headers=tuple(ds for _, ds in members),
        ))
    found.sort(key=lambda s: (s.number is None, s.number or 0, s.uid))
    return SeriesList(found, skipped)


def find_series(folder: str | Path) -> SeriesList:
    """The series in `folder` (its files, not its subfolders), sorted by SeriesNumber.

    Only headers are read (`stop_before_pixels=True`), so this is quick even for large
    series. Files that are not DICOM images are skipped; the returned list's `skipped`
    says how many.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder; give the folder that holds the slices.")
    return _group(sorted(path for path in folder.iterdir() if path.is_file()))


def _choose(found: SeriesList, series_uid: str | None, where: str) -> Series:
    """The one series to load: the only one, or the one with `series_uid`."""
    if not found:
        raise ValueError(
            f"{where} holds no DICOM images ({found.skipped} other files skipped). "
            "Check the path: it should be the folder of one exam's slices (.dcm files, "
            "or files without an extension).")
    if series_uid is not None:
        for series in found:
            if series.uid == series_uid:
                return series
        raise ValueError(f"{where} has no series with UID {series_uid}; it has:\n{found}")
    if len(found) > 1:
        listing = "\n".join(f"  {series}" for series in found)
        raise ValueError(
            f"{where} holds {len(found)} series; a volume is made of one. Choose one: "
            f"load_series(folder, series_uid={found[0].uid!r}), or "
            f"load_series(find_series(folder)[0]). The series:\n{listing}")
    return found[0]


# --- geometry --------------------------------------------------------------------------


def _numbers(value: object, count: int, what: str, name: str) -> np.ndarray:
    """A multi-valued DS element as float64, checked to have `count` values."""
    if value is None or len(value) != count:
        raise ValueError(
            f"{name} has no {what} ({count} numbers), so its place in the volume is "
            "unknown: it is no slice of a volume (a localizer or a secondary capture?). "
            "Leave it out.")
    return np.array([float(v) for v in value], dtype=np.float64)


def _slice_of(ds: Dataset, source: Path | int, name: str, groups: Dataset | None = None) -> _Slice:
    """A `_Slice` from a header; `groups` is a frame's merged functional groups, if any."""
    where = ds if groups is None else groups
    return _Slice(
        source=source,
        position=_numbers(where.get("ImagePositionPatient"), 3, "ImagePositionPatient", name),
        orientation=_numbers(where.get("ImageOrientationPatient"), 6, "ImageOrientationPatient", name),
        shape=(int(ds.Rows), int(ds.Columns)),
        pixel_spacing=tuple(_numbers(where.get("PixelSpacing"), 2, "PixelSpacing", name)),
    )


def _check_alike(slices: list[_Slice], name: str) -> None:
    """Raise unless every slice has the first one's size and orientation."""
    first = slices[0]
    for other in slices[1:]:
        if other.shape != first.shape:
            raise ValueError(
                f"{name}: slices of different size ({first.shape[0]} x {first.shape[1]} and "
                f"{other.shape[0]} x {other.shape[1]} pixels) do not stack into one volume. "
                "The folder mixes images of different series or acquisitions; pass only the "
                "paths of one of them.")
        if np.abs(other.orientation - first.orientation).max() > _ORIENTATION_TOLERANCE:
            raise ValueError(
                f"{name}: slices of different orientation (ImageOrientationPatient "
                f"{_format(first.orientation)} and {_format(other.orientation)}) are not "
                "parallel planes of one volume (a localizer or a second plane in the same "
                "series?). Pass only the paths of the slices that share one orientation.")


def _format(vector: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.7g}" for v in vector) + ")"


def _order(slices: list[_Slice], name: str) -> list[_Slice]:
    """The slices sorted along the slice normal (the row cosines x the column cosines).

    Checks the steps between neighbours: none may be zero (two slices in one place) or far
    from the median step (a missing slice).
    """
    if len(slices) < 2:
        raise ValueError(
            f"{name} has {len(slices)} slice{'s' * (len(slices) != 1)}; a volume needs at "
            "least two, to measure the distance between them. For one image use "
            "dicomview.modality_values(pydicom.dcmread(path)).")
    _check_alike(slices, name)
    rows, columns = slices[0].orientation[:3], slices[0].orientation[3:]
    normal = np.cross(rows, columns)
    ordered = sorted(slices, key=lambda s: float(s.position @ normal))
    along = np.array([s.position @ normal for s in ordered])
    steps = np.diff(along)
    median = float(np.median(steps))
    for i, step in enumerate(steps):
        if step < 1e-3 or abs(step - median) > _STEP_TOLERANCE * median:
            _raise_gap(ordered[i], ordered[i + 1], float(step), median, name)
    return ordered


def _raise_gap(before: _Slice, after: _Slice, step: float, median: float, name: str) -> None:
    """The error for a step between two neighbouring slices far from the others."""
    between = f"between positions {_format(before.position)} and {_format(after.position)}"
    if step < 1e-3:
        raise ValueError(
            f"{name}: two slices lie in one place ({between}): duplicate files, or several "
            "acquisitions at the same positions (a time series, several echoes). Remove the "
            "duplicates, or pass the paths of one acquisition.")
    if step > median:
        missing = round(step / median) - 1
        raise ValueError(
            f"{name}: a slice is missing {between}: the step there is {step:.4g} mm, the "
            f"others {median:.4g} mm (about {missing} slice{'s' * (missing != 1)} missing). "
            "Find the missing file(s) and add them; or load the two parts as separate "
            "volumes by passing each part's paths.")
    raise ValueError(
        f"{name}: the step {between} is {step:.4g} mm, the others {median:.4g} mm: "
        "slices of another series or reconstruction are mixed in. Pass only one series' paths.")


def _affine(ordered: list[_Slice]) -> np.ndarray:
    """Voxel (slice, row, column) -> LPS mm. Slice axis: the step between positions, fitted
    over the whole stack (real positions are often rounded to 0.1 mm), slanted for a tilted
    gantry; row axis: the column cosines times the row spacing; column axis: the row
    cosines times the column spacing (PS3.3 C.7.6.2.1.1)."""
    positions = np.array([s.position for s in ordered])
    index = np.arange(len(ordered)) - (len(ordered) - 1) / 2
    step = index @ (positions - positions.mean(axis=0)) / (index @ index)  # least squares
    first = ordered[0]
    row_spacing, column_spacing = first.pixel_spacing
    affine = np.eye(4)
    affine[:3, 0] = step
    affine[:3, 1] = first.orientation[3:] * row_spacing
    affine[:3, 2] = first.orientation[:3] * column_spacing
    affine[:3, 3] = positions.mean(axis=0) - step * (len(ordered) - 1) / 2
    return affine


# --- loading ---------------------------------------------------------------------------


def _volume(ordered: list[_Slice], values: np.ndarray, first: Dataset,
            windows: list[Window]) -> Volume:
    """Assemble the Volume from ordered slices, their values, one header and its windows.
    The slice spacing is the fitted step's length along the normal: the distance between
    the planes, shorter than the step itself when the gantry is tilted."""
    affine = _affine(ordered)
    normal = np.cross(ordered[0].orientation[:3], ordered[0].orientation[3:])
    return Volume(
        values=values,
        spacing=(float(affine[:3, 0] @ normal), *ordered[0].pixel_spacing),
        positions=np.array([s.position for s in ordered]),
        affine=affine,
        series_uid=str(first.get("SeriesInstanceUID") or ""),
        description=str(first.get("SeriesDescription") or ""),
        windows=tuple(windows),
        modality=str(first.get("Modality") or ""),
    )


def _load_files(series: Series, name: str) -> Volume:
    """Order a series' single-frame files by position and read their pixels into one array."""
    headers = dict(zip(series.paths, series.headers or map(_read_header, series.paths)))
    slices = [_slice_of(ds, path, path.name) for path, ds in headers.items() if ds is not None]
    ordered = _order(slices, name)
    values = np.empty((len(ordered), *ordered[0].shape), dtype=np.float32)
    for index, item in enumerate(ordered):
        if index == 0:  # read whole once, for the pipeline's checks (greyscale, decoder)
            stored = stored_values(pydicom.dcmread(item.source))
        else:  # the pixel module only: quicker than reading the whole file again
            with decoding(headers[item.source]):
                stored = pixel_array(item.source)
        if stored.shape != values.shape[1:]:
            raise ValueError(f"{item.source.name} is not a greyscale slice like the first one "
                             f"(its pixels have shape {stored.shape}); leave it out.")
        apply_modality(stored, headers[item.source], values[index])
        del stored  # before the next slice is read
    first = headers[ordered[0].source]
    return _volume(ordered, values, first, file_windows(first))


def _dose_planes(ds: Dataset, frames: int, name: str) -> list[_Slice]:
    """The planes of an RT Dose grid, placed by Grid Frame Offset Vector (3004,000C).

    PS3.3 C.8.8.3.2: if its first value is 0, the offsets are along the normal (row x
    column direction) from Image Position (Patient), the first plane's position; if its
    first value equals that position's z and the orientation is 1\\0\\0\\0\\1\\0, they are
    the planes' z coordinates. Any other vector is not one the standard defines.
    """
    offsets = _numbers(ds.get("GridFrameOffsetVector"), frames, "GridFrameOffsetVector", name)
    position = _numbers(ds.get("ImagePositionPatient"), 3, "ImagePositionPatient", name)
    orientation = _numbers(ds.get("ImageOrientationPatient"), 6, "ImageOrientationPatient", name)
    if offsets[0] == 0:  # relative
        positions = position + offsets[:, np.newaxis] * np.cross(orientation[:3], orientation[3:])
    elif np.isclose(offsets[0], position[2]) and np.allclose(orientation, [1, 0, 0, 0, 1, 0]):
        positions = np.column_stack([np.full(frames, position[0]), np.full(frames, position[1]), offsets])
    else:
        raise ValueError(
            f"{name}: its Grid Frame Offset Vector (3004,000C) starts at {offsets[0]:g}, which is "
            "neither 0 (offsets from Image Position (Patient)) nor that position's z with an axial "
            "orientation (z coordinates), the two forms PS3.3 C.8.8.3.2 allows; so its planes "
            "cannot be placed. Show its frames one by one: dicomview.to_display(ds, frame=0).")
    spacing = tuple(_numbers(ds.get("PixelSpacing"), 2, "PixelSpacing", name))
    return [_Slice(source=k, position=positions[k], orientation=orientation,
                   shape=(int(ds.Rows), int(ds.Columns)), pixel_spacing=spacing)
            for k in range(frames)]


def _load_multiframe(path: Path) -> Volume:
    """Order the frames of one multi-frame file by their plane positions and convert them:
    an enhanced file's frames by their functional groups, an RT Dose grid's by its Grid
    Frame Offset Vector (in Gy, or the file's Dose Units, through Dose Grid Scaling)."""
    ds = pydicom.dcmread(path, defer_size="64 KB")  # the pixel data stays on disk
    frames = number_of_frames(ds)
    if "GridFrameOffsetVector" in ds and not ds.get("PerFrameFunctionalGroupsSequence"):
        slices = _dose_planes(ds, frames, path.name)
        # PS3.3 C.8.8.3: stored values times Dose Grid Scaling (3004,000E) give the dose, so
        # it acts as a rescale slope.
        scaling = Dataset()
        scaling.RescaleSlope = ds.get("DoseGridScaling") or 1.0
        groups = [scaling] * frames
    elif len(ds.get("PerFrameFunctionalGroupsSequence") or []) != frames:
        raise ValueError(
            f"{path.name} has {frames} frame{'s' * (frames != 1)} but no plane position per "
            "frame (PerFrameFunctionalGroupsSequence, or an RT Dose's Grid Frame Offset "
            "Vector), so its frames are not slices at known places (a cine loop or an old "
            "multi-frame file). Show its frames one by one, e.g. "
            "dicomview.to_display(ds, frame=0).")
    else:
        groups = [frame_attributes(ds, frame) for frame in range(frames)]
        slices = [_slice_of(ds, frame, f"{path.name} frame {frame}", g)
                  for frame, g in enumerate(groups)]
    ordered = _order(slices, path.name)
    check_greyscale(ds)
    check_decoder(ds)
    rank = {item.source: index for index, item in enumerate(ordered)}
    values = np.empty((frames, *ordered[0].shape), dtype=np.float32)
    with decoding(ds):
        for frame, stored in enumerate(iter_pixels(path)):  # one frame at a time, from the file
            apply_modality(stored, groups[frame], values[rank[frame]])
    windows = file_windows(groups[ordered[0].source])
    return _volume(ordered, values, ds, windows)


def load_series(source: str | Path | Series | Iterable[str | Path], *,
                series_uid: str | None = None) -> Volume:
    """Load one series as a `Volume`: values in modality units, ordered along the slice
    normal, with its spacing and affine measured from the slice positions.

    `source` is a folder (its series are found with `find_series`; if it holds several,
    pick one with `series_uid`), a `Series` that `find_series` returned, an iterable of
    file paths, or one multi-frame file whose frames carry plane positions (an enhanced
    image's functional groups, or an RT Dose grid's Grid Frame Offset Vector). Each slice's
    pixels are read once, straight into one float32 array, so the peak memory stays near
    the volume's own size.
    """
    if isinstance(source, Series):
        return _load_files(source, f"series {source.number}")
    if isinstance(source, (str, Path)):
        source = Path(source)
        if source.is_dir():
            series = _choose(find_series(source), series_uid, f"folder {source.name}")
            return _load_files(series, f"folder {source.name}")
        if not source.is_file():
            raise FileNotFoundError(
                f"{source} does not exist; give a folder, a list of files or one multi-frame file.")
        ds = _read_header(source)
        if ds is not None and number_of_frames(ds) > 1:
            return _load_multiframe(source)
        paths = [source]
    else:
        paths = [Path(path) for path in source]
    series = _choose(_group(paths), series_uid, "the files given")
    return _load_files(series, "the files given")
