"""The preprocessing follows the Java pipeline's rules where pydicom alone would differ."""
import unittest

import numpy as np

from lumbarcds_training import io, preprocess


def image(**attributes):
    ds = io.new_dataset()
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = 2, 4
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = np.array([0, 1000, 2000, 4095] * 2, "<u2").tobytes()
    for key, value in attributes.items():
        setattr(ds, key, value)
    return ds


class Grey(unittest.TestCase):
    def test_the_first_valid_window_is_used(self):
        ds = image(WindowCenter=["2048", "1000"], WindowWidth=["0", "2000"])
        self.assertEqual(preprocess.first_valid_window(ds), 1)
        out = preprocess.grey(ds)
        self.assertEqual(out[0, 0], 0.0)  # 0 is below the window 1000 / 2000
        self.assertEqual(out[0, 3], 1.0)
        self.assertTrue(0 < out[0, 1] < 1)

    def test_no_valid_window_falls_back_to_the_full_range(self):
        out = preprocess.grey(image(WindowCenter="100", WindowWidth="0.5"))
        np.testing.assert_allclose(out[0], [0, 1000 / 4095, 2000 / 4095, 1])

    def test_an_intercept_alone_is_applied(self):
        ds = image(RescaleIntercept="-1000", WindowCenter="0", WindowWidth="2000")
        out = preprocess.grey(ds)
        self.assertTrue(0.4 < out[0, 1] < 0.6)  # 1000 - 1000 = 0 is the window's centre
        self.assertNotIn("RescaleSlope", ds)  # the caller's dataset is left alone

    def test_monochrome1_is_inverted(self):
        out = preprocess.grey(image(PhotometricInterpretation="MONOCHROME1"))
        np.testing.assert_allclose(out[0], [1, 1 - 1000 / 4095, 1 - 2000 / 4095, 0])

    def test_resize_keeps_the_aspect_and_centres_the_image(self):
        canvas = preprocess.resize_pad(np.ones((2, 2)), 8, 4)
        np.testing.assert_array_equal(canvas[:, 0], [0, 0, 1, 1, 1, 1, 0, 0])


class Facing(unittest.TestCase):
    """The same rules as Java's OrientationTest."""

    grid = np.arange(1, 7, dtype=float).reshape(2, 3)

    def test_a_patient_facing_right_is_mirrored_and_upside_down_flipped(self):
        cases = {
            ("A", "F"): [[3, 2, 1], [6, 5, 4]],
            ("P", "H"): [[4, 5, 6], [1, 2, 3]],
            ("AF", "HP"): [[6, 5, 4], [3, 2, 1]],
        }
        for value, expected in cases.items():
            out = preprocess.canonical(image(PatientOrientation=list(value)), self.grid)
            np.testing.assert_array_equal(out, expected, str(value))

    def test_the_models_facing_and_unknown_or_odd_ones_are_left_as_they_are(self):
        for value in (["P", "F"], None, "A", ["F", "A"], ["L", "F"]):
            ds = image() if value is None else image(PatientOrientation=value)
            self.assertIs(preprocess.canonical(ds, self.grid), self.grid, value)

    def test_the_model_input_of_a_mirrored_view_is_the_mirror_image(self):
        left = preprocess.model_input(image(PatientOrientation=["P", "F"]), 8, 8)
        right = preprocess.model_input(image(PatientOrientation=["A", "F"]), 8, 8)
        np.testing.assert_array_equal(left, right[:, ::-1])


if __name__ == "__main__":
    unittest.main()
