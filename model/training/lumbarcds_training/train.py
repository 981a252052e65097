"""Train the three-view model on a preprocessed cache (lumbarcds_training.preprocess).

    python3 -m lumbarcds_training.train CACHE.npz OUT_DIR [--backbone small] [--epochs 12]
        [--batch 32] [--limit N]

Splits by patient (seeded, stratified by label) into train / validation / test (70 / 15 / 15),
computes the input normalisation on the training images, trains with augmentation and view
dropout, keeps the epoch with the best validation AUROC, and writes OUT_DIR/model.pt and
OUT_DIR/split.json. Runs on CPU (Debian's PyTorch 1.13) or a CUDA GPU (PyTorch 2.x).
"""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import io, metrics
from .model import BACKBONES, FUSIONS, ThreeViewNet


def split(patient_ids, labels, seed, fractions=(0.70, 0.15, 0.15)):
    """Patient-level split (all of a patient's studies in one part), stratified by the patient's
    label (positive if any study is), reproducible from the seed. Returns study indices."""
    rng = np.random.default_rng(seed)
    patients = sorted(set(patient_ids.tolist()))
    positive = {p: False for p in patients}
    for p, y in zip(patient_ids.tolist(), labels.tolist()):
        positive[p] = positive[p] or bool(y)
    assigned = {}
    for value in (False, True):
        group = np.array([p for p in patients if positive[p] == value])
        group = group[rng.permutation(len(group))]
        n_train = int(round(fractions[0] * len(group)))
        n_val = int(round(fractions[1] * len(group)))
        for i, p in enumerate(group):
            assigned[p] = (
                "train" if i < n_train else "validation" if i < n_train + n_val else "test"
            )
    parts = {"train": [], "validation": [], "test": []}
    for i, p in enumerate(patient_ids.tolist()):
        parts[assigned[p]].append(i)
    return parts


# what `augment` changes besides the photometry (train --geometric)
GEOMETRIC = ("full", "mirror", "none")


def geometric_kind(value):
    """A run's --geometric as recorded in its checkpoint: runs before the option was a choice
    recorded True (full) or False (none)."""
    if isinstance(value, bool):
        return "full" if value else "none"
    return value if value in GEOMETRIC else "none"


def augment(x, generator, geometric="full"):
    """Acquisition-like changes on [0, 1] inputs [N, 3, H, W] (on any device; `generator` on
    the same device).

    Geometric (`geometric` "full"): the whole study mirrored with probability 1/2 (a
    right-facing lateral: the patient facing the other way), then per view a rotation (+/-10
    degrees), a magnification (0.7-1.55: pixel spacing 0.10-0.20 mm on a film laid out for
    0.15 mm) and a shift (+/-6%) about the centre, and with probability 1/2 collimation (dark
    borders, up to 12% of each side); "mirror": the mirroring only, then the small shift of
    "none". Photometric (always): gamma, contrast, brightness and noise per view."""
    n, v, height, width = x.shape
    dev = x.device
    geometric = geometric_kind(geometric)

    def per_view(lo, hi, shape=(n, v, 1, 1)):
        return torch.rand(shape, generator=generator, device=dev) * (hi - lo) + lo

    x = x.clamp(0, 1)
    if geometric != "none":
        flip = torch.rand(n, generator=generator, device=dev) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if geometric == "full":
        angle = per_view(-math.pi / 18, math.pi / 18, (n * v,))
        zoom = torch.exp(per_view(math.log(0.7), math.log(1.55), (n * v,)))
        shift = per_view(-0.06, 0.06, (n * v, 2))
        cos, sin, aspect = torch.cos(angle) / zoom, torch.sin(angle) / zoom, height / width
        theta = torch.stack(
            [
                torch.stack([cos, -sin * aspect, shift[:, 0]], dim=1),
                torch.stack([sin / aspect, cos, shift[:, 1]], dim=1),
            ],
            dim=1,
        )
        grid = F.affine_grid(theta, (n * v, 1, height, width), align_corners=False)
        x = F.grid_sample(
            x.reshape(n * v, 1, height, width), grid, padding_mode="zeros", align_corners=False
        ).reshape(n, v, height, width)
        edges = per_view(0, 0.12, (n, v, 4)) * (per_view(0, 1, (n, v, 1)) < 0.5)
        rows = torch.arange(height, device=dev)[None, None, :, None] / height
        cols = torch.arange(width, device=dev)[None, None, None, :] / width
        inside = (
            (rows >= edges[..., 0, None, None])
            & (rows < 1 - edges[..., 1, None, None])
            & (cols >= edges[..., 2, None, None])
            & (cols < 1 - edges[..., 3, None, None])
        )
        x = x * inside
    x = x ** torch.exp(per_view(-0.35, 0.35))
    x = (x - 0.5) * per_view(0.8, 1.2) + 0.5 + per_view(-0.06, 0.06)
    x = x + torch.randn(x.shape, generator=generator, device=dev) * per_view(0, 0.02)
    if geometric != "full":
        dy, dx = (int(d) for d in torch.randint(-8, 9, (2,), generator=generator, device=dev))
        x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
    return x.clamp(0, 1)


