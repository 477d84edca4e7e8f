"""Display preparation: everything a view needs from an image or a volume, computed once.

Every view of the course (WindowingViewer, VolumeViewer, BrowserViewer, CinePlayer, a
Matplotlib figure) needs the same things from what it shows: the values at display size,
their range, the image's own windows and the choices offered beside them, the VOI
function, whether to invert (MONOCHROME1), the unit, the aspect of a pixel on screen,
slider limits, a name, and which patient direction each edge of the picture faces.
`prepare` computes them here, without widgets, so that each viewer is only layout and
events on top of it. `VolumePlanes` does the same for the coronal and sagittal planes of
a volume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from .frames import dataset_name, frame_attributes, number_of_frames
from .orientation import Orientation, opposite, patient_orientation, volume_directions
from .pipeline import display_values, downsample_slices, padding_values, value_range
from .windows import PRESETS, Window, file_windows, usable_windows, voi_function

# The longest side, in pixels, of an image sent to the browser, for every viewer.
DEFAULT_MAX_SIZE = 512
# A key press moves a window slider by one step: about 1/200 of the range of the values.
STEPS_PER_RANGE = 200
PLANES = ("axial", "coronal", "sagittal")

Edges = dict[str, str]  # {"top": "A", "bottom": "P", "left": "R", "right": "L"}


def format_number(value: float) -> str:
    """A window value for people: at most one decimal, no trailing zeros, a real minus."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return ("0" if text == "-0" else text).replace("-", "\u2212")


def nice_step(span: float, steps: int = STEPS_PER_RANGE) -> float:
    """A round slider step (1, 2 or 5 times a power of ten) near `span / steps`."""
    raw = span / steps if span > 0 else 1.0
    exponent = math.floor(math.log10(raw))
    candidates = [m * 10.0**e for e in (exponent, exponent + 1) for m in (1, 2, 5)]
    return min(candidates, key=lambda c: abs(math.log(c / raw)))


def window_choices(own: list[Window], low: float, high: float, *, ct: bool = False,
                   padded: bool = False) -> list[tuple[str, Window]]:
    """The windows a viewer offers, labelled: the image's own, then the full range of its
    values (`low` to `high`), then the CT presets if `ct`."""
    full_range = Window(center=(low + high) / 2, width=max(high - low, 1.0), name="full range")
    choices = [(f"file: {w.name or f'window {i + 1}'}", w) for i, w in enumerate(own)]
    choices.append(("full range, padding left out" if padded else "full range", full_range))
    if ct:
        choices += [(f"preset: {name}", w) for name, w in PRESETS.items()]
    return [(f"{label} (C {format_number(w.center)}, W {format_number(w.width)})", w)
            for label, w in choices]


@dataclass(frozen=True)
class SliderLimits:
    """Where center and width sliders may go: the values and every offered window, on a
    grid of whole steps (`step` from `nice_step`); the width starts at the first step >= 1."""

    step: float
    center_low: float
    center_high: float
    width_low: float
    width_high: float


def slider_limits(low: float, high: float, windows: list[Window]) -> SliderLimits:
    """The slider limits for values from `low` to `high` and the windows offered."""
    step = nice_step(high - low)
    return SliderLimits(
        step=step,
        center_low=math.floor(min([low] + [w.center for w in windows]) / step + 1e-9) * step,
        center_high=max([high] + [w.center for w in windows]),
        width_low=math.ceil(1 / step - 1e-9) * step,
        width_high=max([2 * (high - low)] + [w.width for w in windows]),
    )


def edge_css() -> str:
    """The style of the edge labels the browser-side views draw over their picture."""
    return Path(__file__).with_name("edges.css").read_text()


def dataset_edges(ds: Dataset, *, frame: int | None = None) -> Edges | None:
    """The patient direction each edge of the picture of `ds` (or of one frame) faces,
    from `patient_orientation`; None where the file does not say (most ultrasound: a
    probe's picture has no fixed patient direction), or its frames differ."""
    try:
        return patient_orientation(ds, frame=frame).edges()
    except ValueError:
        return None


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """What a view shows, computed once by `prepare`.

    - `slices`: float32 (slices, rows, columns) modality values at display size: one
      slice for one image, a file's frames, or a volume's slices;
    - `low`, `high`: the range of the values (padding left out);
    - `choices`: the windows offered, labelled; the first is shown at start;
    - `function`, `invert`: the VOI LUT function, and whether to invert (MONOCHROME1);
    - `unit`: "HU" for CT, else "";
    - `limits`: the sliders' limits and step;
    - `aspect`: a pixel's height over its width on screen (row over column spacing);
    - `edges`: the patient direction of each picture edge, one entry per slice, or one
      for all when they share it; None where the file does not say;
    - `slice_name`: "frame" for a file's frames, "slice" for a volume's slices.
    """

    name: str
    slices: np.ndarray
    low: float
    high: float
    choices: tuple[tuple[str, Window], ...]
    function: str
    invert: bool
    unit: str
    limits: SliderLimits
    aspect: float
    edges: tuple[Edges | None, ...]
    slice_name: str

    @property
    def initial(self) -> Window:
        """The window shown at start: the image's first own window, else the full range."""
        return self.choices[0][1]

    def edges_of(self, index: int) -> Edges | None:
        """The edge labels of slice `index`."""
        return self.edges[index if len(self.edges) > 1 else 0]


