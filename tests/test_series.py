"""Tests of dicomview.series: finding series in a folder and loading one as a Volume.

Small synthetic series are written into pytest's tmp_path, each voxel's stored value
saying which slice, row and column it is, so that order, orientation and the affine can
be checked against known positions."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, EnhancedCTImageStorage, ExplicitVRLittleEndian, generate_uid

from dicomview import Series, Volume, find_series, load_series

DATA = Path(__file__).resolve().parents[1] / "data"
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
ROWS, COLUMNS = 6, 5
PIXEL_SPACING = (0.8, 0.6)  # row spacing, column spacing


def stored(index: int, rows: int = ROWS, columns: int = COLUMNS) -> np.ndarray:
    """Slice `index`'s stored values: 1000 * index + 10 * row + column."""
    r, c = np.mgrid[:rows, :columns]
    return (1000 * index + 10 * r + c).astype(np.int16)


def ct_slice(index: int, position, *, orientation=AXIAL, series_uid: str = "1.2.3.4",
             number: int = 2, description: str = "thin", instance: int | None = None,
             pixels: np.ndarray | None = None, slope: float = 1.0) -> Dataset:
    """A small CT slice whose stored values encode `index` (see `stored`)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.Modality = "CT"
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.SeriesDescription = series_uid, number, description
    ds.InstanceNumber = index + 1 if instance is None else instance
    ds.ImagePositionPatient = [f"{v:.6g}" for v in position]
    ds.ImageOrientationPatient = [f"{v:.8g}" for v in orientation]
    ds.PixelSpacing = list(PIXEL_SPACING)
    ds.SliceThickness = 5  # on purpose unlike the spacing
    ds.SliceLocation = 0  # on purpose useless
    ds.RescaleSlope, ds.RescaleIntercept = slope, -1024
    ds.WindowCenter, ds.WindowWidth = [40, 400], [80, 1800]
    ds.WindowCenterWidthExplanation = ["brain", "bone"]
    ds.set_pixel_data(stored(index) if pixels is None else pixels, "MONOCHROME2", 16)
    return ds


def write(folder: Path, datasets: list[Dataset], names: list[str] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, ds in enumerate(datasets):
        path = folder / (names[i] if names else f"slice{i:03d}.dcm")
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def axial_positions(count: int, step: float = 2.5, start=(-2.0, -3.0, 10.0)) -> list[tuple]:
    return [(start[0], start[1], start[2] + step * k) for k in range(count)]


@pytest.fixture
def shuffled(tmp_path: Path) -> Path:
    """Eight axial slices 2.5 mm apart: file names shuffled, InstanceNumber reversed,
    plus a text file and a DICOM file without an image."""
    order = [5, 2, 7, 0, 3, 6, 1, 4]
    datasets = [ct_slice(k, axial_positions(8)[k], instance=8 - k) for k in range(8)]
    write(tmp_path / "series", datasets, [f"IM{order[k]:04d}" for k in range(8)])
    (tmp_path / "series" / "notes.txt").write_text("not DICOM")
    report = Dataset()
    report.file_meta = FileMetaDataset()
    report.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    report.SOPClassUID = report.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"
    report.SOPInstanceUID = report.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    report.SeriesInstanceUID = "9.9.9"
    report.save_as(tmp_path / "series" / "report.dcm", enforce_file_format=True)
    return tmp_path / "series"


def voxel_points(volume: Volume) -> np.ndarray:
    """affine @ (slice, row, column, 1) for every voxel, shape (slices, rows, columns, 3)."""
    index = np.stack(np.meshgrid(*map(np.arange, volume.values.shape), indexing="ij"), axis=-1)
    return index @ volume.affine[:3, :3].T + volume.affine[:3, 3]


def expected_points(positions, orientation) -> np.ndarray:
    """Each voxel's centre from its own slice's IPP and IOP (PS3.3 C.7.6.2.1.1)."""
    row_cosines, column_cosines = np.array(orientation[:3]), np.array(orientation[3:])
    r, c = np.mgrid[:ROWS, :COLUMNS]
    in_plane = (r[..., None] * PIXEL_SPACING[0] * column_cosines
                + c[..., None] * PIXEL_SPACING[1] * row_cosines)
    return np.array([np.array(p) + in_plane for p in positions])


# --- find_series -------------------------------------------------------------------------


def test_find_series_reads_headers_and_counts_skipped_files(shuffled: Path) -> None:
    found = find_series(shuffled)
    assert isinstance(found, list) and len(found) == 1
    series = found[0]
    assert isinstance(series, Series)
    assert (series.uid, series.number, series.description, series.modality) == ("1.2.3.4", 2, "thin", "CT")
    assert len(series.paths) == 8 and all(isinstance(p, Path) for p in series.paths)
    assert found.skipped == 2  # notes.txt and the report without an image
    assert "2 files skipped" in str(found)


def test_find_series_sorts_by_series_number(tmp_path: Path) -> None:
    write(tmp_path, [ct_slice(k, p, series_uid="1.2.9", number=7, description="thick")
                     for k, p in enumerate(axial_positions(2))], ["a1", "a2"])
    write(tmp_path, [ct_slice(k, p) for k, p in enumerate(axial_positions(3))], ["b1", "b2", "b3"])
    found = find_series(tmp_path)
    assert [(s.number, len(s.paths)) for s in found] == [(2, 3), (7, 2)]


def test_find_series_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a folder"):
        find_series(tmp_path / "nowhere")


# --- load_series: order, values, spacing, affine ------------------------------------------


def test_order_is_by_position_not_name_or_instance_number(shuffled: Path) -> None:
    volume = load_series(shuffled)
    assert volume.values.dtype == np.float32 and volume.values.shape == (8, ROWS, COLUMNS)
    for k in range(8):  # slice k holds stored(k), in HU
        np.testing.assert_array_equal(volume.values[k], stored(k) - 1024.0)
    np.testing.assert_allclose(volume.positions, axial_positions(8))
    assert np.all(np.diff(volume.positions[:, 2]) > 0)
    assert volume.series_uid == "1.2.3.4" and volume.description == "thin"
    assert [w.name for w in volume.windows] == ["brain", "bone"]


def test_spacing_comes_from_positions_not_slice_thickness(shuffled: Path) -> None:
    volume = load_series(shuffled)
    assert volume.spacing == pytest.approx((2.5, *PIXEL_SPACING))  # SliceThickness is 5


def test_spacing_is_fitted_over_positions_rounded_to_a_tenth(tmp_path: Path) -> None:
    true_step = 0.625
    positions = [(0.0, 0.0, round(true_step * k, 1)) for k in range(40)]
    volume = load_series(write(tmp_path, [ct_slice(k, p) for k, p in enumerate(positions)]))
    assert volume.spacing[0] == pytest.approx(true_step, abs=0.005)
    assert volume.affine[2, 0] == pytest.approx(true_step, abs=0.005)


def test_affine_maps_voxels_to_their_patient_positions_oblique(tmp_path: Path) -> None:
    angle = math.radians(30)  # rows along a tilted x, columns along y: an oblique series
    orientation = (math.cos(angle), 0.0, math.sin(angle), 0.0, 1.0, 0.0)
    normal = np.cross(orientation[:3], orientation[3:])
    positions = [tuple(np.array([5.0, -7.0, 1.0]) + 3.0 * k * normal) for k in range(5)]
    names = ["e", "a", "d", "b", "c"]
    volume = load_series(write(tmp_path, [ct_slice(k, p, orientation=orientation)
                                          for k, p in enumerate(positions)], names))
    assert volume.affine.dtype == np.float64 and volume.affine.shape == (4, 4)
    np.testing.assert_allclose(volume.affine[3], [0, 0, 0, 1])
    np.testing.assert_allclose(voxel_points(volume), expected_points(positions, orientation), atol=1e-4)
    assert volume.spacing[0] == pytest.approx(3.0)


def test_slices_stored_head_to_feet_are_reordered(tmp_path: Path) -> None:
    """Positions decreasing with InstanceNumber: the volume still runs along the normal."""
    positions = axial_positions(4, step=-1.25)
    volume = load_series(write(tmp_path, [ct_slice(k, p) for k, p in enumerate(positions)]))
    np.testing.assert_array_equal(volume.values[0], stored(3) - 1024.0)
    assert volume.spacing[0] == pytest.approx(1.25)
    np.testing.assert_allclose(voxel_points(volume), expected_points(positions[::-1], AXIAL), atol=1e-4)


def test_gantry_tilt_gives_a_sheared_affine(tmp_path: Path) -> None:
    """Tilted planes, positions stepping along the table (z): no error, a sheared affine
    whose slice column is the step, and the plane spacing along the normal."""
    tilt = math.radians(20)
    orientation = (1.0, 0.0, 0.0, 0.0, math.cos(tilt), -math.sin(tilt))
    positions = [(0.0, 0.0, 3.0 * k) for k in range(6)]
    volume = load_series(write(tmp_path, [ct_slice(k, p, orientation=orientation)
                                          for k, p in enumerate(positions)]))
    np.testing.assert_allclose(volume.affine[:3, 0], [0, 0, 3.0], atol=1e-6)
    normal = np.cross(orientation[:3], orientation[3:])
    assert abs(volume.affine[:3, 0] @ normal) < np.linalg.norm(volume.affine[:3, 0])  # sheared
    assert volume.spacing[0] == pytest.approx(3.0 * math.cos(tilt), abs=1e-4)
    np.testing.assert_allclose(voxel_points(volume), expected_points(positions, orientation), atol=1e-4)


def test_source_may_be_paths_or_strings(shuffled: Path) -> None:
    paths = sorted(shuffled.glob("IM*"))
    from_paths = load_series(paths)
    from_strings = load_series(str(p) for p in paths)
    np.testing.assert_array_equal(from_paths.values, from_strings.values)
    np.testing.assert_array_equal(from_paths.values, load_series(str(shuffled)).values)


def test_each_slice_keeps_its_own_rescale(tmp_path: Path) -> None:
    datasets = [ct_slice(k, p, slope=k + 1.0) for k, p in enumerate(axial_positions(3))]
    volume = load_series(write(tmp_path, datasets))
    for k in range(3):
        np.testing.assert_allclose(volume.values[k], stored(k) * (k + 1.0) - 1024.0)


def test_volume_is_frozen_and_read_only(shuffled: Path) -> None:
    volume = load_series(shuffled)
    with pytest.raises(AttributeError):
        volume.spacing = (1, 1, 1)
    with pytest.raises(ValueError, match="read-only"):
        volume.values[0, 0, 0] = 0
    assert repr(volume) == "Volume('thin', 8 slices of 6 x 5, spacing 2.5 x 0.8 x 0.6 mm)"


def test_peak_memory_is_at_most_twice_the_volume(tmp_path: Path) -> None:
    rows = columns = 128
    noise = np.random.default_rng(0).integers(0, 2000, (rows, columns)).astype(np.int16)
    datasets = [ct_slice(k, p, pixels=noise) for k, p in enumerate(axial_positions(24))]
    paths = write(tmp_path, datasets)
    del datasets
    tracemalloc.start()
    volume = load_series(paths)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak <= 2 * volume.values.nbytes, f"peak {peak} for a {volume.values.nbytes}-byte volume"


# --- a multi-frame source ---------------------------------------------------------------


def enhanced_ct(path: Path, order: list[int], step: float = 1.5, size: tuple[int, int] = (ROWS, COLUMNS)) -> Path:
    """An Enhanced CT file whose frames are slices in the order `order` (frame i is slice
    order[i]), with shared orientation and pixel measures and per-frame positions and
    rescale (PS3.3 C.7.6.16)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = EnhancedCTImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.Modality, ds.SeriesInstanceUID, ds.SeriesDescription = "CT", "1.2.3.5", "enhanced"
    frames = np.stack([stored(k, *size) for k in order])
    ds.set_pixel_data(frames, "MONOCHROME2", 16)
    shared = Dataset()
    orientation, measures = Dataset(), Dataset()
    orientation.ImageOrientationPatient = list(AXIAL)
    measures.PixelSpacing, measures.SliceThickness = list(PIXEL_SPACING), 1
    shared.PlaneOrientationSequence, shared.PixelMeasuresSequence = [orientation], [measures]
    ds.SharedFunctionalGroupsSequence = [shared]
    per_frame = []
    for k in order:
        group, position, rescale = Dataset(), Dataset(), Dataset()
        position.ImagePositionPatient = [0.0, 0.0, step * k]
        rescale.RescaleSlope, rescale.RescaleIntercept, rescale.RescaleType = 1, -1000 - k, "HU"
        group.PlanePositionSequence, group.PixelValueTransformationSequence = [position], [rescale]
        per_frame.append(group)
    ds.PerFrameFunctionalGroupsSequence = per_frame
    ds.save_as(path, enforce_file_format=True)
    return path


