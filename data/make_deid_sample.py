"""Make the de-identification sample: one CT series of a fictional patient (deterministic).

Lesson 09 de-identifies these files, so identifiers are planted everywhere they hide in
real files: names (patient, other names, physicians, operator), IDs (patient, other IDs,
accession, study, requested procedure), birth date, address, telephone, institution,
station and device serial number, dates and times, the study and series descriptions and
the image comments (which repeat the name), a nested Request Attributes Sequence, and a
private block of a fictional vendor holding the name, ID and birth date again. Slice 3
also has the name and a date burned into its pixels (Pillow's built-in bitmap font, so
the pixels are the same on every machine) and says so: BurnedInAnnotation YES; the others
say NO. Every slice after the first references the first in ReferencedImageSequence, so
the lesson can check that references still resolve after the UIDs are replaced.

Everything is fixed (UIDs from fixed names, dates, pixels): every run writes the same
bytes (tests/test_data.py checks it). Nobody here is a real person or place.

    python data/make_deid_sample.py            # rewrites data/deid_patient/
    python data/make_deid_sample.py --out DIR  # writes DIR/deid_patient/ instead
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import PYDICOM_ROOT_UID, ExplicitVRLittleEndian, generate_uid

DATA = Path(__file__).resolve().parent
FOLDER = "deid_patient"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
SIZE = 160                     # rows = columns
SPACING = 1.5                  # mm per pixel: a 240 mm field of view
SLICES = 5
STEP = 5.0                     # mm between slices (and their thickness)
BURNED_SLICE = 3               # InstanceNumber of the slice with burned-in text
INTERCEPT = -1024              # stored value = HU + 1024

# The planted identifiers (lesson 09 and tests/test_deid.py search for each of them).
NAME = "FICTIONAL^PATIENT"
IDENTIFIERS = {
    "PatientName": NAME,
    "OtherPatientNames": "FICTIONAL^ALIAS",
    "PatientID": "FAKE-ID-0001",
    "PatientBirthDate": "19700101",
    "PatientAddress": "1 Nowhere Street, Fictionville",
    "PatientTelephoneNumbers": "555-0100",
    "AccessionNumber": "FAKEACC0001",
    "StudyID": "FAKESTUDY1",
    "InstitutionName": "FICTIONAL GENERAL HOSPITAL",
    "InstitutionAddress": "2 Imaginary Road, Fictionville",
    "InstitutionalDepartmentName": "FICTIONAL RADIOLOGY",
    "StationName": "FAKESTATION01",
    "DeviceSerialNumber": "FAKE-SN-12345",
    "ReferringPhysicianName": "FICTIONAL^REFERRER",
    "PerformingPhysicianName": "FICTIONAL^PERFORMER",
    "NameOfPhysiciansReadingStudy": "FICTIONAL^READER",
    "OperatorsName": "FICTIONAL^OPERATOR",
    "StudyDescription": "Head CT of FICTIONAL^PATIENT",
    "SeriesDescription": "Axial 5 mm FAKE-ID-0001",
    "ImageComments": "FICTIONAL^PATIENT, born 1970-01-01, phone 555-0100",
}
OTHER_ID = "FAKE-OTHER-ID-0002"
REQUEST = {"RequestedProcedureID": "FAKE-RP-0001",
           "ScheduledProcedureStepID": "FAKE-SPS-0001",
           "RequestedProcedureDescription": "Head CT, FICTIONAL^PATIENT, fell at home"}
STUDY_DATE, STUDY_TIME = "20240315", "101500"
PRIVATE_CREATOR = "FICTIONAL VENDOR 1.0"
# The text burned into slice 3's pixels: the name and the study date.
BURNED_TEXT = ("FICTIONAL^PATIENT", "2024-03-15")


def _uid(*names: object) -> str:
    """A fixed UID under pydicom's root, from the names (a prefix makes it deterministic)."""
    return generate_uid(prefix=PYDICOM_ROOT_UID,
                        entropy_srcs=["dicomview deid sample", *map(str, names)])


