"""Export an evaluated run to ONNX and write its model card.

    python3 -m lumbarcds_training.export RUN_DIR OUT_DIR [--id lumbar-cds-lss-3view-phantom]
        [--version 1.0.0]

Reads RUN_DIR/model.pt and RUN_DIR/metrics.json (lumbarcds_training.evaluate). Writes
OUT_DIR/<id>.onnx, whose graph meets the model contract (docs/design.md):

- inputs `neutral`, `flexion`, `extension` float32 [N, 1, H, W] (normalised as the card says)
  and `view_mask` float32 [N, 3] (1 = view present; a missing view's input is all zeros);
- outputs `probability` [N] (calibrated), `view_logits` [N, 3], `cam` [N, 3, h, w];

and OUT_DIR/<id>.card.json: every number in it is copied from metrics.json or measured here
(SHA-256, size, FLOPs), none typed.
"""
import argparse
import datetime
import inspect
import os

import torch

from . import io
from .evaluate import SYNTHETIC
from .io import POSTURES
from .model import FUSION_WORDS, Exported
from .train import geometric_kind

INPUTS = list(POSTURES) + ["view_mask"]
OUTPUTS = ["probability", "view_logits", "cam"]


def export_onnx(net, calibration, height, width, path):
    graph = Exported(net.cpu().eval(), calibration).eval()
    sample = tuple(torch.zeros(1, 1, height, width) for _ in POSTURES) + (torch.ones(1, 3),)
    dynamic = {name: {0: "batch"} for name in INPUTS + OUTPUTS}
    options = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        # PyTorch 2.9+ defaults to the dynamo exporter; keep TorchScript's
        options["dynamo"] = False
    with torch.no_grad():
        torch.onnx.export(
            graph,
            sample,
            path,
            input_names=INPUTS,
            output_names=OUTPUTS,
            dynamic_axes=dynamic,
            opset_version=17,
            do_constant_folding=True,
            **options,
        )
    import onnx

    model = onnx.load(path)
    onnx.checker.check_model(model)
    names = ([i.name for i in model.graph.input], [o.name for o in model.graph.output])
    if names != (INPUTS, OUTPUTS):
        raise SystemExit(f"exported graph breaks the contract: {names}")
    with torch.no_grad():
        cam = graph(*sample)[2]
    return list(cam.shape[2:]), int(model.opset_import[0].version)


def checksum(values):
    """A position-weighted sum: a shifted or flipped input changes it, unlike a mean."""
    import numpy as np

    flat = np.asarray(values, np.float64).ravel()
    return float((flat * (np.arange(flat.size) % 997 + 1)).sum() / flat.size)


def parity(net, calibration, card_json, studies, path):
    """The Python pipeline's outputs for some studies (pydicom -> preprocess -> the exported
    graph in PyTorch), for the Java inference to match: every study with all views, and the first
    again without its flexion view."""
    import numpy as np

    from .preprocess import model_input

    graph = Exported(net.cpu().eval(), calibration).eval()
    norm = card_json["input"]["normalisation"]
    h, w = card_json["input"]["height"], card_json["input"]["width"]
    cases = [(study, tuple(POSTURES)) for study in studies]
    cases.append((studies[0], ("neutral", "extension")))
    results = []
    for study, present in cases:
        views = {
            p: model_input(io.read_view(study, p), h, w, norm["mean"], norm["std"]) for p in present
        }
        tensors = [
            torch.from_numpy(views[p])[None, None] if p in views else torch.zeros(1, 1, h, w)
            for p in POSTURES
        ]
        mask = torch.tensor([[1.0 if p in views else 0.0 for p in POSTURES]])
        with torch.no_grad():
            probability, view_logits, cam = graph(*tensors, mask)
        results.append(
            {
                "study": os.path.basename(os.path.normpath(study)),
                "views": list(present),
                "input_means": {p: float(np.mean(v)) for p, v in views.items()},
                "input_checksums": {p: checksum(v) for p, v in views.items()},
                "probability": float(probability[0]),
                "view_logits": view_logits[0].tolist(),
                "cam_sums": cam[0].sum(dim=(1, 2)).tolist(),
            }
        )
    io.write_json(
        path,
        {
            "model": card_json["id"],
            "sha256": card_json["file"]["sha256"],
            "tolerance": 1e-4,
            "cases": results,
        },
    )


