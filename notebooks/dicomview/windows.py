"""Windows: the `Window` type, the windows a file (or one of its frames) carries, and CT presets.

A window (center and width, in the units of the modality LUT's output: Hounsfield units
for CT) says which band of values is spread over the grey scale. The file's own windows
come from WindowCenter/WindowWidth, which often hold several values each.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

from pydicom.dataset import Dataset

from .frames import frame_attributes, has_functional_groups, number_of_frames


VOI_FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")


@dataclass(frozen=True, kw_only=True)
class Window:
    """A window center and width, with a name ("" when the file gives none).

    `problem` says why a window the file carries cannot be used ("" when it can): a
    width of 0, or a center without a width. The display functions and the viewers skip
    such windows; `file_windows` lists them, so that you can see what the file holds.
    """

    center: float
    width: float
    name: str = ""
    problem: str = ""

    @property
    def usable(self) -> bool:
        return not self.problem

    def __repr__(self) -> str:
        problem = f", problem={self.problem!r}" if self.problem else ""
        return f"Window(center={self.center!r}, width={self.width!r}, name={self.name!r}{problem})"


def voi_function(ds: Dataset) -> str:
    """The file's VOILUTFunction (LINEAR when absent), checked against PS3.3 C.11.2.1.3."""
    function = str(ds.get("VOILUTFunction") or "LINEAR").strip().upper()
    if function not in VOI_FUNCTIONS:
        raise ValueError(
            f"VOILUTFunction {function!r} is not one the standard defines; "
            f"expected one of {', '.join(VOI_FUNCTIONS)}."
        )
    return function


def window_problem(width: float, function: str = "LINEAR") -> str:
    """Why a window of this width cannot be used with this VOI LUT function ("" if it can)."""
    if function not in VOI_FUNCTIONS:
        return f"unknown VOI LUT function {function!r}; use one of {', '.join(VOI_FUNCTIONS)}."
    if not width > 0:
        return (f"window width must be greater than 0, got {width}: it is the size of the "
                "band of values spread from black to white.")
    if function == "LINEAR" and width < 1:
        return (f"window width {width} is below 1, which the LINEAR function does not allow "
                "(PS3.3 C.11.2.1.2.1); use a width of at least 1.")
    return ""


def _as_list(value: object) -> list:
    """A DICOM value of multiplicity 1-n as a list (a single value becomes [value])."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return [value]
    return list(value)


def file_windows(ds: Dataset, *, frame: int | None = None) -> list[Window]:
    """The file's own windows in file order, named from WindowCenterWidthExplanation.

    WindowCenter and WindowWidth may each hold several values (so `float(ds.WindowCenter)`
    fails on many files); the n-th center goes with the n-th width and explanation.
    In an enhanced multi-frame file they live in the functional groups' Frame VOI LUT
    (PS3.3 C.7.6.16.2.10) and may differ from frame to frame: `frame` picks the frame
    (see `frame_attributes`). With `frame=None`, the windows of the whole file: those
    every frame shares (none if its frames' windows differ). Windows that cannot be used
    (a width of 0, a center without a width) are listed with their `problem`.
    """
    if frame is not None:
        return _windows(frame_attributes(ds, frame))
    if not has_functional_groups(ds):
        return _windows(ds)
    each = [_windows(frame_attributes(ds, k)) for k in range(number_of_frames(ds))]
    return each[0] if all(windows == each[0] for windows in each) else []


def _windows(attributes: Dataset) -> list[Window]:
    """The windows in one set of attributes (a file's, or a frame's), the unusable ones
    with their problem: a width the VOI LUT function does not allow (PS3.3 C.11.2.1.2.1,
    C.11.2.1.3), or a center without a width (Window Center (0028,1050) and Window Width
    (0028,1051) pair up value by value, PS3.3 C.11.2.1.2)."""
    centers = _as_list(attributes.get("WindowCenter"))
    widths = _as_list(attributes.get("WindowWidth"))
    names = _as_list(attributes.get("WindowCenterWidthExplanation"))
    function = str(attributes.get("VOILUTFunction") or "LINEAR").strip().upper()
    windows = []
    for i in range(max(len(centers), len(widths))):
        center = float(centers[i]) if i < len(centers) else math.nan
        width = float(widths[i]) if i < len(widths) else math.nan
        if i >= len(widths):
            problem = "Window Width (0028,1051) has no value for this center"
        elif i >= len(centers):
            problem = "Window Center (0028,1050) has no value for this width"
        else:
            problem = window_problem(width, function if function in VOI_FUNCTIONS else "LINEAR")
        windows.append(Window(center=center, width=width,
                              name=str(names[i]) if i < len(names) else "", problem=problem))
    return windows


def usable_windows(windows: list[Window], where: str) -> list[Window]:
    """The usable ones of `windows`; a warning names the others (once per file and window),
    so that a learner knows why the picture is not in the file's window."""
    for window in windows:
        if not window.usable:
            label = window.name or f"window {windows.index(window) + 1}"
            warnings.warn(f"{where}: the file's {label} (C {window.center:g}, W {window.width:g}) "
                          f"cannot be used: {window.problem.rstrip('.')}. It is skipped.", stacklevel=3)
    return [window for window in windows if window.usable]


# Named CT windows in Hounsfield units. Sources disagree; each preset cites the one it uses.
# "Radiopaedia" is the article "Windowing (CT)", https://radiopaedia.org/articles/windowing-ct
PRESETS: dict[str, Window] = {
    # Radiopaedia, head and neck: brain W:80 L:40
    "brain": Window(center=40, width=80, name="brain"),
    # Radiopaedia, head and neck: subdural W:130-300 L:50-100 (the middle of both ranges)
    "subdural": Window(center=75, width=215, name="subdural"),
    # Radiopaedia, head and neck: stroke "W:8 L:32 or W:40 L:40" (the second)
    "stroke": Window(center=40, width=40, name="stroke"),
    # Radiopaedia, spine: bone W:1800 L:400
    "bone": Window(center=400, width=1800, name="bone"),
    # Radiopaedia, chest: lungs W:1500 L:-600
    "lung": Window(center=-600, width=1500, name="lung"),
    # Radiopaedia, chest: mediastinum W:350 L:50
    "mediastinum": Window(center=50, width=350, name="mediastinum"),
    # Radiopaedia, abdomen: soft tissues W:400 L:50
    "abdomen": Window(center=50, width=400, name="abdomen"),
    # Radiopaedia, abdomen: liver W:150 L:30
    "liver": Window(center=30, width=150, name="liver"),
}
