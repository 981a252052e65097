"""Tests of the network's fused heads and their heatmaps (run: lumbarcds_training.run_tests)."""
import unittest

import torch

from lumbarcds_training.model import FUSIONS, ThreeViewNet


def network(fusion):
    torch.manual_seed(3)
    net = ThreeViewNet("small", fusion=fusion, hidden=16).eval()
    # random heads, so that no ReLU is dead everywhere and the views interact
    for p in net.parameters():
        if p.dim() <= 2:
            torch.nn.init.normal_(p, std=0.5)
    return net


class Heatmaps(unittest.TestCase):
    def test_each_heatmap_is_gradient_times_activation_computed_without_autograd(self):
        views = torch.randn(2, 3, 64, 64)
        mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0]])
        for fusion in FUSIONS:
            net = network(fusion)
            maps = [m.detach().requires_grad_(True) for m in net.feature_maps(views)]
            logit, _, cam = net.heads(maps, mask)
            grads = torch.autograd.grad(logit.sum(), maps)
            for v, (a, g) in enumerate(zip(maps, grads)):
                h, w = a.shape[2:]
                if fusion == "map":
                    expected = (a * g).sum(1) * h * w  # the gradient at each location
                else:  # Grad-CAM weights: the gradient of the pooled features, unrectified
                    expected = torch.einsum("nchw,nc->nhw", a, g.sum((2, 3)))
                self.assertTrue(torch.allclose(cam[:, v], expected, atol=1e-4), (fusion, v))
            # a masked view has no heatmap
            self.assertEqual(float(cam[1, 1].abs().max()), 0.0, fusion)

    def test_the_linear_heads_map_adds_up_to_each_views_share_of_the_logit(self):
        net = network("linear")
        views, mask = torch.randn(1, 3, 64, 64), torch.ones(1, 3)
        logit, _, cam = net(views, mask)
        rest = net.fused_head.bias + net.mask_weight.sum()
        self.assertAlmostEqual(float(cam.mean((2, 3)).sum() + rest), float(logit), places=4)

    def test_interacting_heads_depend_on_the_views_together(self):
        """A linear head's fused logit is a sum of one term per view; the others' are not."""
        torch.manual_seed(5)
        c = ThreeViewNet("small").encoders[0].channels
        maps = [torch.rand(1, c, 4, 4) for _ in range(3)]
        others = [3 * torch.rand(1, c, 4, 4) for _ in range(3)]
        ones = torch.ones(1, 3)

        def logit(net, changed):
            chosen = [others[i] if i in changed else maps[i] for i in range(3)]
            return float(net.heads(chosen, ones)[0])

        for fusion in FUSIONS:
            net = network(fusion)
            with torch.no_grad():
                # change views 1 and 2 separately and together: additive iff no interaction
                interaction = (
                    logit(net, {1, 2}) - logit(net, {1}) - logit(net, {2}) + logit(net, set())
                )
            if fusion == "linear":
                self.assertAlmostEqual(interaction, 0.0, places=4)
            else:
                self.assertGreater(abs(interaction), 1e-3, fusion)


if __name__ == "__main__":
    unittest.main()
