#!/usr/bin/python3
"""Writes the pixel-decoding fixtures: one small image per kind, encoded by third-party tools in
every transfer syntax the Java reader claims (and JPEG-LS, which it refuses), and the pixel values
they must decode to.

Needs Debian's python3-pydicom and python3-numpy, dcmtk (dcmcrle, dcmcjpeg, dcmcjpls) and
libgdcm-tools (gdcmconv). Run with /usr/bin/python3 from this folder. The outputs are committed,
so the tests need none of these tools.

pixels/<image>.raw     the expected stored values, int32 little endian, frame by frame, samples
                       interleaved (colour-by-pixel)
pixels/<image>/*.dcm   the encodings
pixels/<image>/*.ref   for lossy files, int32 values as pydicom with GDCM decodes them
pixels/manifest.json   per file: image, transfer syntax, tool, and what the reader must do:
                       "exact" (the source values), "reference" (the .ref values within
                       maxError) or "refused" (a typed error whose message holds "refusal")
"""
import json
import os
import subprocess

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.pixel_data_handlers.util import convert_color_space
from pydicom.uid import (ExplicitVRLittleEndian, ExplicitVRBigEndian, ImplicitVRLittleEndian,
                         RLELossless, generate_uid)

DX = "1.2.840.10008.5.1.4.1.1.1.1"
SC = "1.2.840.10008.5.1.4.1.1.7"
ROWS, COLS = 48, 64
OUT = "pixels"
rng = np.random.default_rng(20261127)


def gradient(lo, hi, frames=1):
    y, x = np.mgrid[0:ROWS, 0:COLS]
    base = lo + (hi - lo) * (0.6 * x / (COLS - 1) + 0.4 * y / (ROWS - 1))
    out = []
    for f in range(frames):
        noise = rng.integers(-40, 41, size=(ROWS, COLS))
        frame = np.clip(np.round(base + noise + 25 * f), lo, hi)
        # a bright block, so JPEG sees an edge
        frame[10:20, 30:45] = hi - 5 * f
        out.append(frame)
    return np.stack(out)


IMAGES = {
    # name: (pixels [frames, rows, cols(, samples)], bits allocated, bits stored, signed,
    #        photometric, sop class, extra attributes)
    "mono16": (gradient(0, 4095), 16, 12, False, "MONOCHROME2", DX,
               {"WindowCenter": "2048", "WindowWidth": "4096"}),
    "mono16s": (gradient(-2000, 2000), 16, 16, True, "MONOCHROME2", DX,
                {"RescaleSlope": "1", "RescaleIntercept": "-1024"}),
    "mono8": (gradient(0, 255), 8, 8, False, "MONOCHROME1", DX, {}),
    "rgb8": (np.stack([gradient(0, 255)[0], gradient(40, 200)[0][::-1], gradient(0, 255)[0][:, ::-1]],
                      axis=-1)[None], 8, 8, False, "RGB", SC, {}),
    "multi16": (gradient(100, 3900, frames=3), 16, 12, False, "MONOCHROME2", DX, {}),
}


