"""The three-view network: one encoder per posture, fused at feature level.

Each posture (neutral, flexion, extension) has its own encoder (no shared weights, as the seed
paper's multi-pose CNN built on three single-pose encoders). Each encoder's feature map A_v
(C x h x w) is average-pooled to f_v. Then:

- one auxiliary head per posture: view_logit_v = w_v . f_v + b_v (single-view scores);
- the fused head reads the concatenated features of the views present:
  logit = sum_v m_v (u_v . f_v) + c . m + c0, where m is the view mask (1 = present).

Because the fused head is linear in the pooled features, its class-activation map is exact:
cam_v(y, x) = m_v (u_v . A_v(y, x)), and the mean of cam_v over the map is view v's share of
the fused logit. View dropout in training (a view's image zeroed and its mask 0) teaches the
fused head to work with a view missing.
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


class ThreeViewNet(nn.Module):
    def __init__(self, backbone="small", dropout=0.2):
        super().__init__()
        self.backbone = backbone
        self.encoders = nn.ModuleList([encoder(backbone) for _ in POSTURES])
        c = self.encoders[0].channels
        self.view_heads = nn.ModuleList([nn.Linear(c, 1) for _ in POSTURES])
        self.fused_head = nn.Linear(3 * c, 1, bias=True)
        self.mask_weight = nn.Parameter(torch.zeros(3))
        self.dropout = nn.Dropout(dropout)

    def forward(self, views, view_mask):
        """views: [N, 3, H, W] (neutral, flexion, extension); view_mask: [N, 3].

        Returns the fused logit [N], the per-view logits [N, 3] and the fused CAM [N, 3, h, w]."""
        maps = [enc(views[:, i : i + 1]) for i, enc in enumerate(self.encoders)]
        pooled = [a.mean(dim=(2, 3)) for a in maps]
        view_logits = torch.cat([head(f) for head, f in zip(self.view_heads, pooled)], dim=1)
        c = pooled[0].shape[1]
        weights = self.fused_head.weight.view(3, c)
        cam = torch.stack(
            [
                torch.einsum("nchw,c->nhw", a, weights[i]) * view_mask[:, i, None, None]
                for i, a in enumerate(maps)
            ],
            dim=1,
        )
        return self.fuse(pooled, view_mask), view_logits, cam

    def fuse(self, pooled, view_mask):
        """The fused logit [N] from each view's pooled features [N, C]: a masked view adds only
        its mask term, whatever its features."""
        masked = torch.cat([f * view_mask[:, i : i + 1] for i, f in enumerate(pooled)], dim=1)
        return self.fused_head(self.dropout(masked)).squeeze(1) + view_mask @ self.mask_weight


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
