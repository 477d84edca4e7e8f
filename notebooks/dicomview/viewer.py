"""WindowingViewer: window/level sliders that feel like a viewer's, in plain ipywidgets.

Why it is fast: the image is shrunk once to display size, each update windows that small
float32 array into preallocated buffers, and the result goes to an `ipywidgets.Image` as
JPEG (about a millisecond to encode). No figure is built per update and Matplotlib is not
involved. JPEG is lossy, so once the sliders rest the exact image follows as PNG.
"""

from __future__ import annotations

import asyncio
import io

import ipywidgets as widgets
import numpy as np
from PIL import Image
from pydicom.dataset import Dataset

from .pipeline import (
    apply_window,
    check_window,
    dataset_name,
    downsample,
    modality_values,
    number_of_frames,
    voi_function,
)
from .windows import PRESETS, Window, file_windows

# Seconds without a slider move after which the exact PNG replaces the JPEG preview.
REST_SECONDS = 0.3
JPEG_QUALITY = 85


def _number(value: float) -> str:
    """A window value for people: no trailing zeros, a real minus sign."""
    return f"{value:g}".replace("-", "\u2212")


class WindowingViewer(widgets.VBox):
    """A greyscale DICOM image with center/width sliders, the file's windows and presets.

    `frame` picks one frame of a multi-frame file (the first when None); `max_size` is
    the longest side, in pixels, of the image sent to the browser.
    """

    def __init__(self, ds: Dataset, *, frame: int | None = None, max_size: int = 1024):
        if frame is None and number_of_frames(ds) > 1:
            frame = 0
        values = modality_values(ds, frame)
        self._name = dataset_name(ds)
        self._function = voi_function(ds)
        self._invert = str(ds.PhotometricInterpretation).strip() == "MONOCHROME1"
        self._unit = "HU" if ds.get("Modality") == "CT" else ""
        low, high = float(values.min()), float(values.max())

        # Display size, once; then buffers that every update reuses.
        self._values = downsample(values, max_size)
        self._pixels = np.empty(self._values.shape, dtype=np.uint8)
        self._scratch = np.empty(self._values.shape, dtype=np.float32)

        full_range = Window(center=(low + high) / 2, width=max(high - low, 1.0), name="full range")
        own = file_windows(ds)
        # The first window is the one to_display() uses by default (a VOI LUT Sequence
        # has no center/width, so a file with only that starts at the full range).
        self._initial = own[0] if own else full_range
        choices = [(f"file: {w.name or f'window {i + 1}'}", w) for i, w in enumerate(own)]
        choices.append(("full range of the values", full_range))
        if ds.get("Modality") == "CT":
            choices += [(f"preset: {name}", w) for name, w in PRESETS.items()]
        choices = [(f"{label} (C {_number(w.center)}, W {_number(w.width)})", w) for label, w in choices]
        windows = [w for _, w in choices]

        # Natural size (a VBox would stretch it to the cell's width), narrowed to fit.
        self.image = widgets.Image(
            format="png", layout=widgets.Layout(max_width="100%", align_self="flex-start")
        )
        self.center = widgets.FloatSlider(
            description="center",
            min=min([low] + [w.center for w in windows]),
            max=max([high] + [w.center for w in windows]),
            step=1,
            readout_format=".0f",
            continuous_update=True,
            layout=widgets.Layout(width="95%"),
        )
        self.width = widgets.FloatSlider(
            description="width",
            min=1,
            max=max([2 * (high - low)] + [w.width for w in windows]),
            step=1,
            readout_format=".0f",
            continuous_update=True,
            layout=widgets.Layout(width="95%"),
        )
        self.choice = widgets.Dropdown(
            description="window", options=choices, value=None, layout=widgets.Layout(width="auto")
        )
        self.reset = widgets.Button(description="reset", tooltip="back to the first window")
        self.status = widgets.Label()
        super().__init__(
            [self.image, widgets.HBox([self.choice, self.reset]), self.center, self.width, self.status]
        )

        self._quiet = False  # True while the viewer itself moves its controls
        self._pending_exact: asyncio.TimerHandle | None = None
        self.center.observe(self._on_slider, "value")
        self.width.observe(self._on_slider, "value")
        self.choice.observe(self._on_choice, "value")
        self.reset.on_click(lambda _: self.set_window(self._initial.center, self._initial.width))
        self._move_sliders(self._initial.center, self._initial.width)
        self.refresh(exact=True)

    def __repr__(self) -> str:
        # What a page without a widget front end shows (GitHub, nbval), instead of the
        # default repr that starts with the image's bytes.
        rows, columns = self._values.shape
        return (f"WindowingViewer({self._name}, {rows} x {columns} shown, "
                f"C {_number(self.center.value)} W {_number(self.width.value)})")

    def set_window(self, center: float, width: float) -> None:
        """Move the sliders to `center` and `width` and update the image now.

        The image is updated as a slider move updates it: at once as JPEG, and as exact
        PNG once nothing has moved for REST_SECONDS (when an event loop runs, as in a
        notebook; call `refresh()` to get the exact image at once).
        """
        check_window(width, self._function)
        self._move_sliders(center, width)
        self._update()

    def _move_sliders(self, center: float, width: float) -> None:
        """Set both sliders (widening their ranges if needed) without an update per slider."""
        self._quiet = True
        try:
            self.center.min, self.center.max = min(self.center.min, center), max(self.center.max, center)
            self.width.max = max(self.width.max, width)
            self.center.value, self.width.value = center, width
        finally:
            self._quiet = False

    def refresh(self, exact: bool = True) -> None:
        """Window the display-size image and send it: exact PNG, or JPEG if not `exact`."""
        center, width = self.center.value, self.width.value
        apply_window(
            self._values, center, width, self._function,
            invert=self._invert, out=self._pixels, scratch=self._scratch,
        )
        buffer = io.BytesIO()
        if exact:
            Image.fromarray(self._pixels).save(buffer, format="PNG", compress_level=1)
        else:
            Image.fromarray(self._pixels).save(buffer, format="JPEG", quality=JPEG_QUALITY)
        with self.image.hold_sync():
            self.image.format = "png" if exact else "jpeg"
            self.image.value = buffer.getvalue()

        low, high = center - width / 2, center + width / 2
        shades = "white\u2026black (MONOCHROME1)" if self._invert else "black\u2026white"
        unit = f" {self._unit}" if self._unit else ""
        self.status.value = (
            f"C {_number(center)} W {_number(width)} \u2192 "
            f"{_number(low)}\u2026{_number(high)}{unit} shown {shades}"
        )
        self._quiet = True
        try:
            matching = [w for _, w in self.choice.options if (w.center, w.width) == (center, width)]
            self.choice.value = matching[0] if matching else None
        finally:
            self._quiet = False

    def _update(self) -> None:
        """The per-move update: JPEG now, the exact PNG once the sliders rest."""
        self.refresh(exact=False)
        if self._pending_exact is not None:
            self._pending_exact.cancel()
            self._pending_exact = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a script or a test): nothing runs later
            return
        self._pending_exact = loop.call_later(REST_SECONDS, self.refresh)

    def _on_slider(self, change: dict) -> None:
        if not self._quiet:
            self._update()

    def _on_choice(self, change: dict) -> None:
        window = change["new"]
        if window is not None and not self._quiet:
            self.set_window(window.center, window.width)
