#!/usr/bin/python3
"""Writes the DICOM JSON test fixtures with pydicom (Debian python3-pydicom 2.3): Part 10 files
holding (nearly) every VR, and pydicom's own DICOM JSON (PS3.18 F.2) of them, which
DicomJsonWriterTest compares DicomJsonWriter's output with. Run with Debian's /usr/bin/python3 from
this folder; the files are committed, so the tests need no Python.

  json/all-vrs.dcm      explicit VR little endian, every VR, native 16-bit pixel data
  json/all-vrs.json     pydicom's to_json() of it, binary inline
  json/all-vrs-be.dcm   the same values in explicit VR big endian (its JSON is all-vrs.json:
                        DICOM JSON binary is little endian whatever the file's byte order)
  json/encapsulated.dcm RLE Lossless, encapsulated pixel data with a basic offset table
  json/encapsulated.json
"""
import json
import os

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, RLELossless

assert pydicom.__version__.startswith("2.3"), pydicom.__version__

DX = "1.2.840.10008.5.1.4.1.1.1.1"
PIXELS = np.arange(4 * 3, dtype=np.uint16).reshape(4, 3) * 257 + 1000
OUT = "json"

# Binary VRs whose values pydicom writes as given: the big endian file needs them swapped.
OF_VALUE = np.array([0.5, -1.25, 3.0e38], dtype=np.float32)
OD_VALUE = np.array([np.pi, -1e-300], dtype=np.float64)
OL_VALUE = np.array([0, 1, 0xFFFFFFFF], dtype=np.uint32)
OV_VALUE = np.array([0, 2**64 - 1], dtype=np.uint64)
OW_VALUE = np.array([0x0102, 0xFFFE], dtype=np.uint16)


def code(value, scheme, meaning):
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def binary(array, big_endian):
    return array.astype(array.dtype.newbyteorder(">" if big_endian else "<")).tobytes()


