"""The exported model in PyTorch eager mode on CPU, timed on one study (the Java benchmark's
comparison; tests/bench/inference.sh runs both).

    python3 -m lumbarcds_training.bench_torch CARD.json STUDY_DIR [--warmup 5] [--runs 30]
        [--threads 2]
"""
import argparse
import os
import time

import numpy as np
import torch

from . import io
from .io import POSTURES
from .model import Exported
from .preprocess import model_input


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, int(np.ceil(p / 100 * len(ordered))) - 1)]


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name, description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("card")
    parser.add_argument("study")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    card = io.read_json(args.card)
    net, weights = io.load_network(
        os.path.join(os.path.dirname(args.card), card["file"]["pytorch"]["name"])
    )
    graph = Exported(net, weights["calibration"]).eval()
    h, w = card["input"]["height"], card["input"]["width"]
    norm = card["input"]["normalisation"]

    def inputs():
        return [
            torch.from_numpy(
                model_input(
                    io.read_view(args.study, p),
                    h,
                    w,
                    norm["mean"],
                    norm["std"],
                )
            )[None, None]
            for p in POSTURES
        ]

    mask = torch.ones(1, 3)
    ready = inputs()
    study_ms, model_ms = [], []
    with torch.no_grad():
        for i in range(-args.warmup, args.runs):  # the whole study, from files on disk
            t0 = time.perf_counter()
            graph(*inputs(), mask)
            if i >= 0:
                study_ms.append((time.perf_counter() - t0) * 1e3)
        for i in range(-args.warmup, args.runs):  # the model alone
            t0 = time.perf_counter()
            graph(*ready, mask)
            if i >= 0:
                model_ms.append((time.perf_counter() - t0) * 1e3)
    print("step\tp50_ms\tp95_ms\tmin_ms")
    for name, values in (
        ("study: pydicom + preprocess + PyTorch eager", study_ms),
        ("model only: PyTorch eager", model_ms),
    ):
        print(
            f"{name}\t{percentile(values, 50):.1f}\t{percentile(values, 95):.1f}\t"
            f"{min(values):.1f}"
        )
    print(f"PyTorch {torch.__version__}, {args.threads} threads")


if __name__ == "__main__":
    main()
