#!/usr/bin/python3
"""Writes the greyscale-pipeline fixtures: small radiograph-like images with rescale, modality LUT,
windows (LINEAR, LINEAR_EXACT, SIGMOID), VOI LUTs and both polarities, and what pydicom's
apply_modality_lut / apply_voi_lut make of them, scaled to [0, 1] the way the Java pipeline
outputs (0 black, 1 white, so MONOCHROME1 and INVERSE are inverted here).

Run with Debian's /usr/bin/python3 (pydicom 2.3, numpy) from this folder, with model/training on
PYTHONPATH (`PYTHONPATH=../../../../training /usr/bin/python3 make_grey_fixtures.py`); outputs in
grey/.
"""
import hashlib
import json
import os

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut
from pydicom.uid import ExplicitVRLittleEndian

# the window output range and polarity rules are the training pipeline's own (preprocess)
from lumbarcds_training.preprocess import inverted, windowed_range

OUT = "grey"
ROWS, COLS = 16, 16


def image(name, stored, signed, photometric="MONOCHROME2", **attributes):
    lo, hi = (-(2 ** (stored - 1)), 2 ** (stored - 1) - 1) if signed else (0, 2 ** stored - 1)
    pixels = np.linspace(lo, hi, ROWS * COLS).round().astype("i4" if signed else "u4")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    # str hashes are salted per process: a digest keeps the UID the same on every run
    meta.MediaStorageSOPInstanceUID = "2.25.77" + str(
        int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % 10 ** 12)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "DX"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.Rows, ds.Columns = ROWS, COLS
    ds.BitsAllocated = 16
    ds.BitsStored = stored
    ds.HighBit = stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    for key, value in attributes.items():
        setattr(ds, key, value)
    ds.PixelData = pixels.astype("<i2" if signed else "<u2").tobytes()
    ds.save_as(os.path.join(OUT, name + ".dcm"), write_like_original=False)
    return name + ".dcm", ds


def lut_item(first, bits, values, explanation=None):
    item = Dataset()
    item.add_new(0x00283002, "US", [len(values), first, bits])  # LUT Descriptor
    item.add_new(0x00283006, "US", [int(v) for v in values])  # LUT Data
    if explanation:
        item.LUTExplanation = explanation
    return item


def render(ds, voi):
    values = apply_modality_lut(ds.pixel_array, ds).astype("f8")
    if voi["kind"] == "window":
        windowless = ds.copy()
        if "VOILUTSequence" in windowless:
            del windowless.VOILUTSequence
        out = apply_voi_lut(values, windowless, index=voi["index"], prefer_lut=False)
        lo, hi = windowed_range(ds)
        out = (out - lo) / (hi - lo)
    elif voi["kind"] == "lut":
        bits = ds.VOILUTSequence[voi["index"]].LUTDescriptor[2]
        wide = ds
        if bits == 8:
            # pydicom 2.3 indexes 8-bit LUTs with uint8, which wraps inputs beyond first + 255;
            # the same entries declared 16-bit are looked up correctly
            wide = ds.copy()
            wide.VOILUTSequence[voi["index"]].LUTDescriptor[2] = 16
        out = apply_voi_lut(values.astype("i8"), wide, index=voi["index"], prefer_lut=True)
        out = out / (2 ** bits - 1)
    else:  # full range of the frame
        out = (values - values.min()) / (values.max() - values.min())
    out = np.clip(out, 0, 1)
    return (1 - out if inverted(ds) else out).ravel()


gamma = (np.linspace(0, 1, 4096) ** 0.5 * 4095).round()
cases = [
    (image("windows-12bit", 12, False, WindowCenter=["2048", "1000"], WindowWidth=["4096", "500"],
           PresentationIntentType="FOR PRESENTATION"),
     [{"kind": "window", "index": 0}, {"kind": "window", "index": 1}, {"kind": "full"}]),
    (image("rescale-signed-exact", 16, True, RescaleSlope="2", RescaleIntercept="-1024",
           WindowCenter="0", WindowWidth="20000", VOILUTFunction="LINEAR_EXACT"),
     [{"kind": "window", "index": 0}]),
    (image("sigmoid", 12, False, WindowCenter="1500", WindowWidth="800", VOILUTFunction="SIGMOID"),
     [{"kind": "window", "index": 0}]),
    (image("modality-lut", 12, False, ModalityLUTSequence=[lut_item(0, 16, gamma * 16)],
           WindowCenter="32768", WindowWidth="40000"),
     [{"kind": "window", "index": 0}]),
    (image("voi-luts", 12, False,
           VOILUTSequence=[lut_item(0, 12, gamma, "GAMMA 0.5"),
                           lut_item(1000, 8, np.linspace(0, 255, 2048).round(), "8 BIT")]),
     [{"kind": "lut", "index": 0}, {"kind": "lut", "index": 1}]),
    (image("monochrome1", 12, False, "MONOCHROME1", WindowCenter="2048", WindowWidth="3000"),
     [{"kind": "window", "index": 0}]),
    (image("inverse-shape", 12, False, WindowCenter="2048", WindowWidth="3000",
           PresentationLUTShape="INVERSE"),
     [{"kind": "window", "index": 0}]),
]

expected = []
for (file, ds), vois in cases:
    for voi in vois:
        expected.append({"file": file, "voi": voi,
                         "inverted": bool(inverted(ds)),
                         "values": [round(float(v), 7) for v in render(ds, voi)]})
with open(os.path.join(OUT, "expected.json"), "w") as out:
    json.dump(expected, out)
    out.write("\n")
print(len(expected), "renderings")