def test_multiframe_frames_are_ordered_by_plane_position(tmp_path: Path) -> None:
    volume = load_series(enhanced_ct(tmp_path / "enhanced.dcm", [3, 0, 4, 1, 2]))
    for k in range(5):
        np.testing.assert_array_equal(volume.values[k], stored(k) - 1000.0 - k)
    np.testing.assert_allclose(volume.positions[:, 2], 1.5 * np.arange(5))
    assert volume.spacing == pytest.approx((1.5, *PIXEL_SPACING))
    np.testing.assert_allclose(voxel_points(volume),
                               expected_points([(0, 0, 1.5 * k) for k in range(5)], AXIAL), atol=1e-6)
    assert volume.description == "enhanced"


def test_multiframe_peak_memory_is_at_most_twice_the_volume(tmp_path: Path) -> None:
    path = enhanced_ct(tmp_path / "enhanced.dcm", list(range(24))[::-1], size=(128, 128))
    tracemalloc.start()
    volume = load_series(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_array_equal(volume.values[23], stored(23, 128, 128) - 1000.0 - 23)
    assert peak <= 2 * volume.values.nbytes, f"peak {peak} for a {volume.values.nbytes}-byte volume"


def test_multiframe_without_plane_positions_is_refused() -> None:
    with pytest.raises(ValueError, match="no plane position per frame.*frame=0"):
        load_series(DATA / "head_mr_multiframe.dcm")


# --- bad input ---------------------------------------------------------------------------


def test_several_series_need_a_series_uid(tmp_path: Path) -> None:
    write(tmp_path, [ct_slice(k, p) for k, p in enumerate(axial_positions(3))], ["a", "b", "c"])
    write(tmp_path, [ct_slice(k, p, series_uid="1.2.9", number=7, description="thick")
                     for k, p in enumerate(axial_positions(2, step=5))], ["d", "e"])
    with pytest.raises(ValueError) as error:
        load_series(tmp_path)
    message = str(error.value)
    assert "2 series" in message and "series_uid=" in message
    assert "series 2 'thin': 3 files, CT, UID 1.2.3.4" in message
    assert "series 7 'thick': 2 files, CT, UID 1.2.9" in message
    assert load_series(tmp_path, series_uid="1.2.9").values.shape[0] == 2
    with pytest.raises(ValueError, match="no series with UID 7.7"):
        load_series(tmp_path, series_uid="7.7")


def test_missing_slice_says_between_which_positions(tmp_path: Path) -> None:
    positions = axial_positions(8)
    kept = [ct_slice(k, p) for k, p in enumerate(positions) if k != 4]
    with pytest.raises(ValueError, match=r"missing between positions \(-2, -3, 17.5\) and "
                                         r"\(-2, -3, 22.5\).*about 1 slice missing"):
        load_series(write(tmp_path, kept))


def test_duplicate_positions_are_refused(tmp_path: Path) -> None:
    positions = axial_positions(3) + axial_positions(3)[1:2]
    with pytest.raises(ValueError, match="two slices lie in one place"):
        load_series(write(tmp_path, [ct_slice(k % 3, p) for k, p in enumerate(positions)]))


def test_slices_of_different_size_are_refused(tmp_path: Path) -> None:
    datasets = [ct_slice(k, p) for k, p in enumerate(axial_positions(3))]
    datasets.append(ct_slice(3, axial_positions(4)[3], pixels=stored(3, 8, 8)))
    with pytest.raises(ValueError, match="different size .*6 x 5 and 8 x 8"):
        load_series(write(tmp_path, datasets))


def test_slices_of_different_orientation_are_refused(tmp_path: Path) -> None:
    datasets = [ct_slice(k, p) for k, p in enumerate(axial_positions(3))]
    datasets.append(ct_slice(3, (0, 0, 0), orientation=(0, 1, 0, 0, 0, -1)))  # a sagittal localizer
    with pytest.raises(ValueError, match="different orientation"):
        load_series(write(tmp_path, datasets))


def test_a_slice_without_position_is_named(tmp_path: Path) -> None:
    datasets = [ct_slice(k, p) for k, p in enumerate(axial_positions(3))]
    del datasets[1].ImagePositionPatient
    with pytest.raises(ValueError, match="slice001.dcm has no ImagePositionPatient.*Leave it out"):
        load_series(write(tmp_path, datasets))


def test_one_slice_is_not_a_volume(tmp_path: Path) -> None:
    path = write(tmp_path, [ct_slice(0, (0, 0, 0))])[0]
    with pytest.raises(ValueError, match="1 slice; a volume needs at least two"):
        load_series(path)
    with pytest.raises(ValueError, match="at least two"):
        load_series(tmp_path)


def test_folder_without_dicom_images(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello")
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8\xff")
    with pytest.raises(ValueError, match=r"holds no DICOM images \(2 other files skipped\)"):
        load_series(tmp_path)
    assert find_series(tmp_path) == [] and find_series(tmp_path).skipped == 2


def test_source_may_be_a_found_series(tmp_path: Path) -> None:
    write(tmp_path, [ct_slice(k, p) for k, p in enumerate(axial_positions(3))], ["a", "b", "c"])
    write(tmp_path, [ct_slice(k, p, series_uid="1.2.9", number=7, description="thick")
                     for k, p in enumerate(axial_positions(2, step=5))], ["d", "e"])
    thick = find_series(tmp_path)[1]
    volume = load_series(thick)
    assert volume.series_uid == "1.2.9" and volume.spacing[0] == pytest.approx(5.0)


# --- the bundled head CT series, its trap folders and its multi-frame copy ------------------
# Facts from data/make_series.py and the data card: the main series has 40 slices of
# 256 x 256, 5 mm thick every 4 mm, 240 mm field of view; the trap folders and the
# multi-frame file have 128 x 128 slices every 4 mm from z = 0.

SERIES = DATA / "head_ct_series"
TRAPS = DATA / "series_traps"
ENHANCED = DATA / "head_ct_enhanced.dcm"


def check_against_files(volume: Volume, paths: list[Path]) -> None:
    """Each file's pixels (in HU) sit in the volume at its own position, and the affine maps
    the file's first, last-row and last-column voxels where its IPP/IOP/PixelSpacing say."""
    assert len(paths) == volume.values.shape[0]
    for path in paths:
        ds = pydicom.dcmread(path)
        position = np.array([float(v) for v in ds.ImagePositionPatient])
        k = int(np.argmin(np.abs(volume.positions - position).sum(axis=1)))
        np.testing.assert_allclose(volume.positions[k], position)
        hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        np.testing.assert_array_equal(volume.values[k], hu.astype(np.float32))
        orientation = np.array([float(v) for v in ds.ImageOrientationPatient])
        row_spacing, column_spacing = (float(v) for v in ds.PixelSpacing)
        for r, c in [(0, 0), (ds.Rows - 1, 0), (0, ds.Columns - 1)]:
            expected = position + r * row_spacing * orientation[3:] + c * column_spacing * orientation[:3]
            np.testing.assert_allclose((volume.affine @ [k, r, c, 1])[:3], expected, atol=1e-3)


def test_bundled_series_is_found_and_loaded() -> None:
    found = find_series(SERIES)
    assert len(found) == 1 and found.skipped == 0
    assert found[0].modality == "CT" and len(found[0].paths) == 40
    volume = load_series(SERIES)
    assert volume.values.shape == (40, 256, 256) and volume.values.dtype == np.float32
    assert volume.spacing == pytest.approx((4.0, 0.9375, 0.9375))  # 4 mm apart, 5 mm thick
    np.testing.assert_allclose(np.diff(volume.positions[:, 2]), 4.0)  # feet to head
    assert volume.series_uid == found[0].uid
    assert {w.name.lower() for w in volume.windows} >= {"brain", "bone"}
    assert -1100 < volume.values.min() and volume.values.max() < 3100  # HU, not stored values
    check_against_files(volume, list(found[0].paths))


def test_trap_shuffled_names_are_ordered_by_position() -> None:
    paths = sorted((TRAPS / "shuffled_names").iterdir())
    instance = [int(pydicom.dcmread(p, stop_before_pixels=True).InstanceNumber) for p in paths]
    volume = load_series(TRAPS / "shuffled_names")
    assert volume.spacing[0] == pytest.approx(4.0)
    np.testing.assert_allclose(volume.positions[:, 2], 4.0 * np.arange(10))
    assert instance != sorted(instance)  # the names' order is not the positions' order
    check_against_files(volume, paths)


def test_trap_missing_slice_says_where() -> None:
    with pytest.raises(ValueError, match=r"missing between positions \(.*, 16\) and \(.*, 24\)"):
        load_series(TRAPS / "missing_slice")


def test_trap_two_series_lists_both_and_loads_each() -> None:
    with pytest.raises(ValueError) as error:
        load_series(TRAPS / "two_series")
    found = find_series(TRAPS / "two_series")
    assert [len(s.paths) for s in found] == [12, 4]
    for series in found:  # number, description, slice count and UID of each
        assert f"series {series.number} {series.description!r}: {len(series.paths)} files" in str(error.value)
        assert series.uid in str(error.value)
    thin = load_series(TRAPS / "two_series", series_uid=found[0].uid)
    thick = load_series(found[1])
    assert (thin.spacing[0], thick.spacing[0]) == pytest.approx((2.0, 6.0))
    check_against_files(thin, list(found[0].paths))
    check_against_files(thick, list(found[1].paths))


def test_trap_gantry_tilt_gives_a_sheared_affine() -> None:
    volume = load_series(TRAPS / "gantry_tilt")
    step = volume.affine[:3, 0]
    np.testing.assert_allclose(step, [0, 0, 4.0], atol=1e-4)  # positions step along the table
    normal = np.cross(volume.affine[:3, 2], volume.affine[:3, 1])
    normal /= np.linalg.norm(normal)
    assert abs(step @ normal) == pytest.approx(volume.spacing[0])
    assert volume.spacing[0] == pytest.approx(4.0 * math.cos(math.radians(15)), abs=1e-3)
    check_against_files(volume, sorted((TRAPS / "gantry_tilt").iterdir()))


def test_multiframe_copy_matches_the_single_frame_slices() -> None:
    volume = load_series(ENHANCED)
    single = load_series(TRAPS / "shuffled_names")
    np.testing.assert_array_equal(volume.values, single.values)
    np.testing.assert_allclose(volume.positions, single.positions)
    np.testing.assert_allclose(volume.affine, single.affine, atol=1e-9)
    assert volume.spacing == pytest.approx(single.spacing)
