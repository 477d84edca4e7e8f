"""VolumeViewer: WindowingViewer with a choice of plane, for a `Volume`.

Everything about the window and the slice slider is WindowingViewer's own code; the
planes come from `display.VolumePlanes` (coronal and sagittal planes interpolated across
slices into preallocated buffers, stretched to the volume's spacing, the last slice at
the top). What this module adds: the plane buttons, each plane's own slice position
(switching plane and back returns to the same slice), and the slider's range per plane.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .display import DEFAULT_MAX_SIZE, PLANES, Edges, VolumePlanes, check_plane, prepare
from .viewer import WindowingViewer
from .windows import Window

SLICE_NAMES = {"axial": "slice", "coronal": "row", "sagittal": "column"}


class VolumeViewer(WindowingViewer):
    """Slices of a `dicomview.Volume` (values in modality units, HU for CT) in three
    planes, with a slice slider, WindowingViewer's window sliders and presets, and the
    picture's edges labelled with the patient directions.

    `windows` are the image's own windows (default: the volume's); `ct` offers the CT
    presets and says HU (default: the volume's Modality is CT); `max_size` is the longest
    side, in pixels, of a slice sent to the browser; `plane` is the plane shown first.
    """

    def __init__(self, volume, *, windows: list[Window] | None = None, ct: bool | None = None,
                 max_size: int = DEFAULT_MAX_SIZE, plane: str = "axial"):
        check_plane(plane)
        prepared = prepare(volume, windows=windows, ct=ct, max_size=max_size)
        self._planes = VolumePlanes(prepared.slices, volume)
        self._current = "axial"  # WindowingViewer starts on the prepared axial slices
        self._positions = {p: self._planes.count(p) // 2 for p in PLANES}  # slices, from 0
        self.plane = widgets.ToggleButtons(
            options=PLANES, value="axial", style={"button_width": "88px"},
            layout=widgets.Layout(width="100%"))
        self._build(prepared, extra=(self.plane,))
        self.plane.observe(self._on_plane, "value")
        self.plane.value = plane

    def _plane(self, index: int) -> tuple[np.ndarray, float, Edges | None]:
        plane = self._current
        return (self._planes.values(plane, index), self._planes.aspect(plane),
                self._planes.edges(plane))

    def _configure_slider(self) -> None:
        """The slice slider's name and range for the current plane, at its kept position."""
        self._quiet = True
        try:
            with self.slice.hold_sync():
                self.slice.description = SLICE_NAMES[self._current]
                self.slice.max = self._planes.count(self._current)
                self.slice.value = self._positions[self._current] + 1
        finally:
            self._quiet = False
        self._show_plane(self.slice.value - 1)

    def _on_slice(self, change: dict) -> None:
        if not self._quiet:
            self._positions[self._current] = change["new"] - 1
        super()._on_slice(change)

    def _on_plane(self, change: dict) -> None:
        self._current = change["new"]
        self._configure_slider()
        self._update()

    def _where(self) -> str:
        return f"{self._current} {super()._where()}"
