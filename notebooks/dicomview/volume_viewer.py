"""VolumeViewer: a slice slider beside WindowingViewer's window sliders, for a `Volume`.

It is a WindowingViewer whose picture is one plane of a volume: everything about the
window (sliders on their grid, the drop-down that keeps its choice, JPEG while moving and
PNG at rest) is WindowingViewer's own code. What it adds is done once or costs little:

- the whole volume is shrunk to display size once (no copy at all when it already fits);
- a slice move points the viewer at another plane of that array (axial: a view, no copy;
  coronal and sagittal: a few hundred rows interpolated into a preallocated buffer), then
  windows it into WindowingViewer's preallocated buffers and sends a JPEG;
- coronal and sagittal planes are stretched along the slice axis by the volume's spacing,
  so that a millimetre is as long across the picture as down it.

The planes are the volume's own axes (slice, row, column): for an axial series read with
its rows running front to back, these are the coronal and sagittal planes. They are shown
with the last slice at the top (the head at the top, for slices stored feet to head).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import ipywidgets as widgets
import numpy as np

from .pipeline import downsample_slices
from .viewer import SHOWN_HEIGHT, WindowingViewer, _number
from .windows import Window

PLANES = ("axial", "coronal", "sagittal")


class VolumeViewer(WindowingViewer):
    """Slices of a `dicomview.Volume` (values in modality units, HU for CT) with a slice
    slider, a choice of plane and WindowingViewer's window sliders and presets.

    `windows` are the series' own windows (e.g. `file_windows(ds)` of one of its files;
    the first is shown at start); `ct` offers the CT presets and says HU; `max_size` is the
    longest side, in pixels, of a slice sent to the browser.
    """

    def __init__(
        self, volume, *, windows: Iterable[Window] = (), ct: bool = True,
        plane: str = "axial", max_size: int = 512,
    ):
        values = np.asarray(volume.values)
        if values.ndim != 3 or values.shape[0] < 1:
            raise ValueError(f"a volume has three axes (slices, rows, columns), not shape {values.shape}")
        if plane not in PLANES:
            raise ValueError(f"plane must be one of {', '.join(PLANES)}, not {plane!r}")
        self._spacing = tuple(float(s) for s in volume.spacing)
        # Display size, once: each slice shrunk by the same whole factor (none if it fits).
        self._factor = max(1, math.ceil(max(values.shape[1:]) / max_size))
        self._volume = downsample_slices(values, max_size)
        self._plane = plane
        self._plane_buffer: np.ndarray | None = None

        self.plane = widgets.ToggleButtons(
            options=PLANES, value=plane, style={"button_width": "88px"},
            layout=widgets.Layout(width="100%"))
        self.slice = widgets.IntSlider(
            description="slice", min=0, max=0, step=1, continuous_update=True,
            style={"description_width": "56px"}, layout=widgets.Layout(width="100%"))
        self._configure_plane(plane)

        low, high = float(values.min()), float(values.max())
        self._build(
            name=str(getattr(volume, "description", "") or "volume"),
            values=self._plane_values(self.slice.value),
            low=low, high=high, own=list(windows), ct=ct, extra=(self.slice, self.plane),
        )
        # Slices smaller than the room are scaled up by the browser, keeping their shape.
        self.image.layout.height = f"{SHOWN_HEIGHT}px"
        self.slice.observe(self._on_slice, "value")
        self.plane.observe(self._on_plane, "value")

    def __repr__(self) -> str:
        rows, columns = self._values.shape
        return (f"VolumeViewer({self._name}, {self._volume.shape[0]} slices, {self._plane} "
                f"{self.slice.value + 1} of {self.slice.max + 1}, {rows} x {columns} shown, "
                f"C {_number(self._center_value)} W {_number(self._width_value)})")

    def show_slice(self, index: int) -> None:
        """Show plane `index` (from 0) of the current orientation and move the slider to it."""
        self.slice.value = index  # the slider's observer shows it

    # --- planes ---------------------------------------------------------------------

    def _configure_plane(self, plane: str) -> None:
        """Slider range and, across slices, the interpolation that gives the right aspect."""
        slices, rows, columns = self._volume.shape
        count = {"axial": slices, "coronal": rows, "sagittal": columns}[plane]
        if plane != "axial":
            # Across slices: one output row per displayed in-plane pixel length.
            across = self._spacing[2 if plane == "coronal" else 1] * self._factor
            height = max(1, round((slices - 1) * abs(self._spacing[0]) / across) + 1)
            where = np.linspace(slices - 1, 0, height)  # the last slice at the top
            below = np.minimum(np.floor(where).astype(np.intp), max(slices - 2, 0))
            self._below, self._above = below, np.minimum(below + 1, slices - 1)
            self._weight = (where - below).astype(np.float32)[:, None]
            width = columns if plane == "coronal" else rows
            self._plane_buffer = np.empty((height, width), dtype=np.float32)
            self._plane_other = np.empty((height, width), dtype=np.float32)
        with self.slice.hold_sync():
            self.slice.max = count - 1
            self.slice.value = count // 2
        self.slice.description = {"axial": "slice", "coronal": "row", "sagittal": "column"}[plane]

    def _plane_values(self, index: int) -> np.ndarray:
        """The display-size values of plane `index`, float32 and C-contiguous."""
        if self._plane == "axial":
            return self._volume[index]  # a view: no copy
        cut = self._volume[:, index, :] if self._plane == "coronal" else self._volume[:, :, index]
        out, other = self._plane_buffer, self._plane_other
        np.take(cut, self._below, axis=0, out=out)
        np.take(cut, self._above, axis=0, out=other)
        # out + weight * (other - out): linear between the two nearest slices
        other -= out
        other *= self._weight
        out += other
        return out

    def _on_slice(self, change: dict) -> None:
        if self._quiet:
            return
        self._set_values(self._plane_values(change["new"]))
        self._update()

    def _on_plane(self, change: dict) -> None:
        self._plane = change["new"]
        self._quiet = True
        try:
            self._configure_plane(self._plane)
        finally:
            self._quiet = False
        self._set_values(self._plane_values(self.slice.value))
        self._update()

    def refresh(self, exact: bool = True) -> None:
        super().refresh(exact)
        where = f"{self.slice.description} {self.slice.value + 1} of {self.slice.max + 1}"
        self.status.value = f"{self._plane} {where} \u00b7 {self.status.value}"