def point(m, name):
    return {
        "threshold": m["operating_points"][name]["threshold"],
        "chosen_on": "validation",
        "target": m["operating_points"][name]["target"],
        "internal_test": m["internal_test"]["operating_points"][name],
        "external": m["external"]["operating_points"][name],
    }


def view_configurations(m):
    """The card's two-view configurations: per missing posture, its own points (chosen on
    validation with the card's criteria) and its figures; empty for a run evaluated before
    they existed."""
    out = {}
    for key, c in m.get("view_configurations", {}).items():
        out[key] = {
            "missing": c["missing"],
            "views": c["views"],
            "operating_points": {
                name: {
                    "threshold": c["operating_points"][name]["threshold"],
                    "chosen_on": "validation",
                    "target": c["operating_points"][name]["target"],
                    "internal_test": c["internal_test"]["operating_points"][name],
                    "external": c["external"]["operating_points"][name],
                }
                for name in ("rule_out", "rule_in")
            },
            "auroc": {
                "internal_test": c["internal_test"]["auroc"],
                "external": c["external"]["auroc"],
            },
        }
    return out


CAM_MEANING = {
    "linear": "each cell's contribution to the fused logit, per view (gradient x activation, "
    "exact for this head); the mean of a view's map is that view's share of the logit",
    "mlp": "each cell's gradient x activation for the fused logit, per view (Grad-CAM's "
    "weights, not rectified): where the view pushed the logit up (positive) or down",
    "map": "each cell's gradient x activation for the fused logit, per view, the gradient taken "
    "at that location through the fused feature maps: where the view pushed the logit up "
    "(positive) or down",
}
# what the training's augmentation covered (train --geometric)
FACING = {
    "none": "Left-facing lateral views of adult lumbar spines without hardware.",
    "mirror": "Lateral views of adult lumbar spines without hardware; trained with either facing "
    "(augmentation), and a view's facing is normalised from Patient Orientation where the header "
    "gives it; rotation, magnification and collimation were not varied in training.",
    "full": "Lateral views of adult lumbar spines without hardware; trained with either facing, "
    "rotation up to 10 degrees, pixel spacing 0.10-0.20 mm and varied collimation "
    "(augmentation), and a view's facing is normalised from Patient Orientation where the "
    "header gives it.",
}


