"""The files the tools share, read and written in one place.

- a **study folder**: one folder per patient holding `neutral.dcm`, `flexion.dcm` and
  `extension.dcm` (what the phantom writes, what the preprocessing, the parity file, the benchmark
  and the STOW-RS loader read);
- **labels.csv** beside the study folders: one row per patient with at least `patient_id`,
  `label` and a column per posture naming its file relative to the data folder;
- **DICOM files**: Explicit VR Little Endian Part 10 files with a preamble;
- **JSON documents** (split, history, metrics, model card, parity file): strict JSON, NaN and
  infinities written as null, one space of indent, a final newline;
- **checkpoints** of the three-view network, and SHA-256 checksums of files.
"""
import csv
import hashlib
import json
import math
import os

import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

POSTURES = ("neutral", "flexion", "extension")
LABELS = "labels.csv"


# --- study folders -----------------------------------------------------------------------------


def view_path(study, posture):
    """The file of one posture in a study folder."""
    return os.path.join(study, posture + ".dcm")


def read_view(study, posture, headers_only=False):
    """One posture's DICOM dataset from a study folder."""
    return pydicom.dcmread(view_path(study, posture), stop_before_pixels=headers_only)


def study_folders(data):
    """The names of the study folders in a data folder, sorted."""
    return sorted(d for d in os.listdir(data) if os.path.isdir(os.path.join(data, d)))


def study_files(study):
    """Every DICOM file (*.dcm) of a study folder, sorted by name."""
    return [os.path.join(study, f) for f in sorted(os.listdir(study)) if f.endswith(".dcm")]


# --- labels.csv --------------------------------------------------------------------------------


def read_labels(data):
    """The rows of DATA/labels.csv as dicts of strings, in file order."""
    with open(os.path.join(data, LABELS), newline="") as f:
        return list(csv.DictReader(f))


def write_labels(data, records):
    """DATA/labels.csv from dicts with the same keys (the first one's order gives the columns)."""
    with open(os.path.join(data, LABELS), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)


def labelled_view(data, record, posture):
    """The file a labels.csv row names for one posture."""
    return os.path.join(data, record[posture])


# --- DICOM files -------------------------------------------------------------------------------


def new_dataset(sop_class=None, sop_instance=None):
    """An empty Part 10 dataset, Explicit VR Little Endian, with its SOP class and instance UIDs
    in the file meta information and the dataset when given."""
    meta = FileMetaDataset()
    if sop_class:
        meta.MediaStorageSOPClassUID = sop_class
    if sop_instance:
        meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian, ds.is_implicit_VR = True, False
    if sop_class:
        ds.SOPClassUID = sop_class
    if sop_instance:
        ds.SOPInstanceUID = sop_instance
    return ds


def write_dicom(ds, path):
    """A dataset as a Part 10 file (its folder created), in the transfer syntax of its meta."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    ds.save_as(path, write_like_original=False)


# --- JSON documents ----------------------------------------------------------------------------


def json_safe(value):
    """NaN and infinities (a rate over zero studies, say) as null: strict JSON for other tools."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_json(path):
    with open(path) as f:
        return json.load(f)


def write_json(path, value):
    """Strict JSON (NaN and infinities as null), indented by one space, ending in a newline."""
    with open(path, "w") as f:
        json.dump(json_safe(value), f, indent=1, allow_nan=False)
        f.write("\n")


# --- checksums and checkpoints -----------------------------------------------------------------


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_network(path, device="cpu"):
    """The three-view network of a checkpoint (train's model.pt, or the exported weights), in
    evaluation mode on the device, and the checkpoint's other entries."""
    import torch

    from .model import ThreeViewNet

    checkpoint = torch.load(path, map_location=device)
    net = ThreeViewNet(
        checkpoint["backbone"],
        fusion=checkpoint.get("fusion", "linear"),
        hidden=checkpoint.get("hidden", 64),
    )
    net.load_state_dict(checkpoint["state_dict"])
    return net.to(device).eval(), checkpoint
