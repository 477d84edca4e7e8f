"""WindowingViewer: window/level sliders that feel like a viewer's, in plain ipywidgets.

Why it is fast: the image is shrunk once to display size, each update windows that small
float32 array into preallocated buffers, and the result goes to an `ipywidgets.Image` as
JPEG (about a millisecond to encode). No figure is built per update and Matplotlib is not
involved. JPEG is lossy, so once the sliders rest the exact image follows as PNG.

Why the drop-down keeps its choice: a browser slider moves in whole steps from its
minimum, and when the kernel sets a value it sends back the value it snapped to. So the
viewer keeps the exact window itself (what the picture, the status line and the drop-down
show), puts each slider's handle on the step nearest to it, and takes a value from the
browser as a move only if it lies at least half a step from that handle position. The
sliders' steps never move: their minimum is a whole number of steps, and widening a range
keeps it so. (Moving the minimum to put 75 on the grid did not work: the browser's slider
applies a new value before a new minimum, and sent back 75 snapped to the old steps.)
"""

from __future__ import annotations

import asyncio
import io
import math

import ipywidgets as widgets
import numpy as np
from PIL import Image
from pydicom.dataset import Dataset

from .frames import dataset_name, frame_attributes, number_of_frames
from .pipeline import (
    apply_window,
    check_window,
    display_values,
    padding_values,
    value_range,
    voi_function,
)
from .windows import PRESETS, Window, file_windows

# Seconds without a slider move after which the exact PNG replaces the JPEG preview.
REST_SECONDS = 0.3
JPEG_QUALITY = 85
# The longest side of the picture on screen, in CSS pixels: with the controls beside it,
# the whole viewer fits a 1280 x 720 screen (a projector) inside JupyterLab.
SHOWN_HEIGHT = 440
SHOWN_WIDTH = 520
CONTROLS_WIDTH = "300px"
# A key press moves a slider by one step: about 1/200 of the range of the values.
STEPS_PER_RANGE = 200