def view_dropout(n, p, generator):
    """A view mask [N, 3]: with probability p a study loses one view (never more)."""
    dev = generator.device
    mask = torch.ones(n, 3, device=dev)
    drop = torch.rand(n, generator=generator, device=dev) < p
    which = torch.randint(0, 3, (n,), generator=generator, device=dev)
    mask[drop, which[drop]] = 0
    return mask


def predict(net, images, mean, std, device, mask=None, batch=64):
    """Fused logits [N] and view logits [N, 3] for float16 [0, 1] images [N, 3, H, W]."""
    net.eval()
    fused, views = [], []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = (torch.from_numpy(images[i : i + batch].astype(np.float32)).to(device) - mean) / std
            m = (
                torch.ones(len(x), 3)
                if mask is None
                else torch.as_tensor(mask, dtype=torch.float32).expand(len(x), 3)
            )
            x = x * m[:, :, None, None].to(device)
            logit, view_logits, _ = net(x, m.to(device))
            fused.append(logit.cpu().numpy())
            views.append(view_logits.cpu().numpy())
    return np.concatenate(fused), np.concatenate(views)


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name, description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("cache")
    parser.add_argument("out")
    parser.add_argument("--backbone", choices=BACKBONES, default="small")
    parser.add_argument("--fusion", choices=FUSIONS, default="linear")
    parser.add_argument("--hidden", type=int, default=64, help="units of an mlp or map head")
    parser.add_argument(
        "--geometric",
        choices=GEOMETRIC,
        default="full",
        help="full: mirroring, rotation, magnification, collimation; mirror: the facing only; "
        "none: photometric augmentation only",
    )
    parser.add_argument(
        "--no-geometric",
        dest="geometric",
        action="store_const",
        const="none",
        help="the same as --geometric none",
    )
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--view-dropout", type=float, default=0.3)
    parser.add_argument("--aux-weight", type=float, default=0.5)
    parser.add_argument("--limit", type=int, help="use the first N studies only (smoke runs)")
    parser.add_argument("--max-steps", type=int, help="stop each epoch after N steps (smoke)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    data = np.load(args.cache)
    images, labels, ids = data["images"], data["label"], data["patient_id"]
    if args.limit:
        images, labels, ids = images[: args.limit], labels[: args.limit], ids[: args.limit]
    parts = split(ids, labels, args.seed)
    os.makedirs(args.out, exist_ok=True)
    io.write_json(
        os.path.join(args.out, "split.json"),
        {k: sorted({str(ids[i]) for i in v}) for k, v in parts.items()},
    )
    train_idx = np.array(parts["train"])
    sample_idx = np.sort(np.random.default_rng(args.seed).permutation(train_idx)[:500])
    sample = images[sample_idx].astype(np.float32)
    mean, std = float(sample.mean()), float(sample.std())
    print(
        f"{len(labels)} studies: train {len(parts['train'])}, validation "
        f"{len(parts['validation'])}, test {len(parts['test'])}; normalisation mean {mean:.4f} "
        f"std {std:.4f}; backbone {args.backbone}, fusion {args.fusion}; device {device}",
        flush=True,
    )

    net = ThreeViewNet(args.backbone, fusion=args.fusion, hidden=args.hidden).to(device)
    # on a GPU the training images live there (float16), and augmentation runs there
    resident = torch.from_numpy(images).to(device) if device.type == "cuda" else None
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = len(train_idx) // args.batch
    if args.max_steps:
        steps_per_epoch = min(steps_per_epoch, args.max_steps)
    total = max(1, steps_per_epoch * args.epochs)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=total, pct_start=0.15
    )
    gen = torch.Generator(device=device).manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    val_idx = np.array(parts["validation"])
    best, history, started = None, [], time.time()
    step = 0
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = train_idx[rng.permutation(len(train_idx))]
        running = []
        for s in range(steps_per_epoch):
            batch = np.sort(order[s * args.batch : (s + 1) * args.batch])
            x = (
                resident[torch.from_numpy(batch).to(device)].float()
                if resident is not None
                else torch.from_numpy(images[batch].astype(np.float32))
            )
            x = augment(x, gen, args.geometric)
            mask = view_dropout(len(batch), args.view_dropout, gen)
            x = ((x - mean) / std) * mask[:, :, None, None]
            y = torch.from_numpy(labels[batch]).float().to(device)
            logit, view_logits, _ = net(x, mask)
            aux = F.binary_cross_entropy_with_logits(
                view_logits, y[:, None].expand_as(view_logits), weight=mask
            )
            loss = F.binary_cross_entropy_with_logits(logit, y) + args.aux_weight * aux
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            step += 1
            running.append(float(loss))
            if step % 10 == 0 or s + 1 == steps_per_epoch:
                elapsed = time.time() - started
                eta = elapsed / step * (total - step)
                print(
                    f"epoch {epoch}/{args.epochs} step {s + 1}/{steps_per_epoch} "
                    f"loss {np.mean(running[-10:]):.4f} elapsed {elapsed / 60:.1f} min "
                    f"eta {eta / 60:.1f} min",
                    flush=True,
                )
        fused, views = predict(net, images[val_idx], mean, std, device)
        record = {
            "epoch": epoch,
            "train_loss": float(np.mean(running)),
            "val_auroc": metrics.auroc(fused, labels[val_idx]),
            "val_view_auroc": [metrics.auroc(views[:, i], labels[val_idx]) for i in range(3)],
        }
        if not np.isfinite(record["val_auroc"]):
            raise SystemExit(
                "validation AUROC is undefined: the validation split needs studies "
                "of both labels"
            )
        history.append(record)
        print(
            f"epoch {epoch}: validation AUROC fused {record['val_auroc']:.4f}, views "
            + ", ".join(f"{a:.3f}" for a in record["val_view_auroc"]),
            flush=True,
        )
        if best is None or record["val_auroc"] > best["val_auroc"]:
            best = record
            torch.save(
                {
                    "state_dict": {k: v.cpu() for k, v in net.state_dict().items()},
                    "backbone": args.backbone,
                    "fusion": args.fusion,
                    "hidden": args.hidden,
                    "input_size": list(images.shape[2:]),
                    "normalisation": {"mean": mean, "std": std},
                    "epoch": epoch,
                    "seed": args.seed,
                    "args": vars(args),
                    "train_studies": len(train_idx),
                },
                os.path.join(args.out, "model.pt"),
            )
    io.write_json(
        os.path.join(args.out, "history.json"),
        {
            "history": history,
            "best_epoch": best["epoch"],
            "minutes": (time.time() - started) / 60,
            "device": str(device),
            "torch": torch.__version__,
        },
    )
    print(
        f"best epoch {best['epoch']} (validation AUROC {best['val_auroc']:.4f}); "
        f"{(time.time() - started) / 60:.1f} min; model in {args.out}/model.pt"
    )


if __name__ == "__main__":
    main()
