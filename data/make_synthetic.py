"""Make the course's synthetic and derived DICOM files, byte for byte the same on every run.

    python data/make_synthetic.py            # (re)write the files into data/
    python data/make_synthetic.py --out DIR  # write them somewhere else (the tests do this)

It writes four files:

* ``dental_dx_phantom.dcm``: a made-up dental panoramic X-ray shaped like the image of
  the blog tutorial this course grew from (Digital X-Ray Image Storage - For Presentation,
  1435 rows x 2948 columns, PixelSpacing 0.08\\0.08, a window, no SliceLocation). The
  picture is drawn from ellipses and arcs; the patient is fictional.
* ``ct_small_no_preamble.dcm``: ``ct_small.dcm`` saved without the 128-byte preamble,
  the ``DICM`` prefix and the file meta information, the way some old systems write files.
* ``nm_jpeg_extended_12bit.dcm``: a de-identified copy of pydicom 3.0.2's test file
  ``JPGExtended.dcm`` (a whole-body bone scan, NEMA WG04 ``NM1_JPLY``, compressed with
  12-bit JPEG Extended). Its private GE elements held a person's name in a text (LO)
  element, so every private element is removed, with the institution, station and device
  serial number; the pixel data is copied byte for byte.
* ``mr_small_j2k_lossy.dcm``: ``mr_small.dcm`` compressed with lossy JPEG 2000 (about
  10:1, pylibjpeg-openjpeg 2.6.0) and marked as PS3.3 C.7.6.1.1.5 asks: Lossy Image
  Compression ``01``, its ratio and method, Image Type ``DERIVED``, a new SOP Instance UID.

Everything that could vary between runs is fixed: UIDs come from
``generate_uid(entropy_srcs=...)``, dates are constants, and the noise comes from a seeded
generator. ``tests/test_data.py`` re-runs this script and compares the bytes.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.encaps import generate_frames
from pydicom.uid import JPEG2000, ExplicitVRLittleEndian, generate_uid

DATA = Path(__file__).resolve().parent
ROWS, COLUMNS = 1435, 2948
SPACING_MM = 0.08
DX_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.1"
# pydicom 3.0.2's JPGExtended.dcm: the fixed copy of its JPEG-lossy.dcm (whose scan header
# has a wrong spectral-selection byte that pylibjpeg-libjpeg rejects).
NM_SOURCE = Path(pydicom.__file__).parent / "data" / "test_files" / "JPGExtended.dcm"
NM_SOURCE_SHA256 = "13d217617fcadc22c069ec7b18e94731d346c5d83703bc152f692877cab5085f"


def _uid(name: str) -> str:
    """A UID derived from a fixed name, so every run gives the same one."""
    return generate_uid(entropy_srcs=["dicom-course", "dental_dx_phantom", name])


def _ellipse(yy: np.ndarray, xx: np.ndarray, cy: float, cx: float,
             ry: float, rx: float) -> np.ndarray:
    """Smooth 0..1 mask of an ellipse (1 inside, fading out over a few pixels)."""
    r = np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2)
    return np.clip((1.0 - r) * min(ry, rx) / 6.0, 0.0, 1.0)


def dental_pixels() -> np.ndarray:
    """Draw the panoramic phantom as 12-bit unsigned values (brighter = denser)."""
    yy, xx = np.mgrid[0:ROWS, 0:COLUMNS].astype(np.float64)
    u = (xx - COLUMNS / 2) / (COLUMNS / 2)          # -1 at the left edge, +1 at the right
    image = np.full((ROWS, COLUMNS), 250.0)         # air

    # Soft tissue of the face: a broad band across the middle.
    image += 550.0 * _ellipse(yy, xx, 720, COLUMNS / 2, 650, 1600)

    # Jaw bones: the lower jaw curves down in the middle, the upper jaw sits above it.
    lower_line = 930 + 200 * (1 - u**2)
    upper_line = 520 + 60 * (1 - u**2)
    mandible = np.clip(1 - np.abs(yy - lower_line) / 150, 0, 1) * (np.abs(u) < 0.88)
    maxilla = np.clip(1 - np.abs(yy - upper_line) / 110, 0, 1) * (np.abs(u) < 0.80)
    image += 900.0 * mandible + 700.0 * maxilla

    # The two vertical branches of the lower jaw and the cervical spine shadow.
    for side in (-1, 1):
        image += 800.0 * _ellipse(yy, xx, 600, COLUMNS / 2 + side * 1250, 520, 120)
    image += 300.0 * _ellipse(yy, xx, 900, COLUMNS / 2, 600, 90)

    # Sixteen teeth in each jaw: a root, then a bright enamel crown towards the bite.
    bite = 720 + 80 * (1 - u**2)
    for k in range(16):
        cx = COLUMNS / 2 + (k - 7.5) * 118
        t = (cx - COLUMNS / 2) / (COLUMNS / 2)
        molar = abs(k - 7.5) > 4
        width = 52 if molar else 38
        b = 720 + 80 * (1 - t**2)
        for direction in (-1, 1):                   # -1 upper jaw, +1 lower jaw
            root_cy = b + direction * 190
            image += 900.0 * _ellipse(yy, xx, root_cy, cx, 150, width * 0.75)
            image += 1300.0 * _ellipse(yy, xx, b + direction * 55, cx, 60, width)
    # Two metal fillings: the brightest thing on the image.
    for cx, direction in ((COLUMNS / 2 - 5.5 * 118, 1), (COLUMNS / 2 + 6.5 * 118, -1)):
        t = (cx - COLUMNS / 2) / (COLUMNS / 2)
        image += 1200.0 * _ellipse(yy, xx, 720 + 80 * (1 - t**2) + direction * 40, cx, 22, 34)
    image *= 1.0 - 0.35 * np.clip(np.abs(yy - bite) / 900, 0, 1)   # dimmer at the edges

    noise = np.random.default_rng(20040826).integers(-40, 41, size=image.shape)
    return np.clip(np.rint(image) + noise, 0, 4095).astype(np.uint16)


def dental_dataset() -> FileDataset:
    """The DX phantom with the attributes the starter script prints."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX_FOR_PRESENTATION
    meta.MediaStorageSOPInstanceUID = _uid("sop")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian

    ds = FileDataset("dental_dx_phantom.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = DX_FOR_PRESENTATION
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240315"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = "PHANTOM0001"
    ds.Modality = "DX"
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.Manufacturer = "dicom-course synthetic phantom"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "PANORAMIC DENTAL (SYNTHETIC)"
    ds.SeriesDescription = "Synthetic dental phantom"
    ds.PatientName = "PHANTOM^DENTAL"
    ds.PatientID = "DENTAL-PHANTOM-01"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.BodyPartExamined = "JAW"
    ds.PatientIdentityRemoved = "YES"
    ds.StudyInstanceUID = _uid("study")
    ds.SeriesInstanceUID = _uid("series")
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.PatientOrientation = ["R", "F"]
    ds.BurnedInAnnotation = "NO"
    ds.PixelSpacing = [SPACING_MM, SPACING_MM]
    ds.ImagerPixelSpacing = [SPACING_MM, SPACING_MM]
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    ds.RescaleType = "US"
    ds.WindowCenter = 2000
    ds.WindowWidth = 3600
    ds.WindowCenterWidthExplanation = "PANORAMIC"
    ds.VOILUTFunction = "LINEAR"
    ds.PresentationLUTShape = "IDENTITY"
    ds.set_pixel_data(dental_pixels(), "MONOCHROME2", bits_stored=12,
                      generate_instance_uid=False)
    return ds


def ct_without_preamble(source: Path) -> pydicom.Dataset:
    """``ct_small.dcm`` with its preamble, ``DICM`` prefix and file meta removed."""
    ds = pydicom.dcmread(source)
    ds.preamble = None
    ds.file_meta = FileMetaDataset()
    return ds


def nm_deidentified(source: Path = NM_SOURCE) -> pydicom.Dataset:
    """The 12-bit JPEG Extended bone scan without private elements or site identifiers."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != NM_SOURCE_SHA256:
        raise SystemExit(f"{source} is not pydicom 3.0.2's JPGExtended.dcm (sha256 {digest})")
    ds = pydicom.dcmread(source)
    ds.remove_private_tags()
    for keyword in ("InstitutionName", "StationName", "DeviceSerialNumber"):
        delattr(ds, keyword)
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "dicom-course: private elements and site identifiers removed"
    return ds


def mr_lossy(source: Path) -> pydicom.Dataset:
    """``mr_small.dcm`` through lossy JPEG 2000 at a nominal 10:1, marked as lossy."""
    ds = pydicom.dcmread(source)
    ds.compress(JPEG2000, j2k_cr=[10], generate_instance_uid=False)
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    ratio = ds.Rows * ds.Columns * (ds.BitsAllocated // 8) / len(frame)   # measured
    # PS3.3 C.7.6.1.1.5: a lossy copy of a DICOM image is DERIVED, with a new SOP Instance
    # UID, Lossy Image Compression "01", the ratio and the method (ISO_15444_1 = JPEG 2000).
    uid = generate_uid(entropy_srcs=["dicom-course", "mr_small_j2k_lossy", "sop"])
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.ImageType = ["DERIVED", "SECONDARY", "OTHER"]
    ds.LossyImageCompression = "01"
    ds.LossyImageCompressionRatio = f"{ratio:.1f}"
    ds.LossyImageCompressionMethod = "ISO_15444_1"
    ds.DerivationDescription = (
        f"Lossy JPEG 2000 (ISO_15444_1), compression ratio {ratio:.1f}:1, from mr_small.dcm")
    return ds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="folder to write into")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    dental_dataset().save_as(out / "dental_dx_phantom.dcm", enforce_file_format=True)
    ct_without_preamble(DATA / "ct_small.dcm").save_as(
        out / "ct_small_no_preamble.dcm", implicit_vr=True, little_endian=True)
    nm_deidentified().save_as(out / "nm_jpeg_extended_12bit.dcm", enforce_file_format=True)
    mr_lossy(DATA / "mr_small.dcm").save_as(out / "mr_small_j2k_lossy.dcm",
                                            enforce_file_format=True)
    print(f"wrote dental_dx_phantom.dcm, ct_small_no_preamble.dcm, "
          f"nm_jpeg_extended_12bit.dcm and mr_small_j2k_lossy.dcm to {out}")


if __name__ == "__main__":
    main()
