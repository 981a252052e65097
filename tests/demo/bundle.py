#!/usr/bin/python3
"""Makes the demo studies the server carries (server/src/main/resources/demo): synthetic phantom
radiographs that the landing page's "Load the demo cases" stores in the embedded DICOMweb store.

    PYTHONPATH=model/training /usr/bin/python3 tests/demo/bundle.py [--out FOLDER]

Generates POOL + 1 internal-site phantom patients of the small size (320 x 256 px, 16-bit, the
model's input size) with lumbarcds_training.phantom and seed SEED, prefixes their Patient ID,
Accession Number and name with DEMO- (so that they never match the ids other phantom runs use),
compresses each view with RLE Lossless (the pixels are unchanged) and writes:

    FOLDER/<patient>/<posture>.dcm   the pool's three views; the last patient's extension left out
    FOLDER/manifest.json             every study, its role (pool or missing-view) and views, and
                                     the phantom's label and latent severity; how it was made

The same command always writes the same files (deterministic phantoms, fixed seed). Needs Debian's
python3-numpy, python3-scipy, python3-pil and python3-pydicom.

SYNTHETIC PHANTOMS: no patient data; not clinical images.
"""
import argparse
import os
import shutil
import tempfile

import pydicom
from pydicom.uid import RLELossless

from lumbarcds_training import io, phantom

SEED = 11  # checked: the reference model 1.1.0 puts this pool in all three bands
POOL = 10
SIZE = "small"
SITE = "internal"
PREFIX = "DEMO-"
POSTURES = ("neutral", "flexion", "extension")
COMMAND = "PYTHONPATH=model/training /usr/bin/python3 tests/demo/bundle.py"


def convert(source, target):
    """One view: the DEMO- identifiers, RLE Lossless; returns its Patient ID."""
    ds = pydicom.dcmread(source)
    ds.PatientID = PREFIX + str(ds.PatientID)
    ds.AccessionNumber = PREFIX + str(ds.AccessionNumber)
    ds.PatientName = "DEMO^" + str(ds.PatientName).replace("^", " ")
    ds.compress(RLELossless)
    io.write_dicom(ds, target)
    return str(ds.PatientID)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="server/src/main/resources/demo")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="lumbarcds-demo-")
    try:
        records = phantom.generate(work, POOL + 1, SITE, SEED, SIZE, workers=os.cpu_count() or 1)
        for name in io.study_folders(args.out) if os.path.isdir(args.out) else []:
            shutil.rmtree(os.path.join(args.out, name))
        studies = []
        for i, record in enumerate(records):
            name = record["patient_id"]
            role = "pool" if i < POOL else "missing-view"
            views = POSTURES if role == "pool" else POSTURES[:2]
            for posture in views:
                patient_id = convert(
                    io.view_path(os.path.join(work, name), posture),
                    io.view_path(os.path.join(args.out, name), posture),
                )
            studies.append(
                {
                    "folder": name,
                    "role": role,
                    "views": list(views),
                    "patientId": patient_id,
                    "label": int(record["label"]),
                    "severity": round(float(record["severity"]), 3),
                }
            )
        io.write_json(
            os.path.join(args.out, "manifest.json"),
            {
                "synthetic": True,
                "about": "Synthetic phantom radiographs (lumbarcds_training.phantom): no patient"
                " data, not clinical images. label: the phantom's severe stenosis label;"
                " severity: its latent severity.",
                "command": COMMAND,
                "phantom": {"seed": SEED, "site": SITE, "size": SIZE, "patients": POOL + 1},
                "transferSyntax": "RLE Lossless (1.2.840.10008.1.2.5)",
                "studies": studies,
            },
        )
    finally:
        shutil.rmtree(work)
    total = sum(
        os.path.getsize(os.path.join(root, f))
        for root, _, files in os.walk(args.out)
        for f in files
    )
    print(f"{len(studies)} studies written to {args.out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
