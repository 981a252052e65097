"""The three-view network: one encoder per posture, fused at feature level.

Each posture (neutral, flexion, extension) has its own encoder (no shared weights, as the seed
paper's multi-pose CNN built on three single-pose encoders). Each encoder's feature map A_v
(C x h x w) is average-pooled to f_v. Then:

- one auxiliary head per posture: view_logit_v = w_v . f_v + b_v (single-view scores);
- the fused head reads the concatenated features of the views present:
  logit = sum_v m_v (u_v . f_v) + c . m + c0, where m is the view mask (1 = present).

Because the fused head is linear in the pooled features, its class-activation map is exact:
cam_v(y, x) = m_v (u_v . A_v(y, x)), and the mean of cam_v over the map is view v's share of
the fused logit. Two other fused heads can model interactions between the views (`fusion`, see
ThreeViewNet): a hidden layer over the pooled features ("mlp") and a fusion of the three feature
maps location by location before pooling ("map"). View dropout in training (a view's image
zeroed and its mask 0) teaches the fused head to work with a view missing.
"""
import torch
from torch import nn

from .io import POSTURES


class Block(nn.Module):
    """A residual block: two 3x3 convolutions, the first with stride 2."""

    def __init__(self, cin, cout):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, 2, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, 2, bias=False), nn.BatchNorm2d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.skip(x))


class SmallEncoder(nn.Module):
    """A compact residual CNN sized for CPU training: stride 32, `width`-scaled channels."""

    def __init__(self, width=16):
        super().__init__()
        c = [width, 2 * width, 3 * width, 4 * width, 6 * width]
        self.stem = nn.Sequential(
            nn.Conv2d(1, c[0], 3, 2, 1, bias=False), nn.BatchNorm2d(c[0]), nn.ReLU(inplace=True)
        )
        self.stages = nn.Sequential(*[Block(c[i], c[i + 1]) for i in range(4)])
        self.channels = c[-1]

    def forward(self, x):
        return self.stages(self.stem(x))


class ResNetEncoder(nn.Module):
    """torchvision ResNet-18/34/50 trunk with a one-channel stem (trained from scratch: no
    pretrained weights can be downloaded here)."""

    def __init__(self, name):
        super().__init__()
        import torchvision

        net = getattr(torchvision.models, name)(weights=None)
        net.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
        self.trunk = nn.Sequential(*list(net.children())[:-2])
        self.channels = net.fc.in_features

    def forward(self, x):
        return self.trunk(x)


BACKBONES = ("small", "small-wide", "resnet18", "resnet34", "resnet50")


def encoder(backbone):
    if backbone == "small":
        return SmallEncoder(16)
    if backbone == "small-wide":
        return SmallEncoder(24)
    if backbone in BACKBONES:
        return ResNetEncoder(backbone)
    raise ValueError(f"unknown backbone {backbone}; one of {', '.join(BACKBONES)}")


FUSIONS = ("linear", "mlp", "map")


FUSION_WORDS = {
    "linear": "linear head over the three pooled feature vectors",
    "mlp": "a hidden layer (ReLU) over the three pooled feature vectors",
    "map": "the three feature maps fused location by location (1x1 convolution, ReLU) "
    "before pooling",
}


