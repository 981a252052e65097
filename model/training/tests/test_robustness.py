"""The changes the robustness table applies (run: lumbarcds_training.run_tests)."""
import unittest

import numpy as np

from lumbarcds_training import preprocess, robustness
from tests.test_preprocess import image


class Changes(unittest.TestCase):
    def test_magnification_keeps_the_size_and_the_centre(self):
        x = np.zeros((40, 30))
        x[18:22, 13:17] = 1  # a square at the centre
        bigger = robustness.zoom_about_centre(x, 1.5)
        smaller = robustness.zoom_about_centre(x, 0.75)
        self.assertEqual(bigger.shape, x.shape)
        self.assertEqual(smaller.shape, x.shape)
        self.assertGreater((bigger > 0.5).sum(), (x > 0.5).sum())
        self.assertLess((smaller > 0.5).sum(), (x > 0.5).sum())
        self.assertEqual(bigger[20, 15], 1.0)
        self.assertEqual(smaller[20, 15], 1.0)

    def test_collimation_darkens_the_borders_only(self):
        x = np.ones((20, 10))
        out = robustness.collimate(x, [0.1, 0.2, 0.0, 0.3])
        self.assertEqual(out[:2].max(), 0)
        self.assertEqual(out[16:].max(), 0)
        self.assertEqual(out[:, 7:].max(), 0)
        self.assertEqual(out[2:16, :7].min(), 1)

    def test_a_mirrored_view_that_says_so_is_the_original_input_and_one_that_does_not_is_not(self):
        ds = image(PatientOrientation=["P", "F"])
        grey = preprocess.grey(ds)
        inputs = {
            c: robustness.changed(ds, grey, c, np.random.default_rng(0), 8, 8, 0.0, 1.0)
            for c in robustness.CONDITIONS
        }
        # the dataset is left as it was (each condition changes a copy)
        self.assertEqual(list(ds.PatientOrientation), ["P", "F"])
        np.testing.assert_array_equal(
            inputs["mirrored, Patient Orientation A\\F"], inputs["original"]
        )
        np.testing.assert_array_equal(inputs["mirrored"], inputs["original"][:, ::-1])
        self.assertFalse(np.array_equal(inputs["mirrored"], inputs["original"]))


if __name__ == "__main__":
    unittest.main()
