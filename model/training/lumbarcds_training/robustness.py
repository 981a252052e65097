"""How the model holds up when radiographs arrive differently: the same studies, changed.

    python3 -m lumbarcds_training.robustness RUN DATA OUT.json [--studies 1000] [--seed 3]
        [--markdown OUT.md]

RUN is a training run (its model.pt) or the exported weights' folder; DATA a study folder tree
with labels.csv (DICOM, as the phantom writes it). Every study is scored as it is and changed in
one way at a time — each view's grey image (after the VOI stage, before the resize) transformed,
then preprocessed exactly as the server does:

- mirrored: every view mirrored, Patient Orientation removed (the facing unknown: the model's own
  invariance is tested);
- mirrored, Patient Orientation A\\F: every view mirrored and its header saying so (the facing is
  normalised before the model: `preprocess.canonical`);
- rotated: each view by its own angle, uniform in -10..10 degrees;
- magnified: each view as if acquired at a pixel spacing uniform in 0.10..0.20 mm on a film laid
  out for 0.15 mm (scaled about the centre by 0.15 / spacing, cropped or padded to its size);
- collimated: each view's borders darkened by 0..15% of its size on each side;
- all of these together (facing unknown).

For each condition: the fused AUROC with a 95% bootstrap interval and the paired bootstrap
difference from the original (the same studies resampled for both). Deterministic for a seed.

SYNTHETIC PHANTOMS: these figures describe the model on generated radiographs.
"""
import argparse
import copy
import os

import numpy as np
import pydicom
from scipy import ndimage

from . import io, metrics, preprocess
from .io import POSTURES

CONDITIONS = (
    "original",
    "mirrored",
    "mirrored, Patient Orientation A\\F",
    "rotated ±10°",
    "magnified (0.10–0.20 mm)",
    "collimated (0–15%)",
    "all together",
)


def zoom_about_centre(image, factor):
    """The image scaled by `factor` about its centre, cropped or padded (black) to its size."""
    zoomed = ndimage.zoom(image, factor, order=1)
    out = np.zeros_like(image)
    rows, cols = image.shape
    zr, zc = zoomed.shape
    # centre the overlap of the two
    r0, c0 = max(0, (zr - rows) // 2), max(0, (zc - cols) // 2)
    t0, l0 = max(0, (rows - zr) // 2), max(0, (cols - zc) // 2)
    h, w = min(rows, zr), min(cols, zc)
    out[t0 : t0 + h, l0 : l0 + w] = zoomed[r0 : r0 + h, c0 : c0 + w]
    return out


def collimate(image, edges):
    """Borders darkened: `edges` the share of rows / columns cut at top, bottom, left, right."""
    out = image.copy()
    rows, cols = image.shape
    top, bottom = int(edges[0] * rows), int(edges[1] * rows)
    left, right = int(edges[2] * cols), int(edges[3] * cols)
    out[:top] = 0
    out[rows - bottom :] = 0
    out[:, :left] = 0
    out[:, cols - right :] = 0
    return out


def changed(ds, image, condition, rng, height, width, mean, std):
    """One view's model input under a condition, from its dataset `ds` and its grey image
    (`preprocess.grey(ds)`, read once for every condition); the draws come from `rng` in a fixed
    order."""
    angle = rng.uniform(-10, 10)
    spacing = rng.uniform(0.10, 0.20)
    edges = rng.uniform(0, 0.15, 4)
    if condition == "mirrored, Patient Orientation A\\F":
        header = copy.deepcopy(ds)
        header.PatientOrientation = ["A", "F"]
        image = preprocess.canonical(header, image[:, ::-1])
    if condition in ("mirrored", "all together"):
        image = image[:, ::-1]
    if condition in ("rotated ±10°", "all together"):
        image = ndimage.rotate(image, angle, reshape=False, order=1, cval=0.0)
    if condition in ("magnified (0.10–0.20 mm)", "all together"):
        image = zoom_about_centre(image, 0.15 / spacing)
    if condition in ("collimated (0–15%)", "all together"):
        image = collimate(image, edges)
    return ((preprocess.resize_pad(np.clip(image, 0, 1), height, width) - mean) / std).astype(
        np.float32
    )


def score(net, inputs, device, batch=32):
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(inputs), batch):
            x = torch.from_numpy(inputs[i : i + batch]).to(device)
            logit, _, _ = net(x, torch.ones(len(x), 3, device=device))
            out.append(logit.cpu().numpy())
    return np.concatenate(out)


def run(run_dir, data, studies, seed, rounds):
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    path = os.path.join(run_dir, "model.pt")
    if not os.path.exists(path):
        path = next(
            os.path.join(run_dir, f) for f in sorted(os.listdir(run_dir)) if f.endswith(".pt")
        )
    net, checkpoint = io.load_network(path, device)
    h, w = checkpoint["input_size"]
    norm = checkpoint["normalisation"]
    records = io.read_labels(data)[:studies]
    labels = np.array([int(r["label"]) for r in records])
    inputs = {c: np.zeros((len(records), 3, h, w), np.float32) for c in CONDITIONS}
    for i, record in enumerate(records):
        for v, posture in enumerate(POSTURES):
            ds = pydicom.dcmread(io.labelled_view(data, record, posture))
            # the facing as the film has it, whatever its header says: each condition says its own
            image = preprocess.grey(ds)
            for c in CONDITIONS:
                # the same draws for a view under every condition: only the condition differs
                rng = np.random.default_rng([seed, i, v])
                inputs[c][i, v] = changed(ds, image, c, rng, h, w, norm["mean"], norm["std"])
    scores = {c: score(net, inputs[c], device) for c in CONDITIONS}
    result = {
        "synthetic": True,
        "model": path,
        "data": data,
        "studies": len(records),
        "positives": int(labels.sum()),
        "seed": seed,
        "conditions": {},
    }
    for c in CONDITIONS:
        result["conditions"][c] = {
            "auroc": metrics.bootstrap_auroc(scores[c], labels, rounds, seed),
            "minus_original": metrics.paired_bootstrap_difference(
                scores[c], scores["original"], labels, rounds, seed
            ),
        }
    return result


def markdown(result):
    rows = [
        "| condition | AUROC (95% CI) | difference from the original (95% CI) |",
        "|---|---|---|",
    ]
    for c, r in result["conditions"].items():
        a, d = r["auroc"], r["minus_original"]
        rows.append(f"| {c} | {metrics.auroc_text(a)} | {metrics.difference_text(d)} |")
    return "\n".join(rows) + "\n"


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name, description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("run")
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--markdown")
    args = parser.parse_args()
    result = run(args.run, args.data, args.studies, args.seed, args.rounds)
    io.write_json(args.out, result)
    table = markdown(result)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    print(table)


if __name__ == "__main__":
    main()