def _number(value: float) -> str:
    """A window value for people: at most one decimal, no trailing zeros, a real minus."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return ("0" if text == "-0" else text).replace("-", "\u2212")


def nice_step(span: float, steps: int = STEPS_PER_RANGE) -> float:
    """A round slider step (1, 2 or 5 times a power of ten) near `span / steps`."""
    raw = span / steps if span > 0 else 1.0
    exponent = math.floor(math.log10(raw))
    candidates = [m * 10.0**e for e in (exponent, exponent + 1) for m in (1, 2, 5)]
    return min(candidates, key=lambda c: abs(math.log(c / raw)))


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def window_choices(own: list[Window], low: float, high: float, *, ct: bool = False,
                   padded: bool = False) -> list[tuple[str, Window]]:
    """The windows a viewer offers, labelled: the image's own, then the full range of its
    values (`low` to `high`), then the CT presets if `ct`."""
    full_range = Window(center=(low + high) / 2, width=max(high - low, 1.0), name="full range")
    choices = [(f"file: {w.name or f'window {i + 1}'}", w) for i, w in enumerate(own)]
    choices.append(("full range, padding left out" if padded else "full range", full_range))
    if ct:
        choices += [(f"preset: {name}", w) for name, w in PRESETS.items()]
    return [(f"{label} (C {_number(w.center)}, W {_number(w.width)})", w) for label, w in choices]


class WindowingViewer(widgets.VBox):
    """A greyscale DICOM image with center/width sliders, the file's windows and presets.

    `frame` picks one frame of a multi-frame file (the first when None); `max_size` is
    the longest side, in pixels, of the image sent to the browser (it is shown at most
    SHOWN_HEIGHT x SHOWN_WIDTH CSS pixels, the controls beside it).
    """

    def __init__(self, ds: Dataset, *, frame: int | None = None, max_size: int = 768):
        if frame is None and number_of_frames(ds) > 1:
            frame = 0
        # The image's own range: padding (PS3.3 C.7.5.1.1.2) is not part of it.
        low, high = value_range(ds, frame)
        attributes = frame_attributes(ds, frame or 0)  # functional groups, if any
        self._build(
            name=dataset_name(ds),
            # Display size, once (a band of rows at a time: no full-size float copy).
            values=display_values(ds, max_size, frame),
            low=low, high=high, own=file_windows(attributes),
            function=voi_function(attributes),
            invert=str(ds.PhotometricInterpretation).strip() == "MONOCHROME1",
            ct=ds.get("Modality") == "CT",
            padded=padding_values(ds) is not None,
        )

    def _build(
        self, *, name: str, values: np.ndarray, low: float, high: float, own: list[Window],
        function: str = "LINEAR", invert: bool = False, ct: bool = False, padded: bool = False,
        extra: tuple[widgets.Widget, ...] = (),
    ) -> None:
        """Lay out the picture and controls for display-size `values` (float32, 2-D).

        `low`/`high` is the range of the values, `own` the image's own windows (the first
        is shown at start), `ct` adds the CT presets and the unit HU, and `extra` are
        controls put above the window's (a subclass's slice slider, for instance).
        """
        self._name = name
        self._function = function
        self._invert = invert
        self._unit = "HU" if ct else ""
        self._set_values(values)

        choices = window_choices(own, low, high, ct=ct, padded=padded)
        # The first window is the one to_display() uses by default (a VOI LUT Sequence
        # has no center/width, so a file with only that starts at the full range).
        self._initial = choices[0][1]
        windows = [w for _, w in choices]

        # Where the sliders may go without widening: the values, and every offered window.
        # Their steps are whole multiples of `step` (the width's from the first one >= 1).
        step = nice_step(high - low)
        center_low = math.floor(min([low] + [w.center for w in windows]) / step + 1e-9) * step
        center_high = max([high] + [w.center for w in windows])
        width_low = math.ceil(1 / step - 1e-9) * step
        width_high = max([2 * (high - low)] + [w.width for w in windows])
        decimals = max(0, -math.floor(math.log10(step)))
        readout = f".{decimals}f"
        slider_style = {"description_width": "56px"}

        self.image = widgets.Image(format="png", layout=widgets.Layout(
            max_height=f"{SHOWN_HEIGHT}px", max_width=f"{SHOWN_WIDTH}px",
            width="auto", height="auto", object_fit="contain", flex="0 1 auto"))
        self.center = widgets.FloatSlider(
            description="center", min=center_low, max=center_high, step=step,
            readout_format=readout, continuous_update=True, style=slider_style,
            layout=widgets.Layout(width="100%"),
        )
        self.width = widgets.FloatSlider(
            description="width", min=width_low, max=width_high, step=step,
            readout_format=readout, continuous_update=True, style=slider_style,
            layout=widgets.Layout(width="100%"),
        )
        self.choice = widgets.Dropdown(
            description="window", options=choices, value=None, style=slider_style,
            layout=widgets.Layout(width="100%"),
        )
        self.reset = widgets.Button(description="reset", tooltip="back to the file's first window",
                                    layout=widgets.Layout(width="auto"))
        self.status = widgets.Label(layout=widgets.Layout(width="auto"))
        controls = widgets.VBox(
            [*extra, self.choice, self.reset, self.center, self.width],
            layout=widgets.Layout(width=CONTROLS_WIDTH, flex="0 0 auto"),
        )
        super().__init__(
            [widgets.HBox([self.image, controls], layout=widgets.Layout(
                flex_flow="row wrap", align_items="flex-start", grid_gap="4px 12px")),
             self.status],
            layout=widgets.Layout(width="max-content", max_width="100%"),
        )

        self._center_value, self._width_value = self._initial.center, self._initial.width
        self._quiet = False  # True while the viewer itself moves its controls
        self._pending_exact: asyncio.TimerHandle | None = None
        self.center.observe(self._on_slider, "value")
        self.width.observe(self._on_slider, "value")
        self.choice.observe(self._on_choice, "value")
        self.reset.on_click(lambda _: self.set_window(self._initial.center, self._initial.width))
        self._move_sliders(self._center_value, self._width_value)
        self.refresh(exact=True)

    def _set_values(self, values: np.ndarray) -> None:
        """Show `values` (display size, float32) from now on; buffers made once per shape."""
        self._values = values
        if getattr(self, "_pixels", None) is None or self._pixels.shape != values.shape:
            self._pixels = np.empty(values.shape, dtype=np.uint8)
            self._scratch = np.empty(values.shape, dtype=np.float32)

    def __repr__(self) -> str:
        # What a page without a widget front end shows (GitHub, nbval), instead of the
        # default repr that starts with the image's bytes.
        rows, columns = self._values.shape
        return (f"WindowingViewer({self._name}, {rows} x {columns} shown, "
                f"C {_number(self._center_value)} W {_number(self._width_value)})")

    @property
    def window(self) -> Window:
        """The window shown now (the sliders' grid may round what they display)."""
        return Window(center=self._center_value, width=self._width_value)

    def set_window(self, center: float, width: float) -> None:
        """Show the window `center`/`width` now, and move the sliders to it.

        The image is updated as a slider move updates it: at once as JPEG, and as exact
        PNG once nothing has moved for REST_SECONDS (when an event loop runs, as in a
        notebook; call `refresh()` to get the exact image at once).
        """
        check_window(width, self._function)
        self._center_value, self._width_value = float(center), float(width)
        self._move_sliders(self._center_value, self._width_value)
        self._update()

    def _move_sliders(self, center: float, width: float) -> None:
        """Put each slider's handle on the step nearest to `center` and `width`.

        A range widens by whole steps when a value lies outside it, in a message of its
        own before the value's, so that the browser's steps stay where they were.
        """
        self._quiet = True
        try:
            for slider, value in ((self.center, center), (self.width, width)):
                if value < slider.min:
                    slider.min = math.floor(value / slider.step + 1e-9) * slider.step
                if value > slider.max:
                    slider.max = value  # the end of a range is a stop even off the steps
                slider.value = _on_grid(slider, value)
        finally:
            self._quiet = False

    def refresh(self, exact: bool = True) -> None:
        """Window the display-size image and send it: exact PNG, or JPEG if not `exact`."""
        center, width = self._center_value, self._width_value
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
        self._sync_choice()

    def _sync_choice(self) -> None:
        """Show in the drop-down the window on screen: the chosen one if it still is."""
        def shows(window: Window | None) -> bool:
            return (window is not None and _same(window.center, self._center_value)
                    and _same(window.width, self._width_value))

        if shows(self.choice.value):
            return
        matching = [w for _, w in self.choice.options if shows(w)]
        self._quiet = True
        try:
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
        if self._quiet:
            return
        slider = change["owner"]
        value = _on_grid(slider, change["new"])
        shown = self._center_value if slider is self.center else self._width_value
        if abs(value - _on_grid(slider, shown)) < slider.step / 2:
            return  # the browser's copy of the handle position the viewer set: not a move
        if slider is self.center:
            self._center_value = value
        else:
            self._width_value = max(value, 1.0)
        self._update()

    def _on_choice(self, change: dict) -> None:
        window = change["new"]
        if window is not None and not self._quiet:
            self.set_window(window.center, window.width)


def _on_grid(slider: widgets.FloatSlider, value: float) -> float:
    """`value` on the slider's grid (min + k * step), as the browser means it."""
    if abs(value - slider.max) < slider.step * 1e-6:
        return float(slider.max)
    steps = round((value - slider.min) / slider.step)
    return round(min(slider.min + steps * slider.step, slider.max), 9)
