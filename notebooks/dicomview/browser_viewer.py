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

import base64
import io
import math
from pathlib import Path

import anywidget
import numpy as np
import traitlets
from PIL import Image
from pydicom.dataset import Dataset

from .frames import dataset_name, frame_attributes, number_of_frames
from .pipeline import (apply_window, check_window, display_values, downsample_slices,
                       padding_values, value_range, voi_function)
from .viewer import SHOWN_HEIGHT, SHOWN_WIDTH, _number, nice_step, window_choices
from .windows import Window, file_windows

# All slices go to the browser at once up to this many bytes of float32 values (the
# head CT series at display size takes 10.5 MB); a larger volume is sent slice by slice.
RESIDENT_BYTES = 64_000_000


def _as_bytes(values: np.ndarray) -> memoryview:
    """float32 little-endian values as a byte view (sent as one binary buffer, no copy)."""
    return memoryview(np.ascontiguousarray(values, dtype="<f4")).cast("B")


class BrowserViewer(anywidget.AnyWidget):
    """A greyscale image, or a volume's slices, windowed in the browser: center/width
    sliders, the file's windows, CT presets, reset, a status line; dragging on the picture
    (right: wider, up: higher center), arrow keys, and the mouse wheel for slices.

    `source` is a pydicom Dataset (`frame` picks one frame of a multi-frame file) or a
    `dicomview.Volume` (its slices along the first axis). `windows` are the image's own
    windows (default: the file's, or the volume's); `ct` offers the CT presets and says HU
    (default: Modality CT for a file, True for a volume); `max_size` is the longest side,
    in pixels, of a slice sent to the browser.
    """

    _esm = Path(__file__).with_name("browser_viewer.js")
    _css = Path(__file__).with_name("browser_viewer.css")

    values = traitlets.Any().tag(sync=True)  # float32 little-endian bytes (binary buffer)
    shape = traitlets.List(traitlets.Int()).tag(sync=True)  # slices, rows, columns
    resident = traitlets.Bool(True).tag(sync=True)  # True: `values` holds every slice
    slice_index = traitlets.Int(0).tag(sync=True)
    center = traitlets.Float().tag(sync=True)
    width = traitlets.Float(1.0).tag(sync=True)
    function = traitlets.Unicode("LINEAR").tag(sync=True)
    invert = traitlets.Bool(False).tag(sync=True)
    windows = traitlets.List(traitlets.Dict()).tag(sync=True)  # {label, center, width}
    limits = traitlets.Dict().tag(sync=True)  # center_low, center_high, width_high, step
    unit = traitlets.Unicode("").tag(sync=True)
    aspect = traitlets.Float(1.0).tag(sync=True)  # a pixel's height / its width on screen
    shown = traitlets.Dict({"height": SHOWN_HEIGHT, "width": SHOWN_WIDTH}).tag(sync=True)

    def __init__(self, source, *, frame: int | None = None, windows: list[Window] | None = None,
                 ct: bool | None = None, max_size: int = 512):
        if isinstance(source, Dataset):
            if frame is None and number_of_frames(source) > 1:
                frame = 0
            attributes = frame_attributes(source, frame or 0)
            slices = display_values(source, max_size, frame)[np.newaxis]
            low, high = value_range(source, frame)
            own = file_windows(attributes) if windows is None else list(windows)
            ct = source.get("Modality") == "CT" if ct is None else ct
            function = voi_function(attributes)
            invert = str(source.PhotometricInterpretation).strip() == "MONOCHROME1"
            padded = padding_values(source) is not None
            spacing = attributes.get("PixelSpacing")
            self._name = dataset_name(source)
        else:  # a Volume
            slices = downsample_slices(np.asarray(source.values), max_size)
            low, high = float(slices.min()), float(slices.max())
            own = list(source.windows if windows is None else windows)
            ct = True if ct is None else ct
            function, invert, padded = "LINEAR", False, False
            spacing = source.spacing[1:]
            self._name = str(getattr(source, "description", "") or "volume")
        self._slices = slices
        choices = window_choices(own, low, high, ct=ct, padded=padded)
        offered = [w for _, w in choices]
        initial = choices[0][1]
        aspect = float(spacing[0]) / float(spacing[1]) if spacing and float(spacing[1]) > 0 else 1.0
        resident = slices.nbytes <= RESIDENT_BYTES
        super().__init__(
            values=_as_bytes(slices if resident else slices[len(slices) // 2]),
            shape=list(slices.shape),
            resident=resident,
            slice_index=len(slices) // 2,
            center=initial.center, width=initial.width,
            function=function, invert=invert, unit="HU" if ct else "", aspect=aspect,
            windows=[{"label": label, "center": w.center, "width": w.width} for label, w in choices],
            limits={
                "center_low": min([low] + [w.center for w in offered]),
                "center_high": max([high] + [w.center for w in offered]),
                "width_high": max([2 * (high - low)] + [w.width for w in offered]),
                "step": nice_step(high - low),
            },
        )
        self._initial = initial
        self.observe(self._on_slice, "slice_index")

    def _on_slice(self, change: dict) -> None:
        if not self.resident:  # the browser has only the slice it showed: send the new one
            self.values = _as_bytes(self._slices[change["new"]])

    @property
    def window(self) -> Window:
        """The window the browser shows now (as it last told the kernel)."""
        return Window(center=self.center, width=self.width)

    @property
    def bytes_at_start(self) -> int:
        """How many bytes of values go to the browser when the viewer is displayed."""
        return self._slices.nbytes if self.resident else self._slices[0].nbytes

    def set_window(self, center: float, width: float) -> None:
        """Show the window `center`/`width` now (the browser redraws at once)."""
        check_window(width, self.function)
        with self.hold_sync():
            self.center, self.width = float(center), float(width)

    def reset(self) -> None:
        """Back to the first window (the file's own, else the full range)."""
        self.set_window(self._initial.center, self._initial.width)

    def show_slice(self, index: int) -> None:
        """Show slice `index` (counted from 0)."""
        if not 0 <= index < len(self._slices):
            raise IndexError(f"slice {index} is out of range: there are {len(self._slices)} "
                             f"slices, numbered 0 to {len(self._slices) - 1}.")
        self.slice_index = index

    def picture(self) -> np.ndarray:
        """The view as 8-bit grey, as the browser draws it (for a PNG, or a check)."""
        return apply_window(self._slices[self.slice_index], self.center, self.width,
                            self.function, invert=self.invert)

    def __repr__(self) -> str:
        slices, rows, columns = self._slices.shape
        where = f"slice {self.slice_index + 1} of {slices}, " if slices > 1 else ""
        return (f"BrowserViewer({self._name}, {where}{rows} x {columns} shown, "
                f"C {_number(self.center)} W {_number(self.width)})")

    def _repr_mimebundle_(self, **kwargs):
        """The widget, and beside it a PNG of the view for pages without widgets."""
        data, metadata = super()._repr_mimebundle_(**kwargs)
        buffer = io.BytesIO()
        Image.fromarray(self.picture()).save(buffer, format="PNG", optimize=True)
        data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        rows, columns = self._slices.shape[1:]
        scale = min(1.0, SHOWN_WIDTH / columns, SHOWN_HEIGHT / (rows * self.aspect))
        metadata["image/png"] = {"width": math.floor(columns * scale)}
        return data, metadata
