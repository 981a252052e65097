import unittest

import torch

from lumbarcds_training.train import augment, geometric_kind


def block(n=64):
    """Studies [n, 3, 40, 32], each view black but for a bright block in its top-left quarter."""
    x = torch.zeros(n, 3, 40, 32)
    x[:, :, 4:14, 2:10] = 1.0
    return x


def columns(x):
    """Each view's bright mass centre, in columns [n, 3]."""
    bright = (x > 0.5).float()
    cols = torch.arange(x.shape[-1], dtype=torch.float32)
    return (bright.sum(2) * cols).sum(-1) / bright.sum((2, 3)).clamp(min=1)


def rows_lit(x):
    """How many rows of each view hold a bright pixel [n, 3]."""
    return ((x > 0.5).any(-1)).sum(-1)


class Augmentation(unittest.TestCase):
    def run_kind(self, kind):
        return augment(block(), torch.Generator().manual_seed(7), kind)

    def test_none_keeps_the_facing_and_the_geometry(self):
        x = self.run_kind("none")
        # a shift of at most 8 pixels: the block stays left of the middle, as tall as it was
        self.assertTrue(bool((columns(x) < 16).all()))
        self.assertTrue(bool((rows_lit(x) == 10).all()))

    def test_mirror_turns_whole_studies_only(self):
        x = self.run_kind("mirror")
        right = columns(x) > 16
        # about half the studies face the other way, all three views of a study together
        self.assertTrue(8 < int(right[:, 0].sum()) < 56)
        self.assertTrue(bool((right == right[:, :1]).all()))
        # nothing rotated, magnified or collimated
        self.assertTrue(bool((rows_lit(x) == 10).all()))

    def test_full_changes_the_geometry_view_by_view(self):
        x = self.run_kind("full")
        self.assertTrue(bool((columns(x) > 16).any()))
        # magnification and rotation change the block's height, each view on its own
        heights = rows_lit(x)
        self.assertTrue(bool((heights != 10).any()))
        self.assertTrue(bool((heights[:, 0] != heights[:, 1]).any()))

    def test_runs_recorded_before_the_choice_read_as_full_or_none(self):
        self.assertEqual(geometric_kind(True), "full")
        self.assertEqual(geometric_kind(False), "none")
        self.assertEqual(geometric_kind("mirror"), "mirror")


if __name__ == "__main__":
    unittest.main()
