"""Windows: the `Window` type, the windows a file (or one of its frames) carries, and CT presets.

A window (center and width, in the units of the modality LUT's output: Hounsfield units
for CT) says which band of values is spread over the grey scale. The file's own windows
come from WindowCenter/WindowWidth, which often hold several values each.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

from .frames import frame_attributes, has_functional_groups, number_of_frames


@dataclass(frozen=True, kw_only=True)
class Window:
    """A window center and width, with a name ("" when the file gives none)."""

    center: float
    width: float
    name: str = ""


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
    every frame shares (none if its frames' windows differ).
    """
    if frame is not None:
        return _windows(frame_attributes(ds, frame))
    if not has_functional_groups(ds):
        return _windows(ds)
    each = [_windows(frame_attributes(ds, k)) for k in range(number_of_frames(ds))]
    return each[0] if all(windows == each[0] for windows in each) else []


def _windows(attributes: Dataset) -> list[Window]:
    """The windows in one set of attributes (a file's, or a frame's)."""
    centers = _as_list(attributes.get("WindowCenter"))
    widths = _as_list(attributes.get("WindowWidth"))
    names = _as_list(attributes.get("WindowCenterWidthExplanation"))
    return [
        Window(
            center=float(center),
            width=float(width),
            name=str(names[i]) if i < len(names) else "",
        )
        for i, (center, width) in enumerate(zip(centers, widths))
    ]


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