def _dataset_edges_per_slice(ds: Dataset, frame: int | None) -> tuple[Edges | None, ...]:
    """The edge labels of the frame shown, or of every frame (one if they share them)."""
    shared = dataset_edges(ds, frame=frame)
    if shared is not None or frame is not None or number_of_frames(ds) == 1:
        return (shared,)
    return tuple(dataset_edges(ds, frame=k) for k in range(number_of_frames(ds)))


def _shown_frames(ds: Dataset, frame: int | None) -> list[int | None]:
    """The frames a view of `ds` shows: `frame`, or every frame when it is None."""
    if frame is not None or number_of_frames(ds) == 1:
        return [frame]
    return list(range(number_of_frames(ds)))


def prepare(source, *, frame: int | None = None, windows: list[Window] | None = None,
            ct: bool | None = None, max_size: int = DEFAULT_MAX_SIZE) -> Prepared:
    """Everything a view needs from `source`, a pydicom Dataset or a `dicomview.Volume`.

    The conventions every viewer shares: `frame` picks one frame of a multi-frame file
    (counted from 0); None shows every frame. `windows` are the image's own windows
    (default: the source's own, `file_windows(ds, frame=frame)` or `volume.windows`); `ct`
    offers the CT presets and says HU (default: the source's Modality is CT); `max_size`
    is the longest side, in pixels, of a slice sent to the browser.
    """
    if isinstance(source, Dataset):
        return _prepare_dataset(source, frame, windows, ct, max_size)
    if frame is not None:
        raise TypeError("frame= picks a frame of a DICOM file; a Volume has slices: "
                        "use show_slice() on the viewer")
    return _prepare_volume(source, windows, ct, max_size)