def make(name, syntax, planar=0):
    pixels, bits, stored, signed, photometric, sop, extra = IMAGES[name]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[name])
    meta.TransferSyntaxUID = syntax
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = sop
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(entropy_srcs=["study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["series", name])
    ds.Modality = "DX" if sop == DX else "OT"
    ds.PatientID = "PHANTOM-PIXELS"
    frames = pixels.shape[0]
    samples = 3 if photometric == "RGB" else 1
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    if samples == 3:
        ds.PlanarConfiguration = planar
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.Rows, ds.Columns = ROWS, COLS
    ds.BitsAllocated = bits
    ds.BitsStored = stored
    ds.HighBit = stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    for key, value in extra.items():
        setattr(ds, key, value)
    dtype = {(8, False): "u1", (16, False): "u2", (16, True): "i2"}[(bits, signed)]
    data = pixels.astype(dtype)
    if samples == 3 and planar == 1:
        data = np.moveaxis(data, -1, 1)  # frame, sample, row, column
    big = syntax == ExplicitVRBigEndian
    ds.PixelData = data.astype((">" if big else "<") + dtype).tobytes()
    ds.is_little_endian = not big
    ds.is_implicit_VR = syntax == ImplicitVRLittleEndian
    return ds


manifest = []


def add(name, file, tool, expect="exact", max_error=0, refusal=None):
    path = os.path.join(OUT, name, file)
    back = pydicom.dcmread(path)
    entry = {"image": name, "file": f"{name}/{file}",
             "transferSyntax": str(back.file_meta.TransferSyntaxUID),
             "photometric": back.PhotometricInterpretation, "tool": tool, "expect": expect}
    if expect == "reference":
        # what a third-party decoder (GDCM through pydicom) makes of the lossy file
        values = back.pixel_array
        if back.PhotometricInterpretation.startswith("YBR"):
            values = convert_color_space(values, "YBR_FULL", "RGB")
        with open(path + ".ref", "wb") as ref:
            ref.write(values.astype("<i4").tobytes())
        entry["maxError"] = max_error
    if expect == "refused":
        entry["refusal"] = refusal
    manifest.append(entry)


def run(*command):
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


for name, (pixels, *_rest) in IMAGES.items():
    os.makedirs(os.path.join(OUT, name), exist_ok=True)
    folder = os.path.join(OUT, name)
    native = os.path.join(folder, "explicit-le.dcm")
    make(name, ExplicitVRLittleEndian).save_as(native, write_like_original=False)
    add(name, "explicit-le.dcm", "pydicom")
    expected = pixels.astype("<i4")
    with open(os.path.join(OUT, name + ".raw"), "wb") as raw:
        raw.write(expected.tobytes())

    # pydicom's own RLE encoder
    ds = make(name, ExplicitVRLittleEndian)
    ds.compress(RLELossless, encoding_plugin="pydicom")
    ds.save_as(os.path.join(folder, "rle-pydicom.dcm"), write_like_original=False)
    add(name, "rle-pydicom.dcm", "pydicom")

    run("dcmcrle", native, os.path.join(folder, "rle-dcmtk.dcm"))
    add(name, "rle-dcmtk.dcm", "dcmtk dcmcrle")
    run("gdcmconv", "--j2k", native, os.path.join(folder, "j2k-gdcm.dcm"))
    add(name, "j2k-gdcm.dcm", "gdcmconv --j2k")
    run("gdcmconv", "--j2k", "--lossy", "--irreversible", "-q", "40", native,
        os.path.join(folder, "j2k-lossy-gdcm.dcm"))
    add(name, "j2k-lossy-gdcm.dcm", "gdcmconv --j2k --lossy", "reference", 2)
    run("dcmcjpls", native, os.path.join(folder, "jpegls-dcmtk.dcm"))
    add(name, "jpegls-dcmtk.dcm", "dcmtk dcmcjpls", "refused", refusal="JPEG-LS Lossless")

    run("dcmcjpeg", "+e1", native, os.path.join(folder, "jpeg-lossless-sv1-dcmtk.dcm"))
    add(name, "jpeg-lossless-sv1-dcmtk.dcm", "dcmtk dcmcjpeg +e1")
    run("dcmcjpeg", "+el", "+sv", "6", native, os.path.join(folder, "jpeg-lossless-dcmtk.dcm"))
    if name == "rgb8":
        # TwelveMonkeys 3.14 decodes colour with predictors 3 and 6 wrongly: refused, not guessed
        add(name, "jpeg-lossless-dcmtk.dcm", "dcmtk dcmcjpeg +el +sv 6", "refused",
            refusal="predictor 6")
    else:
        add(name, "jpeg-lossless-dcmtk.dcm", "dcmtk dcmcjpeg +el +sv 6")
    if pixels.max() < 256:
        run("dcmcjpeg", "+eb", "+q", "95", native, os.path.join(folder, "jpeg-baseline-dcmtk.dcm"))
        add(name, "jpeg-baseline-dcmtk.dcm", "dcmtk dcmcjpeg +eb", "reference",
            2 if name == "mono8" else 4)
    if name == "mono8":
        run("dcmcjpeg", "+ee", "+q", "95", native, os.path.join(folder, "jpeg-extended-dcmtk.dcm"))
        add(name, "jpeg-extended-dcmtk.dcm", "dcmtk dcmcjpeg +ee (8-bit)", "reference", 2)
    if name in ("mono16", "multi16"):
        # the JDK's baseline decoder, which TwelveMonkeys delegates to, has no 12-bit mode
        run("dcmcjpeg", "+ee", "+q", "95", native, os.path.join(folder, "jpeg-extended-dcmtk.dcm"))
        add(name, "jpeg-extended-dcmtk.dcm", "dcmtk dcmcjpeg +ee (12-bit)", "refused",
            refusal="12-bit")

# the other native encodings, and the layouts a reader gets wrong most often
make("mono16", ImplicitVRLittleEndian).save_as(os.path.join(OUT, "mono16", "implicit-le.dcm"),
                                                write_like_original=False)
add("mono16", "implicit-le.dcm", "pydicom")
make("mono16", ExplicitVRBigEndian).save_as(os.path.join(OUT, "mono16", "explicit-be.dcm"),
                                             write_like_original=False)
add("mono16", "explicit-be.dcm", "pydicom")
make("rgb8", ExplicitVRLittleEndian, planar=1).save_as(os.path.join(OUT, "rgb8", "planar1.dcm"),
                                                        write_like_original=False)
add("rgb8", "planar1.dcm", "pydicom")
native = os.path.join(OUT, "multi16", "explicit-le.dcm")
run("dcmcjpeg", "+e1", "-ot", "+fs", "2", native,
    os.path.join(OUT, "multi16", "jpeg-lossless-fragmented-dcmtk.dcm"))
add("multi16", "jpeg-lossless-fragmented-dcmtk.dcm", "dcmtk dcmcjpeg -ot +fs 2")

# every lossless file must already decode exactly with pydicom's own handlers, where it has one
for entry in manifest:
    if entry["expect"] == "exact" and entry["transferSyntax"] in (
            ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian, RLELossless):
        back = pydicom.dcmread(os.path.join(OUT, entry["file"]))
        pixels = IMAGES[entry["image"]][0]
        assert np.array_equal(back.pixel_array.reshape(pixels.shape), pixels), entry["file"]

with open(os.path.join(OUT, "manifest.json"), "w") as out:
    json.dump(manifest, out, indent=1)
    out.write("\n")
print(len(manifest), "files")
