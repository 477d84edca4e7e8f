"""CinePlayer: the frames of a multi-frame file played at the file's own frame rate.

Built like WindowingViewer: every frame is made 8-bit RGB (or grey) and shrunk to display
size once, and encoded once as JPEG; playing then only hands the browser the next frame's
bytes, with no figure and no decoding per frame. Play/pause and the frame slider are
ipywidgets' `Play` and `IntSlider`, linked in the browser (`jslink`), so the two move
together without asking the kernel. JPEG is lossy: whenever the player stops (paused, or
a frame picked by hand), the exact frame follows as PNG.
"""

from __future__ import annotations

import io
import math

import ipywidgets as widgets
import numpy as np
from PIL import Image
from pydicom.dataset import Dataset

from .colour import to_rgb
from .frames import check_frame, dataset_name, number_of_frames
from .pipeline import to_display
from .viewer import JPEG_QUALITY, SHOWN_HEIGHT, SHOWN_WIDTH

# The rate when the file gives none (PS3.3 C.7.6.5: the Cine module is optional).
DEFAULT_FPS = 10.0


def frame_rate(ds: Dataset) -> tuple[float, str]:
    """The rate to play `ds` at, in frames per second, and the attribute it came from.

    Frame Time (0018,1063) is the time between frames in ms; Cine Rate (0018,0040) and
    Recommended Display Frame Rate (0008,2144) are frames per second (PS3.3 C.7.6.5,
    C.7.6.5.1.1). Without any of them: DEFAULT_FPS.
    """
    frame_time = ds.get("FrameTime")
    if frame_time is not None and float(frame_time) > 0:
        return 1000.0 / float(frame_time), f"FrameTime {float(frame_time):g} ms"
    for keyword in ("CineRate", "RecommendedDisplayFrameRate"):
        rate = ds.get(keyword)
        if rate is not None and float(rate) > 0:
            return float(rate), f"{keyword} {float(rate):g}"
    return DEFAULT_FPS, "no frame rate in the file"


def _shrink(pixels: np.ndarray, max_size: int) -> np.ndarray:
    """Shrink an 8-bit image (rows, columns[, 3]) by a whole factor to fit `max_size`,
    each output pixel the rounded mean of a block."""
    factor = math.ceil(max(pixels.shape[:2]) / max_size)
    if factor <= 1:
        return pixels
    rows, columns = pixels.shape[0] // factor, pixels.shape[1] // factor
    blocks = pixels[: rows * factor, : columns * factor].reshape(
        rows, factor, columns, factor, *pixels.shape[2:])
    return (blocks.mean(axis=(1, 3), dtype=np.float32) + 0.5).astype(np.uint8)


def _encode(pixels: np.ndarray, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "jpeg":
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    else:
        Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class CinePlayer(widgets.VBox):
    """The frames of a multi-frame DICOM file (colour or grey) with play/pause and a
    frame slider, played at the file's frame rate (see `frame_rate`).

    Colour frames are shown through `to_rgb`, grey ones through `to_display` (the file's
    window, per frame for an enhanced file). `max_size` is the longest side, in pixels,
    of a frame sent to the browser.
    """

    def __init__(self, ds: Dataset, *, max_size: int = 512):
        self._ds, self._max_size = ds, max_size
        self._name = dataset_name(ds)
        self._frames = number_of_frames(ds)
        self._grey = str(ds.get("PhotometricInterpretation", "")).strip().startswith("MONOCHROME")
        self.frame_rate, self._rate_source = frame_rate(ds)
        # Every frame at display size, once, as JPEG (the decoded frames are then let go).
        self._previews = [_encode(pixels, "jpeg") for pixels in self._display_frames()]

        interval = max(1, round(1000 / self.frame_rate))
        self.play = widgets.Play(
            min=0, max=self._frames - 1, step=1, interval=interval, repeat=True,
            description="play", layout=widgets.Layout(flex="0 0 auto"))
        self.frame = widgets.IntSlider(
            description="frame", min=0, max=self._frames - 1, step=1, continuous_update=True,
            style={"description_width": "48px"}, layout=widgets.Layout(flex="1 1 auto"))
        widgets.jslink((self.play, "value"), (self.frame, "value"))
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            max_height=f"{SHOWN_HEIGHT}px", max_width=f"{SHOWN_WIDTH}px",
            width="auto", height="auto", object_fit="contain"))
        self.status = widgets.Label()
        super().__init__(
            [self.image, widgets.HBox([self.play, self.frame]), self.status],
            layout=widgets.Layout(width=f"{SHOWN_WIDTH}px", max_width="100%"))
        self.frame.observe(lambda change: self.show_frame(change["new"]), "value")
        self.play.observe(self._on_playing, "playing")
        self.show_frame(0)

    def _display_frames(self):
        """Each frame as display-size uint8 (grey 2-D, or RGB), one after another."""
        if self._grey:
            for index in range(self._frames):
                yield _shrink(to_display(self._ds, frame=index), self._max_size)
        else:
            frames = to_rgb(self._ds).reshape(self._frames, int(self._ds.Rows), int(self._ds.Columns), 3)
            for pixels in frames:
                yield _shrink(pixels, self._max_size)

    def _exact(self, index: int) -> bytes:
        """Frame `index` at display size as PNG (lossless)."""
        if self._grey:
            pixels = to_display(self._ds, frame=index)
        else:
            pixels = to_rgb(self._ds, frame=index)
        return _encode(_shrink(pixels, self._max_size), "png")

    def __repr__(self) -> str:
        return f"CinePlayer({self._name}, {self._frames} frames at {self.frame_rate:.3g} fps)"

    def show_frame(self, index: int) -> None:
        """Show frame `index` (counted from 0): the JPEG preview while playing, else the
        exact PNG. Moves the slider (and the play button's count) to it."""
        check_frame(self._ds, index)
        if self.frame.value != index:
            self.frame.value = index  # observed: comes back here
            return
        playing = self.play.playing
        with self.image.hold_sync():
            self.image.format = "jpeg" if playing else "png"
            self.image.value = self._previews[index] if playing else self._exact(index)
        self.status.value = (
            f"frame {index + 1} of {self._frames} \u00b7 {self.frame_rate:.3g} frames per second "
            f"({self._rate_source})")

    def _on_playing(self, change: dict) -> None:
        if not change["new"]:  # paused: the exact frame
            self.show_frame(self.frame.value)
