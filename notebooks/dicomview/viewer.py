"""WindowingViewer: window/level sliders that feel like a viewer's, in plain ipywidgets.

What it shows comes from `display.prepare` (display-size values, windows, limits, edge
labels); this module is layout and events only. A multi-frame file or a volume gets a
slice slider, counted from 1 like the status line; `show_slice` counts from 0, as Python does.

Why it is fast: the image is shrunk once to display size, each update windows that small
float32 array into preallocated buffers, and the result goes to an `ipywidgets.Image` as
JPEG (about a millisecond to encode). No figure is built per update and Matplotlib is not
involved. JPEG is lossy, so once the sliders rest the exact image follows as PNG.
"""

from __future__ import annotations

import asyncio
import base64
import io
import math

import ipywidgets as widgets
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .display import DEFAULT_MAX_SIZE, Edges, Prepared, format_number, prepare
from .pipeline import apply_window, check_window
from .windows import Window

# Seconds without a slider move after which the exact PNG replaces the JPEG preview.
REST_SECONDS = 0.3
JPEG_QUALITY = 85
# The room for the picture on screen, in CSS pixels: with the edge labels and the
# controls beside it, the whole viewer fits a 1280 x 720 screen (a projector) in JupyterLab.
SHOWN_HEIGHT = 440
SHOWN_WIDTH = 520
CONTROLS_WIDTH = "300px"
# The edge labels left and right of the picture take this much of its room (3 letters at most).
EDGE_LABELS_WIDTH = 40
# The drop-down's entry for a window that is none of those offered (moved by hand).
OWN_WINDOW = "(window of your own)"


