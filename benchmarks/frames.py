"""How fast is the cine player, and what does to_rgb cost? Measured on the bundled US cine.

Prints, for data/us_cine_ybr.dcm (30 frames of 240 x 320, YBR_FULL_422, JPEG Baseline)
or a multi-frame file given on the command line:
- building a `CinePlayer` (every frame decoded, converted and encoded as PNG once) and
  the bytes it sends to the browser once;
- the player's frame update in the kernel (`show_frame`: two traits set; while playing
  the kernel does nothing at all: the browser draws the frames it holds, timed by its
  clock), median over every frame, at display size;
- the same frame update done the naive way (take the frame, draw a Matplotlib figure);
- `to_rgb` on every frame: time (median of several runs) and peak memory (tracemalloc)
  against the size of its RGB result.
The frame rate reached in the browser is measured by tests/test_browser.py (it plays the
cine for a second in Chromium and counts the frames drawn). This script measures and prints; it asserts nothing.
Run from the repository root:

    .venv/bin/python benchmarks/frames.py [FILE]
"""

from __future__ import annotations

import io
import sys
import tracemalloc
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pydicom  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "notebooks"))
from timing import spread, timed  # noqa: E402  (benchmarks/timing.py)
from dicomview import CinePlayer, to_rgb  # noqa: E402

RUNS = 5


def picture_size(data: bytes) -> str:
    """Rows x columns of an encoded picture."""
    width, height = Image.open(io.BytesIO(data)).size
    return f"{height} x {width}"


def naive_frame(ds: pydicom.Dataset, index: int) -> None:
    """What a blog tutorial would do per frame: take it from pixel_array, draw a figure."""
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.imshow(ds.pixel_array[index])
    axes.axis("off")
    figure.savefig(io.BytesIO(), format="png")
    plt.close(figure)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "us_cine_ybr.dcm"
    ds = pydicom.dcmread(path)
    frames = int(ds.NumberOfFrames)
    print(f"{path.name}: {frames} frames of {ds.Rows} x {ds.Columns}, "
          f"{ds.PhotometricInterpretation}, {ds.file_meta.TransferSyntaxUID.name}")

    builds = timed(lambda _: CinePlayer(ds), RUNS)
    print(f"CinePlayer built (every frame decoded and encoded once): {spread(builds)}")
    player = CinePlayer(ds)
    print(f"  sent to the browser once: {player.bytes_at_start / 1e6:.2f} MB of PNG, "
          f"{frames} frames of {picture_size(player.frames[0])}; "
          f"frame rate {player.frame_rate:.3g} fps (a frame every {1000 / player.frame_rate:.1f} ms)")
    updates = timed(lambda i: player.show_frame((i + 1) % frames), 3 * frames)
    print(f"frame update in the kernel (show_frame):          {spread(updates)}")
    naive = timed(lambda i: naive_frame(ds, i % frames), 10)
    print(f"naive frame update (pixel_array + Matplotlib figure): {spread(naive)}")

    fresh = pydicom.dcmread(path)
    times = timed(lambda _: to_rgb(fresh), RUNS)
    tracemalloc.start()
    rgb = to_rgb(fresh)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"to_rgb, every frame -> {rgb.shape} uint8: {spread(times)}")
    print(f"  peak memory {peak / 1e6:.1f} MB = {peak / rgb.nbytes:.2f} x the result "
          f"({rgb.nbytes / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