def card(m, model_id, version, onnx_name, digest, size, cam_size, opset):
    h, w = m["model"]["input_size"]
    aurocs = {
        name: {
            "fused": m[name]["fused"],
            "single_view_heads": m[name]["single_view_heads"],
            "fused_one_view": m[name]["fused_one_view"],
            "fused_view_missing": m[name]["fused_view_missing"],
            "ece": m[name]["calibration"]["ece"],
            "studies": m[name]["studies"],
            "probability_histogram": m[name]["probability_histogram"],
        }
        for name in ("internal_test", "external")
    }
    return {
        "id": model_id,
        "version": version,
        "name": "Severe central lumbar spinal stenosis from three-posture lateral radiographs "
        "(reference model, synthetic phantoms)",
        "created": datetime.date.today().isoformat(),
        "synthetic": True,
        "statement": SYNTHETIC,
        "file": {
            "name": onnx_name,
            "sha256": digest,
            "bytes": size,
            "format": "ONNX",
            "opset": opset,
        },
        "architecture": {
            "backbone": m["model"]["backbone"],
            "fusion": "feature level, one encoder per posture: "
            + FUSION_WORDS[m["model"].get("fusion", "linear")],
            "parameters": m["model"]["parameters"],
            "gflops_per_study": m["model"]["gflops"],
        },
        "input": {
            "views": list(POSTURES),
            "height": h,
            "width": w,
            "channels": 1,
            "dtype": "float32",
            "layout": "NCHW",
            "view_mask": "float32 [N, 3], 1 = view present; a missing view's input is all zeros",
            "preprocessing": {
                "grey": "Modality LUT or rescale; first VOI window, else first VOI LUT, else the "
                "image's full range; inverted for MONOCHROME1 or Presentation LUT Shape "
                "INVERSE; values in [0, 1], bone bright",
                "resize": "area",
                "keep_aspect": True,
                "pad_value": 0.0,
                "align": "centre",
            },
            "normalisation": {
                "mean": m["model"]["normalisation"]["mean"],
                "std": m["model"]["normalisation"]["std"],
                "applied": "after padding: (x - mean) / std",
            },
        },
        "output": {
            "probability": "calibrated probability of severe central stenosis, [N]",
            "view_logits": "per-posture auxiliary head logits (uncalibrated), [N, 3]; "
            "sigmoid gives the single-view score",
            "cam": {
                "shape": [3] + cam_size,
                "meaning": CAM_MEANING[m["model"].get("fusion", "linear")],
            },
        },
        "calibration": {**m["calibration"], "applied_in_graph": True},
        "operating_points": {"rule_out": point(m, "rule_out"), "rule_in": point(m, "rule_in")},
        "view_configurations": view_configurations(m),
        "training_data": {
            "description": "Procedural phantom radiographs from "
            "model/training/lumbarcds_training/phantom.py: lateral L1-S1 in neutral, flexion "
            "and extension; latent severity drives the label (severe central stenosis vs none) "
            "and the signs",
            "synthetic": True,
            "train": m["data"]["train"],
            "validation": m["data"]["validation"],
            "internal_test": m["data"]["test"],
            "external": m["data"]["external"],
            "sites": {
                "internal": "training site profile",
                "external": "different acquisition profile and older population",
            },
        },
        "metrics": {
            **aurocs,
            "generated": m["generated"],
            "source": "model/training/lumbarcds_training/evaluate.py (metrics.json)",
        },
        "intended_use": "Reference model for testing the lumbar-cds pipeline end to end. A "
        "hospital replaces it with a model trained and validated on its own "
        "labelled studies using the same scripts.",
        "limitations": [
            "Trained and evaluated on synthetic phantoms only; not clinically validated; not "
            "for clinical use.",
            "Severe central stenosis versus none: moderate, foraminal and lateral-recess "
            "stenosis are outside what it was trained on.",
            FACING[geometric_kind(m["model"].get("geometric", False))],
            "The published three-posture model's figures on real radiographs (see "
            "docs/model-report.md) are the expectation for a model trained on real studies, "
            "not for this one.",
        ],
    }


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name, description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("run")
    parser.add_argument("out")
    parser.add_argument("--id", default="lumbar-cds-lss-3view-phantom")
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument(
        "--parity",
        nargs="*",
        default=[],
        help="study folders (neutral.dcm, flexion.dcm, extension.dcm) whose "
        "Python outputs go to OUT_DIR/<id>.parity.json",
    )
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    net, checkpoint = io.load_network(os.path.join(args.run, "model.pt"))
    m = io.read_json(os.path.join(args.run, "metrics.json"))
    os.makedirs(args.out, exist_ok=True)
    onnx_name = f"{args.id}.onnx"
    path = os.path.join(args.out, onnx_name)
    h, w = checkpoint["input_size"]
    if m.get("checkpoint_sha256") != io.sha256_file(os.path.join(args.run, "model.pt")):
        raise SystemExit(
            "metrics.json was not computed for this model.pt: run lumbarcds_training.evaluate again"
        )
    cam_size, opset = export_onnx(net, m["calibration"], h, w, path)
    # the same weights for PyTorch: fine-tuning, and the eager-mode benchmark
    weights = os.path.join(args.out, f"{args.id}.pt")
    torch.save(
        {
            "state_dict": net.state_dict(),
            "backbone": checkpoint["backbone"],
            "fusion": checkpoint.get("fusion", "linear"),
            "hidden": checkpoint.get("hidden", 64),
            "calibration": m["calibration"],
            "input_size": [h, w],
            "normalisation": checkpoint["normalisation"],
        },
        weights,
    )
    result = card(
        m,
        args.id,
        args.version,
        onnx_name,
        io.sha256_file(path),
        os.path.getsize(path),
        cam_size,
        opset,
    )
    result["file"]["pytorch"] = {
        "name": os.path.basename(weights),
        "sha256": io.sha256_file(weights),
    }
    io.write_json(os.path.join(args.out, f"{args.id}.card.json"), result)
    if args.parity:
        parity(
            net,
            m["calibration"],
            result,
            args.parity,
            os.path.join(args.out, f"{args.id}.parity.json"),
        )
    print(f"{path}: {os.path.getsize(path) / 1e6:.2f} MB, sha256 {result['file']['sha256']}")


if __name__ == "__main__":
    main()