def phantom_hu(z: float) -> np.ndarray:
    """An axial slice of a simple head at height z (mm): scalp, skull, brain, ventricles."""
    c = (np.arange(SIZE) - (SIZE - 1) / 2) * SPACING
    x, y = np.meshgrid(c, c)
    shrink = 1.0 - (z / 120.0) ** 2
    r = np.hypot(x / (64 * shrink), y / (76 * shrink))
    hu = np.full((SIZE, SIZE), -1000.0)
    hu[r < 1.0] = 45.0                    # scalp
    hu[r < 0.95] = 1200.0                 # skull
    hu[r < 0.88] = 35.0                   # brain
    ventricles = np.hypot((np.abs(x) - 10) / 5, y / 18) < 1.0
    hu[ventricles & (r < 0.88)] = 5.0
    return hu


def burn_in(stored: np.ndarray) -> np.ndarray:
    """Write BURNED_TEXT into the top-left corner of the pixels, as a scanner would."""
    mask = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(mask)
    font = ImageFont.load_default_imagefont()     # bitmap: same pixels everywhere
    for line, text in enumerate(BURNED_TEXT):
        draw.text((4, 4 + 12 * line), text, fill=255, font=font)
    out = stored.copy()
    out[np.asarray(mask) > 0] = 3000 - INTERCEPT  # brighter than anything else
    return out


def _item(**elements: object) -> Dataset:
    item = Dataset()
    for keyword, value in elements.items():
        setattr(item, keyword, value)
    return item


def slice_dataset(instance: int) -> FileDataset:
    """Slice `instance` (1-based) of the series, with all the identifiers planted."""
    sop_instance = _uid("instance", instance)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.SourceApplicationEntityTitle = "FAKE_SCANNER"
    ds = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.SOPInstanceUID = sop_instance
    ds.InstanceCreationDate, ds.InstanceCreationTime = STUDY_DATE, STUDY_TIME
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = STUDY_DATE
    ds.StudyTime = ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = STUDY_TIME
    ds.Modality = "CT"
    ds.Manufacturer = "Fictional Scanners Inc."
    for keyword, value in IDENTIFIERS.items():
        setattr(ds, keyword, value)
    ds.OtherPatientIDsSequence = [_item(PatientID=OTHER_ID, TypeOfPatientID="TEXT")]
    ds.PatientSex = "O"
    ds.PatientAge = "054Y"
    ds.RequestAttributesSequence = [_item(**REQUEST, AccessionNumber="FAKEACC0001")]
    ds.SliceThickness = f"{STEP:g}"
    ds.KVP = "120"
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = _uid("study")
    ds.SeriesInstanceUID = _uid("series")
    ds.FrameOfReferenceUID = _uid("frame of reference")
    ds.SeriesNumber = 1
    ds.InstanceNumber = instance
    z = (instance - 1) * STEP
    corner = -(SIZE - 1) / 2 * SPACING
    ds.ImagePositionPatient = [f"{corner:g}", f"{corner:g}", f"{z:g}"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PositionReferenceIndicator = ""
    ds.SliceLocation = f"{z:g}"
    if instance > 1:
        ds.ReferencedImageSequence = [_item(ReferencedSOPClassUID=CT_IMAGE_STORAGE,
                                            ReferencedSOPInstanceUID=_uid("instance", 1))]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = SIZE
    ds.PixelSpacing = [f"{SPACING:g}", f"{SPACING:g}"]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.BurnedInAnnotation = "YES" if instance == BURNED_SLICE else "NO"
    ds.WindowCenter, ds.WindowWidth = 40, 80
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = INTERCEPT, 1, "HU"
    stored = (phantom_hu(z) - INTERCEPT).astype(np.int16)
    if instance == BURNED_SLICE:
        stored = burn_in(stored)
    ds.PixelData = stored.astype("<i2").tobytes()
    block = ds.private_block(0x0009, PRIVATE_CREATOR, create=True)
    block.add_new(0x10, "LO", NAME)
    block.add_new(0x11, "LO", IDENTIFIERS["PatientID"])
    block.add_new(0x12, "DA", IDENTIFIERS["PatientBirthDate"])
    return ds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="folder to write into")
    folder = parser.parse_args().out / FOLDER
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for instance in range(1, SLICES + 1):
        slice_dataset(instance).save_as(folder / f"slice_{instance:03d}.dcm",
                                        enforce_file_format=True)
    print(f"wrote {SLICES} slices of {SIZE} x {SIZE} to {FOLDER}/; burned-in text on "
          f"slice_{BURNED_SLICE:03d}.dcm; UIDs under {PYDICOM_ROOT_UID}")


if __name__ == "__main__":
    main()