def all_vrs(syntax):
    big = syntax == ExplicitVRBigEndian
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX
    meta.MediaStorageSOPInstanceUID = "2.25.2001"
    meta.TransferSyntaxUID = syntax
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "", "LSPINE"]  # CS, with an empty value
    ds.InstanceCreationDate = "20240131"  # DA
    ds.InstanceCreationTime = "101530.123"  # TM
    ds.SOPClassUID = DX  # UI
    ds.SOPInstanceUID = "2.25.2001"
    ds.AcquisitionDateTime = "20240131101530.123456+0100"  # DT
    ds.AccessionNumber = ""  # SH, empty
    ds.RetrieveAETitle = ["STORESCP", "ARCHIVE"]  # AE, multi-valued
    ds.Modality = "DX"
    ds.InstitutionName = "Klinikum Süd"  # LO, non-ASCII
    ds.InstitutionAddress = "Hauptstraße 1, 80331 München"  # ST
    ds.ReferringPhysicianName = "Yamada^Tarou=山田^太郎=やまだ^たろう"  # PN, three groups
    ds.CodingSchemeURL = "http://example.com/wado?study=1&x=%20"  # UR
    ds.StudyDescription = "L-SPINE"
    ds.NameOfPhysiciansReadingStudy = ["Smith^John", "Doe^Jane=ドウ^ジェーン"]  # PN, 2 values
    ds.ReferencedStudySequence = Sequence([])  # SQ, empty
    ds.ReferencedImageSequence = Sequence(
        [code("1", "DCM", "first"), code("2", "DCM", "second")])  # SQ, two items
    ds.PatientName = "Müller^Jürgen=ミュラー^ユルゲン=みゅらー^ゆるげん"
    ds.PatientID = "PHANTOM-0002"  # LO
    ds.PatientBirthDate = "19700101"
    ds.PatientAge = "054Y"  # AS
    ds.PatientSize = "1.82"  # DS
    ds.PatientWeight = "72.5"
    ds.AdditionalPatientHistory = "Low back pain.\r\nNo trauma\\fall."  # LT, keeps backslash
    ds.SliceThickness = "1.5e3"  # DS with exponent
    ds.ImagerPixelSpacing = ["0.139", "0.139"]  # DS, multi-valued
    ds.FieldOfViewDimensions = ["+12", "-7"]  # IS, multi-valued
    ds.StudyInstanceUID = "2.25.2002"
    ds.SeriesInstanceUID = "2.25.2003"
    ds.StudyID = "S1"  # SH
    ds.InstanceNumber = "7"  # IS
    ds.FrameIncrementPointer = [0x00181063, 0x00181065]  # AT, multi-valued
    view = code("399067008", "SCT", "lateral")
    modifier = code("9964006", "SCT", "Flexión")  # non-ASCII two sequences deep
    modifier.SelectorUSValue = [3]
    view.ViewModifierCodeSequence = Sequence([modifier])
    ds.ViewCodeSequence = Sequence([view])  # SQ nested 2 deep
    ds.SelectorATValue = [0x00100010]
    ds.SelectorUCValue = ["unlimited characters", "ÜC"]  # UC, multi-valued
    ds.SelectorUTValue = "Unlimited text: ÄÖÜ äöü ß € 漢字"  # UT
    ds.SelectorODValue = binary(OD_VALUE, big)  # OD
    ds.SelectorFDValue = [3.141592653589793, 1e-300, -0.0]  # FD
    ds.SelectorFLValue = [0.1, -2.5, 3.4028234663852886e38]  # FL
    ds.SelectorULValue = [1, 4294967295]  # UL
    ds.SelectorUSValue = [0, 65535]  # US
    ds.SelectorSLValue = [-2147483648, 2147483647]  # SL
    ds.SelectorSSValue = [-32768, 32767]  # SS
    ds.SelectorOVValue = binary(OV_VALUE, big)  # OV
    ds.SelectorSVValue = [-9223372036854775808, 42]  # SV
    ds.SelectorUVValue = [0, 18446744073709551615]  # UV
    ds.VectorGridData = binary(OF_VALUE, big)  # OF
    ds.LongPrimitivePointIndexList = binary(OL_VALUE, big)  # OL
    ds.add_new(0x00090010, "LO", "LUMBARCDS TEST")  # private creator
    ds.add_new(0x00091001, "OB", bytes([1, 2, 3, 4, 5, 6]))  # private OB
    ds.add_new(0x00091002, "UN", bytes([0x10, 0x20, 0x30, 0x40]))  # private UN
    ds.add_new(0x00091003, "OB", b"")  # empty binary
    image_pixel_module(ds)
    ds.RedPaletteColorLookupTableData = binary(OW_VALUE, big)  # OW besides Pixel Data
    ds.PixelData = binary(PIXELS, big)  # OW
    ds.is_little_endian = not big
    ds.is_implicit_VR = False
    return ds


def image_pixel_module(ds):
    """The Image Pixel attributes of PIXELS: one 16-bit sample, 12 bits stored."""
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = PIXELS.shape
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0


def encapsulated():
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX
    meta.MediaStorageSOPInstanceUID = "2.25.2004"
    meta.TransferSyntaxUID = RLELossless
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = DX
    ds.SOPInstanceUID = "2.25.2004"
    image_pixel_module(ds)
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.compress(RLELossless, PIXELS)
    # Two fragments for one frame, so the stream has an offset table and several items.
    frame = ds.PixelData
    fragments = pydicom.encaps.generate_pixel_data_frame(frame)
    data = next(fragments)
    ds.PixelData = encapsulate([data], fragments_per_frame=2, has_bot=True)
    ds["PixelData"].is_undefined_length = True
    ds["PixelData"].VR = "OB"
    return ds


def save(ds, name):
    path = os.path.join(OUT, name)
    ds.save_as(path, write_like_original=False)
    return pydicom.dcmread(path)


def dump(ds, name):
    # Sorted keys and no bulk data handler: every binary value inline, as PS3.18 F.2 orders it.
    text = ds.to_json(dump_handler=lambda d: json.dumps(d, indent=2, sort_keys=True,
                                                        ensure_ascii=False))
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write(text + "\n")


os.makedirs(OUT, exist_ok=True)
le = save(all_vrs(ExplicitVRLittleEndian), "all-vrs.dcm")
dump(le, "all-vrs.json")
save(all_vrs(ExplicitVRBigEndian), "all-vrs-be.dcm")
dump(save(encapsulated(), "encapsulated.dcm"), "encapsulated.json")