def _prepare_dataset(ds: Dataset, frame: int | None, windows: list[Window] | None,
                     ct: bool | None, max_size: int) -> Prepared:
    shown = _shown_frames(ds, frame)
    attributes = frame_attributes(ds, shown[0] or 0)  # functional groups, if any
    slices = np.stack([display_values(ds, max_size, frame=k) for k in shown])
    low, high = value_range(ds)  # the whole file's: one frame, one picture (`to_display`)
    if windows is None:
        own = usable_windows(file_windows(ds, frame=frame), dataset_name(ds))
    else:
        own = list(windows)
    ct = ds.get("Modality") == "CT" if ct is None else ct
    choices = window_choices(own, low, high, ct=ct, padded=padding_values(ds) is not None)
    spacing = attributes.get("PixelSpacing")
    return Prepared(
        name=dataset_name(ds), slices=slices, low=low, high=high, choices=tuple(choices),
        function=voi_function(attributes),
        invert=str(ds.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1",
        unit="HU" if ct else "",
        limits=slider_limits(low, high, [w for _, w in choices]),
        aspect=_aspect(spacing),
        edges=_dataset_edges_per_slice(ds, frame),
        slice_name="frame",
    )


def _prepare_volume(volume, windows: list[Window] | None, ct: bool | None,
                    max_size: int) -> Prepared:
    values = np.asarray(volume.values)
    if values.ndim != 3 or values.shape[0] < 1:
        raise ValueError(f"a volume has three axes (slices, rows, columns), not shape {values.shape}")
    low, high = float(values.min()), float(values.max())
    own = list(volume.windows if windows is None else windows)
    ct = getattr(volume, "modality", "") == "CT" if ct is None else ct
    choices = window_choices(own, low, high, ct=ct)
    return Prepared(
        name=str(getattr(volume, "description", "") or "volume"),
        slices=downsample_slices(values, max_size), low=low, high=high,
        choices=tuple(choices), function="LINEAR", invert=False, unit="HU" if ct else "",
        limits=slider_limits(low, high, [w for _, w in choices]),
        aspect=_aspect(volume.spacing[1:]),
        edges=(VolumePlanes.plane_edges(volume.affine, "axial"),),
        slice_name="slice",
    )


def _aspect(spacing) -> float:
    """A pixel's height over its width from (row spacing, column spacing); 1 if unknown."""
    if spacing is None or len(spacing) != 2 or not float(spacing[1]) > 0:
        return 1.0
    return float(spacing[0]) / float(spacing[1])


def check_plane(plane: str) -> str:
    """`plane`, if it is one of PLANES; else ValueError saying which there are."""
    if plane not in PLANES:
        raise ValueError(f"plane must be one of {', '.join(PLANES)}, not {plane!r}")
    return plane


class VolumePlanes:
    """The axial, coronal and sagittal planes of a volume at display size.

    The planes are the volume's own axes (slice, row, column): for an axial series these
    are the axial, coronal and sagittal planes. Coronal and sagittal planes are stretched
    along the slice axis by the volume's spacing, so that a millimetre is as long across
    the picture as down it, and are shown with the slice nearer the head at the top
    (whichever way the slices are stored). Each plane is interpolated into a preallocated
    buffer: a slice move costs a few hundred rows, no allocation.
    """

    def __init__(self, slices: np.ndarray, volume):
        self.slices = slices  # display size (`Prepared.slices`)
        factor = volume.values.shape[1] / slices.shape[1]
        self._spacing = (abs(float(volume.spacing[0])),
                         float(volume.spacing[1]) * factor, float(volume.spacing[2]) * factor)
        self._affine = volume.affine
        self._head_last = self.head_last(volume.affine)
        self._plane = "axial"

    def count(self, plane: str) -> int:
        """How many planes of this orientation there are."""
        return self.slices.shape[PLANES.index(check_plane(plane))]

    def aspect(self, plane: str) -> float:
        """A pixel's height over its width on screen (1 for the interpolated planes)."""
        return self._spacing[1] / self._spacing[2] if plane == "axial" else 1.0

    def edges(self, plane: str) -> Edges | None:
        """The patient direction each edge of this plane's picture faces."""
        return self.plane_edges(self._affine, plane)

    @staticmethod
    def head_last(affine: np.ndarray) -> bool:
        """True if the slice index grows towards the head (+z in LPS)."""
        return bool(affine[2, 0] >= 0)

    @classmethod
    def plane_edges(cls, affine: np.ndarray, plane: str) -> Edges:
        """Edge labels of a plane of a volume with this affine: axial shows (row, column),
        coronal (slice, column) and sagittal (slice, row), the head end of the slices up."""
        slice_axis, row_axis, column_axis = volume_directions(affine)
        down_slices = opposite(slice_axis) if cls.head_last(affine) else slice_axis
        down, right = {"axial": (row_axis, column_axis),
                       "coronal": (down_slices, column_axis),
                       "sagittal": (down_slices, row_axis)}[plane]
        return Orientation(rows=right, columns=down).edges()

    def values(self, plane: str, index: int) -> np.ndarray:
        """The display-size values of plane `index`, float32 and C-contiguous."""
        if not 0 <= index < self.count(plane):
            raise IndexError(f"{plane} plane {index} is out of range: there are "
                             f"{self.count(plane)}, numbered 0 to {self.count(plane) - 1}.")
        if plane == "axial":
            return self.slices[index]  # a view: no copy
        if plane != self._plane:
            self._configure(plane)
        cut = self.slices[:, index, :] if plane == "coronal" else self.slices[:, :, index]
        out, other = self._buffer, self._other
        np.take(cut, self._below, axis=0, out=out)
        np.take(cut, self._above, axis=0, out=other)
        other -= out  # out + weight * (other - out): linear between the nearest slices
        other *= self._weight
        out += other
        return out

    def _configure(self, plane: str) -> None:
        """The interpolation across slices that gives this plane the right aspect."""
        slices, rows, columns = self.slices.shape
        across = self._spacing[2 if plane == "coronal" else 1]
        height = max(1, round((slices - 1) * self._spacing[0] / across) + 1)
        top, bottom = (slices - 1, 0) if self._head_last else (0, slices - 1)
        where = np.linspace(top, bottom, height)  # the head end at the top
        below = np.minimum(np.floor(where).astype(np.intp), max(slices - 2, 0))
        self._below, self._above = below, np.minimum(below + 1, slices - 1)
        self._weight = (where - below).astype(np.float32)[:, None]
        width = columns if plane == "coronal" else rows
        self._buffer = np.empty((height, width), dtype=np.float32)
        self._other = np.empty((height, width), dtype=np.float32)
        self._plane = plane


def label_axes(ax, source, *, frame: int | None = None, plane: str = "axial") -> None:
    """Write the patient direction each edge faces inside the edges of a Matplotlib image
    axes, as radiology viewers do. `source` is a Dataset (its `patient_orientation`, for
    `frame`), a `Volume` (for a cut in `plane`, shown as `VolumePlanes` shows it: axial
    (rows, columns); coronal and sagittal with the head end of the slices up), an
    `Orientation`, or edge labels ({"top": ..., ...}). Nothing is written where the file
    does not say which way the patient lies."""
    if isinstance(source, Dataset):
        edges = dataset_edges(source, frame=frame)
    elif isinstance(source, Orientation):
        edges = source.edges()
    elif hasattr(source, "affine"):
        edges = VolumePlanes.plane_edges(source.affine, check_plane(plane))
    else:
        edges = source
    places = {"top": (0.5, 0.98, "center", "top"), "bottom": (0.5, 0.02, "center", "bottom"),
              "left": (0.02, 0.5, "left", "center"), "right": (0.98, 0.5, "right", "center")}
    for edge, (x, y, across, along) in places.items():
        if edges and edges.get(edge):
            ax.text(x, y, edges[edge], transform=ax.transAxes, ha=across, va=along,
                    color="#ffd54a", fontweight="bold", fontsize="large",
                    bbox={"facecolor": "black", "alpha": 0.5, "pad": 1.5, "edgecolor": "none"})