def with_picture(bundle, pixels: np.ndarray, width: int, edges: Edges | None) -> tuple[dict, dict]:
    """A widget's display data with a PNG of `pixels` beside it, shown `width` CSS pixels
    wide where no widget can run: GitHub, nbviewer, an HTML export, and a lesson opened
    before its cells have run. The patient directions are written at its edges, as the
    live viewers show them."""
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    picture = Image.fromarray(pixels)
    if edges:
        picture = picture.convert("RGB")
        draw = ImageDraw.Draw(picture)
        font = ImageFont.load_default(size=max(8, round(15 * picture.width / width)))
        margin = max(2, picture.width // 100)
        right, bottom = picture.width - margin, picture.height - margin
        places = {"top": ((picture.width / 2, margin), "mt"),
                  "bottom": ((picture.width / 2, bottom), "mb"),
                  "left": ((margin, picture.height / 2), "lm"),
                  "right": ((right, picture.height / 2), "rm")}
        for edge, (xy, anchor) in places.items():
            draw.text(xy, edges.get(edge, ""), fill=(255, 213, 74), font=font, anchor=anchor,
                      stroke_width=1, stroke_fill=(0, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    metadata["image/png"] = {"width": width}
    return data, metadata


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def shown_size(rows: int, columns: int, aspect: float, room: int = SHOWN_WIDTH) -> tuple[int, int]:
    """The picture's (height, width) in CSS pixels: as large as SHOWN_HEIGHT x `room`
    allows, a pixel `aspect` times as high as it is wide."""
    scale = min(room / columns, SHOWN_HEIGHT / (rows * aspect))
    return math.floor(rows * aspect * scale), math.floor(columns * scale)


class WindowingViewer(widgets.VBox):
    """A greyscale DICOM image (or a file's frames, or a `Volume`'s slices) with
    center/width sliders, the image's own windows, CT presets, and its edges labelled
    with the patient directions.

    `source` is a pydicom Dataset or a `dicomview.Volume`. `frame` picks one frame of a
    multi-frame file (None: every frame, with a slider); `windows` are the image's own
    windows (default: the source's); `ct` offers the CT presets and says HU (default:
    Modality CT); `max_size` is the longest side, in pixels, of the image sent to the
    browser (see `display.prepare`).
    """

    def __init__(self, source, *, frame: int | None = None, windows: list[Window] | None = None,
                 ct: bool | None = None, max_size: int = DEFAULT_MAX_SIZE):
        self._build(prepare(source, frame=frame, windows=windows, ct=ct, max_size=max_size))

    def _build(self, prepared: Prepared, extra: tuple[widgets.Widget, ...] = ()) -> None:
        """Lay out the picture, its edge labels and the controls for `prepared`.

        `extra` are controls put above the window's (a subclass's choice of plane).
        """
        self._prepared = prepared
        self._function = prepared.function
        self._invert = prepared.invert
        self._initial = prepared.initial
        limits = prepared.limits
        slider_style = {"description_width": "56px"}
        full = widgets.Layout(width="100%", min_width="0")

        self.image = widgets.Image(format="png", layout=widgets.Layout(object_fit="fill"))
        self.edge_labels = {edge: widgets.Label(style={"font_weight": "bold"},
                                                layout=widgets.Layout(margin="0 2px"))
                            for edge in ("top", "bottom", "left", "right")}
        for edge, label in self.edge_labels.items():
            label.add_class(f"dicomview-edge-{edge}")  # for whoever looks for it (the browser test)
        picture = widgets.VBox(
            [self.edge_labels["top"],
             widgets.HBox([self.edge_labels["left"], self.image, self.edge_labels["right"]],
                          layout=widgets.Layout(align_items="center")),
             self.edge_labels["bottom"]],
            layout=widgets.Layout(align_items="center", flex="0 0 auto"))

        count = len(prepared.slices)
        self.slice = widgets.IntSlider(
            description=prepared.slice_name, min=1, max=count, value=count // 2 + 1,
            continuous_update=True, style=slider_style, layout=full)
        self.center = widgets.FloatSlider(
            description="center", min=limits.center_low, max=limits.center_high,
            step=limits.step, readout=False, continuous_update=True, style=slider_style,
            layout=full)
        self.width = widgets.FloatSlider(
            description="width", min=limits.width_low, max=limits.width_high,
            step=limits.step, readout=False, continuous_update=True, style=slider_style,
            layout=full)
        # The sliders' own readouts would show the grid's value (80 for 75): these show
        # the window in use.
        self.center_readout, self.width_readout = (
            widgets.Label(layout=widgets.Layout(width="56px", flex="0 0 auto")) for _ in range(2))
        self.choice = widgets.Dropdown(
            description="window", options=[*prepared.choices, (OWN_WINDOW, OWN_WINDOW)],
            style=slider_style, layout=full)
        self.reset_button = widgets.Button(description="reset", tooltip="back to the first window",
                                           layout=widgets.Layout(width="auto"))
        self.status = widgets.Label(layout=widgets.Layout(width="auto"))
        slice_controls = [self.slice] if count > 1 else []
        controls = widgets.VBox(
            [*slice_controls, *extra, self.choice, self.reset_button,
             widgets.HBox([self.center, self.center_readout], layout=full),
             widgets.HBox([self.width, self.width_readout], layout=full)],
            layout=widgets.Layout(width=CONTROLS_WIDTH, flex="0 0 auto", overflow="hidden"))
        super().__init__(
            [widgets.HBox([picture, controls], layout=widgets.Layout(
                flex_flow="row wrap", align_items="flex-start", grid_gap="4px 12px")),
             self.status],
            layout=widgets.Layout(width="max-content", max_width="100%"),
        )

        self._center_value, self._width_value = self._initial.center, self._initial.width
        self._quiet = False  # True while the viewer itself moves its controls
        self._pending_exact: asyncio.TimerHandle | None = None
        self._pixels: np.ndarray | None = None
        self.center.observe(self._on_slider, "value")
        self.width.observe(self._on_slider, "value")
        self.choice.observe(self._on_choice, "value")
        self.slice.observe(self._on_slice, "value")
        self.reset_button.on_click(lambda _: self.reset())
        self._show_plane(self.slice.value - 1)
        self._move_sliders(self._center_value, self._width_value)
        self.refresh(exact=True)

    # --- what is shown ---------------------------------------------------------------

    def _plane(self, index: int) -> tuple[np.ndarray, float, Edges | None]:
        """Values, aspect and edge labels of slice `index` (a subclass shows other planes)."""
        return self._prepared.slices[index], self._prepared.aspect, self._prepared.edges_of(index)

    def _show_plane(self, index: int) -> None:
        """Show slice `index` from now on: its values, picture size and edge labels."""
        values, aspect, edges = self._plane(index)
        self._values = values
        if self._pixels is None or self._pixels.shape != values.shape:
            self._pixels = np.empty(values.shape, dtype=np.uint8)  # buffers, once per shape
            self._scratch = np.empty(values.shape, dtype=np.float32)
        height, width = shown_size(*values.shape, aspect, room=SHOWN_WIDTH - EDGE_LABELS_WIDTH)
        self.image.layout.height, self.image.layout.width = f"{height}px", f"{width}px"
        for edge, label in self.edge_labels.items():
            label.value = edges[edge] if edges else ""

    def _where(self) -> str:
        """Which slice is shown, counted from 1 ("slice 21 of 40"); "" for one image."""
        if self.slice.max == 1:
            return ""
        return f"{self.slice.description} {self.slice.value} of {self.slice.max}"

    def __repr__(self) -> str:
        # What a page without a widget front end shows (GitHub, nbval), instead of the
        # default repr that starts with the image's bytes.
        rows, columns = self._values.shape
        where = f"{self._where()}, " if self._where() else ""
        return (f"{type(self).__name__}({self._prepared.name}, {where}{rows} x {columns} "
                f"shown, C {format_number(self._center_value)} W {format_number(self._width_value)})")

    def _repr_mimebundle_(self, **kwargs):
        """The widget, and beside it a PNG of the picture for pages without widgets."""
        width = int(self.image.layout.width.removesuffix("px"))
        edges = {edge: label.value for edge, label in self.edge_labels.items()}
        return with_picture(super()._repr_mimebundle_(**kwargs), self._pixels, width, edges)

    @property
    def window(self) -> Window:
        """The window shown now."""
        return Window(center=self._center_value, width=self._width_value)

    # --- what the learner (or Python) does -------------------------------------------

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

    def reset(self) -> None:
        """Back to the first window (the image's own, else the full range)."""
        self.set_window(self._initial.center, self._initial.width)

    def show_slice(self, index: int) -> None:
        """Show slice (or frame) `index`, counted from 0, and move the slider to it."""
        if not 0 <= index < self.slice.max:
            raise IndexError(f"{self.slice.description} {index} is out of range: there are "
                             f"{self.slice.max}, numbered 0 to {self.slice.max - 1}.")
        self.slice.value = index + 1  # the slider counts from 1; its observer shows it

    def _move_sliders(self, center: float, width: float) -> None:
        """Put each slider's handle on the step nearest to `center` and `width`.

        Why: a browser slider moves in whole steps from its minimum, and when the kernel
        sets a value it sends back the value it snapped to. So the viewer keeps the exact
        window itself (picture, readouts, status line, drop-down), puts each handle on the
        step nearest to it, and takes a value from the browser as a move only if it lies
        at least half a step from that handle position (`_on_slider`). A range widens by
        whole steps when a value lies outside it, so that the browser's steps stay put.
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

        self.center_readout.value = format_number(center)
        self.width_readout.value = format_number(width)
        low, high = center - width / 2, center + width / 2
        shades = "white\u2026black (MONOCHROME1)" if self._invert else "black\u2026white"
        unit = f" {self._prepared.unit}" if self._prepared.unit else ""
        where = f"{self._where()} \u00b7 " if self._where() else ""
        self.status.value = (
            f"{where}C {format_number(center)} W {format_number(width)} \u2192 "
            f"{format_number(low)}\u2026{format_number(high)}{unit} shown {shades}"
        )
        self._sync_choice()

    def _sync_choice(self) -> None:
        """Show in the drop-down the window on screen: the chosen one if it still is, else
        the first that matches, else "(window of your own)"."""
        def shows(window: object) -> bool:
            return (isinstance(window, Window) and _same(window.center, self._center_value)
                    and _same(window.width, self._width_value))

        if shows(self.choice.value):
            return
        matching = [w for _, w in self.choice.options if shows(w)]
        self._quiet = True
        try:
            self.choice.value = matching[0] if matching else OWN_WINDOW
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
        if isinstance(window, Window) and not self._quiet:
            self.set_window(window.center, window.width)

    def _on_slice(self, change: dict) -> None:
        if self._quiet:
            return
        self._show_plane(change["new"] - 1)
        self._update()


def _on_grid(slider: widgets.FloatSlider, value: float) -> float:
    """`value` on the slider's grid (min + k * step), as the browser means it."""
    if abs(value - slider.max) < slider.step * 1e-6:
        return float(slider.max)
    steps = round((value - slider.min) / slider.step)
    return round(min(slider.min + steps * slider.step, slider.max), 9)
