"""CinePlayer: the frames of a multi-frame file played at the file's own frame rate.

Built like the course's viewers: every frame is made 8-bit RGB (or grey), shrunk to
display size and encoded as PNG once, and all frames go to the browser once. The browser
then plays them by the clock (`cine.js`): at each screen refresh it draws the frame due at
that moment, so a 30 fps loop plays at 30 fps without asking the kernel for anything.
(Two designs were measured and dropped: asking the kernel for each frame held a 30 fps
loop near 10 fps; ipywidgets' `Play` chains a timer after each tick's work, and ticked
about 24 times a second for a 33 ms interval with only a slider linked to it.)
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import anywidget
import numpy as np
import traitlets
from PIL import Image
from pydicom.dataset import Dataset

from .colour import to_rgb
from .display import DEFAULT_MAX_SIZE, dataset_edges, edge_css
from .frames import check_frame, dataset_name, number_of_frames
from .pipeline import downsample, to_display
from .viewer import SHOWN_HEIGHT, SHOWN_WIDTH

# The rate when the file gives none (PS3.3 C.7.6.5: the Cine module is optional).
DEFAULT_FPS = 10.0


def frame_rate(ds: Dataset) -> tuple[float, str]:
    """The rate to play `ds` at, in frames per second, and the attribute it came from.

    PS3.3 C.7.6.5 (Cine Module): Recommended Display Frame Rate (0008,2144) is the rate at
    which the frames "should be displayed", so it comes first. Else the frames' own timing,
    the attribute the Frame Increment Pointer (0028,0009) names (C.7.6.5.1.1): Frame Time
    (0018,1063), the time between frames in ms, or Frame Time Vector (0018,1065), the time
    before each frame (its first value 0), played here at its mean. Else Cine Rate
    (0018,0040), frames per second; else a Frame Time without a pointer. Without any of
    them: DEFAULT_FPS.
    """
    recommended = ds.get("RecommendedDisplayFrameRate")
    if recommended is not None and float(recommended) > 0:
        return float(recommended), f"RecommendedDisplayFrameRate {float(recommended):g}"
    vector = ds.get("FrameTimeVector")
    if vector is not None and len(vector) > 1 and ds.get("FrameIncrementPointer") == 0x00181065:
        mean = sum(float(v) for v in list(vector)[1:]) / (len(vector) - 1)
        if mean > 0:
            return 1000.0 / mean, f"FrameTimeVector, mean {mean:g} ms"
    frame_time = ds.get("FrameTime")
    if frame_time is not None and float(frame_time) > 0 and ds.get("FrameIncrementPointer") == 0x00181063:
        return 1000.0 / float(frame_time), f"FrameTime {float(frame_time):g} ms"
    cine_rate = ds.get("CineRate")
    if cine_rate is not None and float(cine_rate) > 0:
        return float(cine_rate), f"CineRate {float(cine_rate):g}"
    if frame_time is not None and float(frame_time) > 0:
        return 1000.0 / float(frame_time), f"FrameTime {float(frame_time):g} ms"
    return DEFAULT_FPS, "no frame rate in the file"


def _shrink(pixels: np.ndarray, max_size: int) -> np.ndarray:
    """An 8-bit frame (rows, columns[, 3]) at display size: block means, rounded."""
    return (downsample(pixels, max_size) + 0.5).astype(np.uint8)


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class CinePlayer(anywidget.AnyWidget):
    """The frames of a multi-frame DICOM file (colour or grey) with play/pause and a
    frame slider, played at the file's frame rate (see `frame_rate`).

    Colour frames are shown through `to_rgb`, grey ones through `to_display` (the file's
    window, per frame for an enhanced file). `max_size` is the longest side, in pixels,
    of a frame sent to the browser. `frame` and `playing` say what the browser shows, as
    it last told the kernel (when playing stops, or the slider is let go).
    """

    _esm = Path(__file__).with_name("cine.js")
    _css = edge_css() + Path(__file__).with_name("cine.css").read_text()
    frames = traitlets.List(traitlets.Bytes()).tag(sync=True)  # PNG files, sent as binary
    frame = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    fps = traitlets.Float(DEFAULT_FPS).tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)
    edges = traitlets.Dict().tag(sync=True)  # the edge labels ({} where the file does not say)
    shown = traitlets.Dict({"height": SHOWN_HEIGHT, "width": SHOWN_WIDTH}).tag(sync=True)

    def __init__(self, ds: Dataset, *, max_size: int = DEFAULT_MAX_SIZE):
        self._ds = ds
        self._name = dataset_name(ds)
        count = number_of_frames(ds)
        fps, rate_source = frame_rate(ds)
        super().__init__(
            frames=[_png(_shrink(pixels, max_size)) for pixels in self._display_frames(count)],
            fps=fps,
            caption=f"{count} frames \u00b7 {fps:.3g} frames per second ({rate_source})",
            edges=dataset_edges(ds) or {},
        )

    def _display_frames(self, count: int) -> Iterator[np.ndarray]:
        """Each frame as uint8, grey (rows, columns) or RGB (rows, columns, 3)."""
        if str(self._ds.get("PhotometricInterpretation", "")).strip().startswith("MONOCHROME"):
            for index in range(count):
                yield to_display(self._ds, frame=index)
        else:
            rgb = to_rgb(self._ds)
            yield from rgb.reshape(count, *rgb.shape[-3:])

    @property
    def frame_count(self) -> int:
        """How many frames the player holds (the file's Number of Frames)."""
        return len(self.frames)

    @property
    def bytes_at_start(self) -> int:
        """How many bytes of pictures go to the browser when the player is displayed."""
        return sum(len(frame) for frame in self.frames)

    def play(self) -> None:
        """Start playing (in the browser, from the frame shown)."""
        self.playing = True

    def pause(self) -> None:
        """Stop playing (the browser keeps the frame it shows)."""
        self.playing = False

    def reset(self) -> None:
        """Back to the start: paused on the first frame."""
        self.show_frame(0)

    def show_frame(self, index: int) -> None:
        """Stop playing and show frame `index` (counted from 0)."""
        check_frame(self._ds, index)
        with self.hold_sync():
            self.playing = False
            self.frame = index

    def __repr__(self) -> str:
        return f"CinePlayer({self._name}, {self.frame_count} frames at {self.fps:.3g} fps)"

    def _repr_mimebundle_(self, **kwargs):
        """The widget, and beside it the frame on screen as PNG, for pages without widgets."""
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["image/png"] = base64.b64encode(self.frames[self.frame]).decode("ascii")
        return data, metadata
