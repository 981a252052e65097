"""DICOM view -> model input, exactly as the model card describes and the Java inference does.

1. Grey levels in [0, 1], bone bright: Modality LUT or rescale, then the first valid VOI window
   (else the first VOI LUT, else the image's full range), then inversion for MONOCHROME1 or a
   Presentation LUT Shape of INVERSE. This is `Greyscale.render(..., Voi.auto())` in Java.
   Then the model's facing (`canonical`, Java's `Orientation`): a view whose Patient Orientation
   (0020,0020) says the patient faces right (rows run anterior) is mirrored, one upside down
   (columns run to the head) flipped; without it, or with other axes, the view is left as it is.
2. Aspect-preserving resize to fit the input (area averaging: each output pixel is the mean of
   the input area it covers), centred on a canvas of zeros (black).
3. Normalise: (x - mean) / std with the card's constants.

Also builds the training cache: a study folder tree with labels.csv (as the phantom writes it,
or a hospital's own export with the same columns) -> one .npz of float16 inputs.

    python3 -m lumbarcds_training.preprocess DATA OUT.npz [--height 320 --width 256] [--workers 2]
"""
import argparse
import copy
import functools
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut

from . import io
from .io import POSTURES

INPUT_SIZE = (320, 256)  # rows, columns


def windowed_range(ds):
    """The output range pydicom's apply_windowing maps a window onto."""
    if "ModalityLUTSequence" in ds:
        return 0, 2 ** ds.ModalityLUTSequence[0].LUTDescriptor[2] - 1
    if ds.PixelRepresentation == 0:
        lo, hi = 0, 2**ds.BitsStored - 1
    else:
        lo, hi = -(2 ** (ds.BitsStored - 1)), 2 ** (ds.BitsStored - 1) - 1
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
        lo, hi = lo * slope + intercept, hi * slope + intercept
    return lo, hi


def inverted(ds):
    shape = ds.get("PresentationLUTShape")
    return shape == "INVERSE" if shape else ds.PhotometricInterpretation == "MONOCHROME1"


def _values(element):
    return [
        float(v)
        for v in (
            element
            if isinstance(element, (list, tuple))
            or hasattr(element, "__iter__")
            and not isinstance(element, str)
            else [element]
        )
    ]


def first_valid_window(ds):
    """The index of the first window whose width suits its function (LINEAR: >= 1, others: > 0),
    as Java's Voi.auto chooses; None when there is none."""
    if "WindowCenter" not in ds or "WindowWidth" not in ds:
        return None
    centers, widths = _values(ds.WindowCenter), _values(ds.WindowWidth)
    function = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
    for i, width in enumerate(widths[: len(centers)]):
        if width >= 1 if function == "LINEAR" else width > 0:
            return i
    return None


def grey(ds):
    """Grey levels in [0, 1], bone bright, float64 (rows, columns)."""
    if ds.get("SamplesPerPixel", 1) != 1 or not str(ds.PhotometricInterpretation).startswith(
        "MONOCHROME"
    ):
        raise ValueError("not a greyscale image: " + str(ds.PhotometricInterpretation))
    if ("RescaleSlope" in ds) != ("RescaleIntercept" in ds):
        # Java applies either on its own with the other's default; pydicom needs both
        ds = copy.deepcopy(ds)
        ds.RescaleSlope = ds.get("RescaleSlope", 1)
        ds.RescaleIntercept = ds.get("RescaleIntercept", 0)
    values = apply_modality_lut(ds.pixel_array, ds).astype("f8")
    if values.ndim != 2:
        raise ValueError("expected one frame, found shape " + str(values.shape))
    window = first_valid_window(ds)
    if window is not None:
        windowed = copy.deepcopy(ds)
        if "VOILUTSequence" in windowed:
            del windowed.VOILUTSequence
        out = apply_voi_lut(values, windowed, index=window, prefer_lut=False)
        lo, hi = windowed_range(ds)
        out = (out - lo) / (hi - lo)
    elif "VOILUTSequence" in ds:
        bits = ds.VOILUTSequence[0].LUTDescriptor[2]
        wide = copy.deepcopy(ds)
        wide.VOILUTSequence[0].LUTDescriptor[2] = 16  # pydicom 2.3 wraps 8-bit LUT indexes
        out = apply_voi_lut(np.floor(values).astype("i8"), wide, index=0, prefer_lut=True)
        out = out / (2**bits - 1)
    else:
        span = values.max() - values.min()
        out = (values - values.min()) / span if span > 0 else np.zeros_like(values)
    out = np.clip(out, 0, 1)
    return 1 - out if inverted(ds) else out


