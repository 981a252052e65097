#!/usr/bin/python3
"""DICOM fixtures for the DICOMweb tests: the embedded store's end-to-end tests and the WADO-RS
client's tests against Orthanc, which read them from the model's test jar (run with Debian's
Python from the repository root:
`PYTHONPATH=model/training /usr/bin/python3 model/src/test/resources/dicomweb/make_fixtures.py`).
Headers come from the phantom generator (lumbarcds_training.phantom), pixels are small so the
files stay small. SYNTHETIC: no patient data.

- study1/{neutral,flexion,extension}.dcm: one study, patient PHANTOM-DW1, accession ADW1
- study1/flexion-changed.dcm: flexion's SOP Instance UID with other pixels (a conflicting resend)
- study1/flexion-repeat.dcm: a second flexion view of the same study (four candidate laterals)
- study1/other-patient.dcm: an instance under study1's Study Instance UID with another Patient ID
- study2/neutral.dcm: a study whose patient is in no FHIR record (PHANTOM-DW2)
- study3/{neutral,flexion,extension}.dcm: a study held by a PACS (PHANTOM-DW3, accession ADW3)
- study4/neutral.dcm: an instance stored by several clients at once (PHANTOM-DW4)
- bad/ct.dcm: a CT image (SOP class the store does not take)
- bad/jpeg-ls.dcm: a lateral in JPEG-LS (a transfer syntax the reader cannot decode)
"""
import os

import numpy as np
import pydicom
from pydicom.encaps import encapsulate
from pydicom.uid import UID

from lumbarcds_training import phantom

HERE = os.path.dirname(os.path.abspath(__file__))


def pixels(seed, rows=64, cols=52):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:rows, :cols]
    return ((x * 40 + y * 20 + rng.integers(0, 200, (rows, cols))) % 4096).astype(np.uint16)


def patient(pid):
    p = phantom.make_patient(np.random.default_rng([9, 0, 0]), 1, "internal")
    return p.__class__(**{**p.__dict__, "patient_id": pid})


def save(ds, *path):
    out = os.path.join(HERE, *path)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    ds.save_as(out, write_like_original=False)


def view(p, posture, seed, accession="ADW1"):
    ds = phantom.to_dicom(p, posture, pixels(seed), 4.6, "internal", 9, False)
    ds.AccessionNumber = accession
    return ds


def main():
    p = patient("PHANTOM-DW1")
    for i, posture in enumerate(phantom.POSTURES):
        save(view(p, posture, i), "study1", posture + ".dcm")
    changed = view(p, "flexion", 1)
    changed.PixelData = pixels(99).astype("<u2").tobytes()
    save(changed, "study1", "flexion-changed.dcm")
    repeat = view(p, "flexion", 5)
    repeat.SOPInstanceUID = phantom.uid(9, p.patient_id, "flexion", "repeat", "sop")
    repeat.file_meta.MediaStorageSOPInstanceUID = repeat.SOPInstanceUID
    repeat.SeriesInstanceUID = phantom.uid(9, p.patient_id, "flexion", "repeat", "series")
    repeat.SeriesNumber = 4
    repeat.SeriesDescription = "L-SPINE LAT FLEXION REPEAT"
    save(repeat, "study1", "flexion-repeat.dcm")
    intruder = view(patient("PHANTOM-DW9"), "extension", 6)
    intruder.StudyInstanceUID = repeat.StudyInstanceUID
    save(intruder, "study1", "other-patient.dcm")

    other = phantom.to_dicom(patient("PHANTOM-DW2"), "neutral", pixels(7), 4.6, "internal", 9,
                             False)
    other.AccessionNumber = "ADW2"
    save(other, "study2", "neutral.dcm")

    pacs = patient("PHANTOM-DW3")
    for i, posture in enumerate(phantom.POSTURES):
        save(view(pacs, posture, 10 + i, "ADW3"), "study3", posture + ".dcm")

    save(view(patient("PHANTOM-DW4"), "neutral", 20, "ADW4"), "study4", "neutral.dcm")

    ct = view(p, "neutral", 0)
    ct.SOPClassUID = ct.file_meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.2")
    ct.Modality = "CT"
    ct.SOPInstanceUID = ct.file_meta.MediaStorageSOPInstanceUID = phantom.uid(9, "ct", "sop")
    save(ct, "bad", "ct.dcm")

    jls = view(p, "extension", 2)
    jls.SOPInstanceUID = jls.file_meta.MediaStorageSOPInstanceUID = phantom.uid(9, "jls", "sop")
    jls.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.80")
    # a JPEG-LS start-of-image and frame header; the store refuses it by its syntax before decoding
    jls.PixelData = encapsulate([bytes.fromhex("ffd8fff7000b08004000340101001100ffd9")])
    jls["PixelData"].VR = "OB"
    save(jls, "bad", "jpeg-ls.dcm")


if __name__ == "__main__":
    main()