class ThreeViewNet(nn.Module):
    """Three encoders, one auxiliary head per view, and a fused head (`fusion`):

    - "linear": the fused logit is linear in the views' pooled features (see the module
      docstring); its class-activation map is exact.
    - "mlp": a hidden layer (ReLU) over the concatenated pooled features, so that views can
      interact (a flexion score can count differently when extension shows the same thing).
    - "map": the three feature maps fused location by location before pooling: a 1x1
      convolution over the concatenated maps, ReLU, then average pooling and a linear layer.

    Heatmaps (`cam`, [N, 3, h, w]) are gradient x activation: cam_v(y, x) = sum_c
    A_v(c, y, x) * d logit / d f_v(c) for "linear" and "mlp" (f_v = pooled features; Grad-CAM's
    weights, unrectified), and the gradient at each location for "map". Each is computed in the
    graph from the weights (no autograd), so the exported ONNX model outputs it; for "linear" it
    is the exact CAM, whose mean over the map is the view's share of the fused logit, for the
    others that share to first order."""

    def __init__(self, backbone="small", dropout=0.2, fusion="linear", hidden=64):
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion}; one of {', '.join(FUSIONS)}")
        self.backbone, self.fusion, self.hidden = backbone, fusion, hidden
        self.encoders = nn.ModuleList([encoder(backbone) for _ in POSTURES])
        c = self.encoders[0].channels
        self.view_heads = nn.ModuleList([nn.Linear(c, 1) for _ in POSTURES])
        if fusion == "linear":
            self.fused_head = nn.Linear(3 * c, 1, bias=True)
        elif fusion == "mlp":
            self.fused_hidden = nn.Linear(3 * c, hidden)
            self.fused_head = nn.Linear(hidden, 1)
        else:
            self.fused_hidden = nn.Conv2d(3 * c, hidden, 1)
            self.fused_head = nn.Linear(hidden, 1)
        self.mask_weight = nn.Parameter(torch.zeros(3))
        self.dropout = nn.Dropout(dropout)

    def forward(self, views, view_mask):
        """views: [N, 3, H, W] (neutral, flexion, extension); view_mask: [N, 3].

        Returns the fused logit [N], the per-view logits [N, 3] and the heatmaps [N, 3, h, w]."""
        return self.heads(self.feature_maps(views), view_mask)

    def feature_maps(self, views):
        """Each view's encoder output [N, C, h, w], in posture order."""
        return [enc(views[:, i : i + 1]) for i, enc in enumerate(self.encoders)]

    def heads(self, maps, view_mask):
        """forward() after the encoders: a masked view reaches the fused head only through its
        mask term, whatever its features."""
        pooled = [a.mean(dim=(2, 3)) for a in maps]
        view_logits = torch.cat([head(f) for head, f in zip(self.view_heads, pooled)], dim=1)
        c = pooled[0].shape[1]
        mask_term = view_mask @ self.mask_weight
        masked = [f * view_mask[:, i : i + 1] for i, f in enumerate(pooled)]
        if self.fusion == "linear":
            logit = self.fused_head(self.dropout(torch.cat(masked, dim=1))).squeeze(1)
            gradient = self.fused_head.weight.view(1, 3, c).expand(len(view_mask), 3, c)
        elif self.fusion == "mlp":
            z = self.fused_hidden(self.dropout(torch.cat(masked, dim=1)))
            logit = self.fused_head(torch.relu(z)).squeeze(1)
            # d logit / d f = W1^T (relu'(z) * w2), per study
            gradient = ((z > 0).float() * self.fused_head.weight) @ self.fused_hidden.weight
            gradient = gradient.view(len(view_mask), 3, c)
        else:
            stacked = torch.cat(
                [a * view_mask[:, i, None, None, None] for i, a in enumerate(maps)], dim=1
            )
            z = self.fused_hidden(stacked)
            logit = self.fused_head(self.dropout(torch.relu(z).mean(dim=(2, 3)))).squeeze(1)
            # d logit / d A_v(c, y, x) x (h w) = sum_k w2_k relu'(z_k(y, x)) W1[k, v c + c]
            gate = (z > 0).float() * self.fused_head.weight.view(1, -1, 1, 1)
            w1 = self.fused_hidden.weight.view(-1, 3, c)
            cam = torch.stack(
                [
                    torch.einsum("nkhw,kc,nchw->nhw", gate, w1[:, i], a)
                    * view_mask[:, i, None, None]
                    for i, a in enumerate(maps)
                ],
                dim=1,
            )
            return logit + mask_term, view_logits, cam
        cam = torch.stack(
            [
                torch.einsum("nchw,nc->nhw", a, gradient[:, i]) * view_mask[:, i, None, None]
                for i, a in enumerate(maps)
            ],
            dim=1,
        )
        return logit + mask_term, view_logits, cam


class Exported(nn.Module):
    """The graph the ONNX file holds: the model contract (docs/design.md), with Platt
    calibration applied."""

    def __init__(self, net, calibration):
        super().__init__()
        self.net = net
        self.a, self.b = float(calibration["a"]), float(calibration["b"])

    def forward(self, neutral, flexion, extension, view_mask):
        views = torch.cat([neutral, flexion, extension], dim=1)
        logit, view_logits, cam = self.net(views, view_mask)
        return torch.sigmoid(self.a * logit + self.b), view_logits, cam


def flops(net, height, width):
    """Multiply-adds x 2 of one forward pass (convolutions and linear layers), by hooks."""
    total = [0]

    def conv(m, _, out):
        total[0] += (
            2 * out.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        )

    def linear(m, _, out):
        total[0] += 2 * out.numel() * m.in_features

    hooks = [m.register_forward_hook(conv) for m in net.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in net.modules() if isinstance(m, nn.Linear)]
    was_training = net.training
    net.eval()
    with torch.no_grad():
        net(torch.zeros(1, 3, height, width), torch.ones(1, 3))
    net.train(was_training)
    for h in hooks:
        h.remove()
    return total[0]