@functools.lru_cache(maxsize=64)
def area_weights(n_in, n_out):
    """(n_out, n_in) matrix: each output cell the mean of the input interval it covers. Kept for
    the sizes last asked for (a data set's films share a few), read-only."""
    scale = n_in / n_out
    weights = np.zeros((n_out, n_in))
    for i in range(n_out):
        start, end = i * scale, (i + 1) * scale
        for j in range(int(np.floor(start)), min(n_in, int(np.ceil(end)))):
            overlap = min(end, j + 1) - max(start, j)
            if overlap > 0:
                weights[i, j] = overlap / scale
    weights.flags.writeable = False
    return weights


def fitted_size(rows, cols, height, width):
    """The aspect-preserving size of an image scaled to fit height x width."""
    scale = min(height / rows, width / cols)
    return max(1, min(height, round(rows * scale))), max(1, min(width, round(cols * scale)))


def resize_pad(image, height, width):
    """Area-averaged, aspect-preserving resize, centred on a (height, width) canvas of zeros."""
    rows, cols = image.shape
    h, w = fitted_size(rows, cols, height, width)
    resized = area_weights(rows, h) @ image @ area_weights(cols, w).T
    canvas = np.zeros((height, width))
    top, left = (height - h) // 2, (width - w) // 2
    canvas[top : top + h, left : left + w] = resized
    return canvas


def canonical(ds, image):
    """The view in the model's facing (patient facing left, head up: Patient Orientation P\\F),
    as far as its Patient Orientation says; the main direction is each value's first letter."""
    value = ds.get("PatientOrientation")
    if value is None or isinstance(value, str) or len(value) != 2:
        return image
    row, column = (str(v).strip().upper()[:1] for v in value)
    if row not in ("A", "P") or column not in ("H", "F"):
        return image
    if row == "A":
        image = image[:, ::-1]
    if column == "H":
        image = image[::-1, :]
    return image


def model_input(ds, height, width, mean=0.0, std=1.0):
    """One view, float32 (height, width), normalised with the card's constants."""
    image = canonical(ds, grey(ds))
    return ((resize_pad(image, height, width) - mean) / std).astype(np.float32)


def _study(job):
    data, record, height, width = job
    return np.stack(
        [
            model_input(pydicom.dcmread(io.labelled_view(data, record, p)), height, width)
            for p in POSTURES
        ]
    ).astype(np.float16)


def build_cache(data, out, height=INPUT_SIZE[0], width=INPUT_SIZE[1], workers=2):
    """All studies listed in DATA/labels.csv as unnormalised [0, 1] inputs, float16."""
    records = io.read_labels(data)
    images = np.zeros((len(records), 3, height, width), np.float16)
    start = time.time()
    jobs = [(data, r, height, width) for r in records]
    with ProcessPoolExecutor(workers) as pool:
        for i, study in enumerate(pool.map(_study, jobs, chunksize=8)):
            images[i] = study
            if (i + 1) % 250 == 0 or i + 1 == len(records):
                print(f"  {i + 1}/{len(records)} studies, {time.time() - start:.0f} s", flush=True)
    np.savez(
        out,
        images=images,
        label=np.array([int(r["label"]) for r in records], np.int64),
        patient_id=np.array([r["patient_id"] for r in records]),
        site=np.array([r.get("site", "") for r in records]),
    )
    return len(records)


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name,
        description="Preprocess a labelled study tree into a cache",
    )
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--height", type=int, default=INPUT_SIZE[0])
    parser.add_argument("--width", type=int, default=INPUT_SIZE[1])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    n = build_cache(args.data, args.out, args.height, args.width, args.workers)
    print(f"{n} studies cached in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
