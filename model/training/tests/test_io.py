"""The shared files: study folders, labels.csv, DICOM files and strict JSON."""
import json
import math
import os
import tempfile
import unittest

import numpy as np
import pydicom

from lumbarcds_training import io


class Files(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_labels_round_trip_in_column_order(self):
        rows = [
            {"patient_id": "P1", "label": 1, "neutral": "P1/neutral.dcm"},
            {"patient_id": "P2", "label": 0, "neutral": "P2/neutral.dcm"},
        ]
        io.write_labels(self.dir, rows)
        with open(os.path.join(self.dir, "labels.csv")) as f:
            self.assertEqual(f.readline().strip(), "patient_id,label,neutral")
        read = io.read_labels(self.dir)
        self.assertEqual([r["patient_id"] for r in read], ["P1", "P2"])
        self.assertEqual(read[0]["label"], "1")  # strings, as any CSV reader gives them
        self.assertEqual(
            io.labelled_view(self.dir, read[1], "neutral"),
            os.path.join(self.dir, "P2/neutral.dcm"),
        )

    def test_dicom_written_and_read_from_a_study_folder(self):
        ds = io.new_dataset("1.2.840.10008.5.1.4.1.1.1.1", "2.25.1234")
        ds.Rows, ds.Columns, ds.SamplesPerPixel = 2, 2, 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = np.array([1, 2, 3, 4], "<u2").tobytes()
        study = os.path.join(self.dir, "P1")
        io.write_dicom(ds, io.view_path(study, "flexion"))  # the folder is created
        back = io.read_view(study, "flexion")
        self.assertEqual(back.file_meta.TransferSyntaxUID, pydicom.uid.ExplicitVRLittleEndian)
        self.assertEqual(back.file_meta.MediaStorageSOPInstanceUID, "2.25.1234")
        self.assertEqual(back.SOPInstanceUID, "2.25.1234")
        self.assertEqual(back.pixel_array.tolist(), [[1, 2], [3, 4]])
        self.assertNotIn("PixelData", io.read_view(study, "flexion", headers_only=True))
        open(os.path.join(study, "notes.txt"), "w").close()
        os.makedirs(os.path.join(self.dir, "P0"))
        self.assertEqual(io.study_folders(self.dir), ["P0", "P1"])
        self.assertEqual(io.study_files(study), [io.view_path(study, "flexion")])

    def test_json_is_strict_with_a_final_newline(self):
        path = os.path.join(self.dir, "m.json")
        value = {"a": float("nan"), "b": [1.5, float("inf")], "c": (1, 2)}
        io.write_json(path, value)
        with open(path) as f:
            text = f.read()
        self.assertTrue(text.endswith("}\n"))
        self.assertEqual(json.loads(text), {"a": None, "b": [1.5, None], "c": [1, 2]})
        self.assertEqual(io.read_json(path)["b"], [1.5, None])
        self.assertTrue(math.isnan(value["a"]))  # the caller's value left alone
        self.assertEqual(io.json_safe({"x": [float("-inf")]}), {"x": [None]})

    def test_sha256_of_a_file(self):
        path = os.path.join(self.dir, "f")
        with open(path, "wb") as f:
            f.write(b"abc")
        self.assertEqual(
            io.sha256_file(path),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        )


if __name__ == "__main__":
    unittest.main()
