"""BrowserViewer: window/level computed in the browser, as radiology web viewers do.

WindowingViewer sends a new picture from the kernel for every slider move: fast in the
kernel (a couple of milliseconds), but each move still makes the round trip browser ->
kernel -> browser. This viewer sends the display-size modality values (HU for CT) to the
browser once, as binary float32 (not JSON numbers, not base64 text); from then on every
move is arithmetic in the browser's JavaScript (`browser_viewer.js`, an anywidget ES
module), drawn into a canvas: the standard's LINEAR window (or LINEAR_EXACT / SIGMOID when
the file asks, PS3.3 C.11.2.1.2-3), MONOCHROME1 inverted after the window. No picture
crosses the wire per move; the browser tells the kernel the window it shows (`center`,
`width`), a few times a second at most.

A volume's slices go to the browser all at once when they fit RESIDENT_BYTES; else only
the slice on screen, and the kernel sends the next one when the slice changes.

Where no widget front end runs (GitHub, nbviewer, a static HTML export), the output shows
a PNG of the view as it was when the cell ran.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import numpy as np
import traitlets
from pydicom.dataset import Dataset

from .display import DEFAULT_MAX_SIZE, edge_css, format_number, prepare
from .pipeline import apply_window, check_window
from .viewer import SHOWN_HEIGHT, SHOWN_WIDTH, shown_size, with_picture
from .windows import Window

# All slices go to the browser at once up to this many bytes of float32 values (the
# head CT series at display size takes 10.5 MB); a larger volume is sent slice by slice.
RESIDENT_BYTES = 64_000_000


def _as_bytes(values: np.ndarray) -> memoryview:
    """float32 little-endian values as a byte view (sent as one binary buffer, no copy)."""
    return memoryview(np.ascontiguousarray(values, dtype="<f4")).cast("B")


class BrowserViewer(anywidget.AnyWidget):
    """A greyscale image, a file's frames, or a volume's slices, windowed in the browser:
    center/width sliders, the image's own windows, CT presets, reset, a status line, the
    picture's edges labelled with the patient directions; dragging on the picture (right:
    wider, up: higher center), arrow keys, and the mouse wheel or Page Up/Down for slices.

    `source` is a pydicom Dataset or a `dicomview.Volume` (its slices along the first
    axis). `frame` picks one frame of a multi-frame file (None: every frame, with a
    slider); `windows` are the image's own windows (default: the source's); `ct` offers
    the CT presets and says HU (default: Modality CT); `max_size` is the longest side, in
    pixels, of a slice sent to the browser (see `display.prepare`).
    """

    _esm = Path(__file__).with_name("browser_viewer.js")
    _css = edge_css() + Path(__file__).with_name("browser_viewer.css").read_text()

    values = traitlets.Any().tag(sync=True)  # float32 little-endian bytes (binary buffer)
    shape = traitlets.List(traitlets.Int()).tag(sync=True)  # slices, rows, columns
    resident = traitlets.Bool(True).tag(sync=True)  # True: `values` holds every slice
    slice_index = traitlets.Int(0).tag(sync=True)
    slice_name = traitlets.Unicode("slice").tag(sync=True)
    center = traitlets.Float().tag(sync=True)
    width = traitlets.Float(1.0).tag(sync=True)
    function = traitlets.Unicode("LINEAR").tag(sync=True)
    invert = traitlets.Bool(False).tag(sync=True)
    windows = traitlets.List(traitlets.Dict()).tag(sync=True)  # {label, center, width}
    limits = traitlets.Dict().tag(sync=True)  # center_low, center_high, width_high, step
    unit = traitlets.Unicode("").tag(sync=True)
    # The edge labels: one {top, bottom, left, right} per slice, or one for all.
    edges = traitlets.List(traitlets.Dict()).tag(sync=True)
    aspect = traitlets.Float(1.0).tag(sync=True)  # a pixel's height / its width on screen
    shown = traitlets.Dict({"height": SHOWN_HEIGHT, "width": SHOWN_WIDTH}).tag(sync=True)

    def __init__(self, source, *, frame: int | None = None, windows: list[Window] | None = None,
                 ct: bool | None = None, max_size: int = DEFAULT_MAX_SIZE):
        prepared = prepare(source, frame=frame, windows=windows, ct=ct, max_size=max_size)
        slices = prepared.slices
        self._prepared = prepared
        resident = slices.nbytes <= RESIDENT_BYTES
        limits = prepared.limits
        super().__init__(
            values=_as_bytes(slices if resident else slices[len(slices) // 2]),
            shape=list(slices.shape),
            resident=resident,
            slice_index=len(slices) // 2,
            slice_name=prepared.slice_name,
            center=prepared.initial.center, width=prepared.initial.width,
            function=prepared.function, invert=prepared.invert, unit=prepared.unit,
            aspect=prepared.aspect,
            edges=[edges or {} for edges in prepared.edges],
            windows=[{"label": label, "center": w.center, "width": w.width}
                     for label, w in prepared.choices],
            limits={"center_low": limits.center_low, "center_high": limits.center_high,
                    "width_high": limits.width_high, "step": limits.step},
        )
        self.observe(self._on_slice, "slice_index")

    def _on_slice(self, change: dict) -> None:
        if not self.resident:  # the browser has only the slice it showed: send the new one
            self.values = _as_bytes(self._prepared.slices[change["new"]])

    @property
    def window(self) -> Window:
        """The window the browser shows now (as it last told the kernel)."""
        return Window(center=self.center, width=self.width)

    @property
    def bytes_at_start(self) -> int:
        """How many bytes of values go to the browser when the viewer is displayed."""
        slices = self._prepared.slices
        return slices.nbytes if self.resident else slices[0].nbytes

    def set_window(self, center: float, width: float) -> None:
        """Show the window `center`/`width` now (the browser redraws at once)."""
        check_window(width, self.function)
        with self.hold_sync():
            self.center, self.width = float(center), float(width)

    def reset(self) -> None:
        """Back to the first window (the image's own, else the full range)."""
        self.set_window(self._prepared.initial.center, self._prepared.initial.width)

    def show_slice(self, index: int) -> None:
        """Show slice (or frame) `index`, counted from 0."""
        count = len(self._prepared.slices)
        if not 0 <= index < count:
            raise IndexError(f"{self.slice_name} {index} is out of range: there are {count}, "
                             f"numbered 0 to {count - 1}.")
        self.slice_index = index

    def picture(self) -> np.ndarray:
        """The view as 8-bit grey, as the browser draws it (for a PNG, or a check)."""
        return apply_window(self._prepared.slices[self.slice_index], self.center, self.width,
                            self.function, invert=self.invert)

    def __repr__(self) -> str:
        slices, rows, columns = self._prepared.slices.shape
        where = f"{self.slice_name} {self.slice_index + 1} of {slices}, " if slices > 1 else ""
        return (f"BrowserViewer({self._prepared.name}, {where}{rows} x {columns} shown, "
                f"C {format_number(self.center)} W {format_number(self.width)})")

    def _repr_mimebundle_(self, **kwargs):
        """The widget, and beside it a PNG of the view for pages without widgets."""
        width = shown_size(*self._prepared.slices.shape[1:], self.aspect)[1]
        edges = self._prepared.edges_of(self.slice_index)
        return with_picture(super()._repr_mimebundle_(**kwargs), self.picture(), width, edges)
