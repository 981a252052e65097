#!/usr/bin/python3
"""Writes the DICOM reader's test fixtures with pydicom (Debian python3-pydicom 2.3) and the
values the Java reader must find in them (expected.json). Run with Debian's /usr/bin/python3 from
this folder; the files are committed, so the tests need no Python."""
import json

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,
                         ExplicitVRLittleEndian, ImplicitVRLittleEndian)

DX = "1.2.840.10008.5.1.4.1.1.1.1"
PIXELS = (np.arange(4 * 3, dtype=np.uint16).reshape(4, 3) * 257 + 1000)


def code(value, scheme, meaning):
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def dataset(syntax, charset, name):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX
    meta.MediaStorageSOPInstanceUID = "2.25.1001"
    meta.TransferSyntaxUID = syntax
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID = DX
    ds.SOPInstanceUID = "2.25.1001"
    ds.StudyInstanceUID = "2.25.1002"
    ds.SeriesInstanceUID = "2.25.1003"
    ds.AccessionNumber = "ACC0001"
    ds.Modality = "DX"
    ds.PatientName = name
    ds.PatientID = "PHANTOM-0001"
    ds.BodyPartExamined = "LSPINE"
    ds.ViewPosition = "LL"
    ds.SeriesDescription = "L-SPINE LAT FLEXION"
    ds.PixelSpacing = ["0.139", "0.139"]
    ds.WindowCenter = "2048"
    ds.WindowWidth = "4096"
    view = code("399067008", "SCT", "lateral")
    view.ViewModifierCodeSequence = Sequence([code("9964006", "SCT", "Flexion")])
    ds.ViewCodeSequence = Sequence([view])
    ds.add_new(0x00090010, "LO", "LUMBARCDS TEST")
    ds.add_new(0x00091001, "OB", bytes([1, 2, 3, 4, 5, 6]))
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = PIXELS.shape
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelData = PIXELS.tobytes()
    ds.is_little_endian = syntax != ExplicitVRBigEndian
    ds.is_implicit_VR = syntax == ImplicitVRLittleEndian
    if syntax == ExplicitVRBigEndian:
        ds.PixelData = PIXELS.astype(">u2").tobytes()
    return ds


# pydicom 2.3 writes sequences with defined lengths; undefined lengths and encapsulated pixel
# data are built byte by byte in HostileInputTest.
CASES = {
    "explicit-le.dcm": (ExplicitVRLittleEndian, "ISO_IR 192", "Müller^Jürgen"),
    "implicit-le.dcm": (ImplicitVRLittleEndian, "ISO_IR 192", "Müller^Jürgen"),
    "explicit-be.dcm": (ExplicitVRBigEndian, "ISO_IR 100", "Müller^Jürgen"),
    "deflated.dcm": (DeflatedExplicitVRLittleEndian, "ISO_IR 192", "Müller^Jürgen"),
    "latin1.dcm": (ExplicitVRLittleEndian, "ISO_IR 100", "Ångström^Øyvind"),
}

expected = {}
for file, (syntax, charset, name) in CASES.items():
    ds = dataset(syntax, charset, name)
    ds.save_as(file, write_like_original=False)
    back = pydicom.dcmread(file)
    view = back.ViewCodeSequence[0]
    expected[file] = {
        "transferSyntax": str(back.file_meta.TransferSyntaxUID),
        "patientName": str(back.PatientName),
        "patientId": back.PatientID,
        "accession": back.AccessionNumber,
        "studyUid": back.StudyInstanceUID,
        "rows": back.Rows,
        "columns": back.Columns,
        "bitsStored": back.BitsStored,
        "pixelSpacing": [float(v) for v in back.PixelSpacing],
        "windowCenter": float(back.WindowCenter),
        "viewCode": view.CodeValue,
        "viewModifierMeaning": view.ViewModifierCodeSequence[0].CodeMeaning,
        "privateBytes": list(back[0x00091001].value),
        "pixels": [int(v) for v in back.pixel_array.ravel()],
    }
with open("expected.json", "w") as out:
    json.dump(expected, out, indent=1, ensure_ascii=False)
    out.write("\n")
print(sorted(expected))
