"""Evaluate a trained run on its internal test split and on an external-site cache.

    python3 -m lumbarcds_training.evaluate RUN_DIR INTERNAL.npz EXTERNAL.npz
        [--report docs/model-report.md] [--oracle ORACLE.json] [--ablation ABLATION.json]
        [--robustness ROBUSTNESS.json]

On the validation split it fits the calibration (Platt scaling of the fused logit) and picks the
two operating points (rule-out: sensitivity >= 0.95; rule-in: specificity >= 0.90). On the
internal test split and the external set it reports AUROC with a 95% bootstrap interval,
sensitivity / specificity / PPV / NPV at both operating points, calibration (ECE, reliability
plot), and the fused model against each single view: its best single head (chosen on validation)
and late fusion, with paired bootstrap differences, against the exact-sign oracle's three-view gain
(--oracle, `lumbarcds_training.oracle`'s output). The report also quotes the fusion ablation's table
(--ablation, `lumbarcds_training.ablation table`'s JSON) and the robustness table (--robustness,
`lumbarcds_training.robustness`'s JSON) when given. Writes RUN_DIR/metrics.json, PNG plots next to
the report, and the report itself.
"""
import argparse
import datetime
import os

import numpy as np
import torch

from . import ablation, io, metrics, robustness
from .io import POSTURES
from .metrics import auroc_text as ci
from .metrics import difference_text as diff
from .model import FUSION_WORDS, flops
from .train import geometric_kind

RULE_OUT_SENSITIVITY = 0.95
RULE_IN_SPECIFICITY = 0.90
SYNTHETIC = (
    "Synthetic phantoms only: these figures describe the reference model on the "
    "project's generated radiographs, not performance on patients. The model is not "
    "clinically validated and is not for clinical use."
)


def score_set(net, checkpoint, images, device, batch=64):
    """Every score the report compares, for one set of studies: one pass through the encoders,
    then the fused head once per view mask (a masked view's features do not reach it)."""
    norm = checkpoint["normalisation"]
    masks = {"fused_logit": [1, 1, 1]}
    for i, posture in enumerate(POSTURES):
        masks["only_" + posture] = [float(j == i) for j in range(3)]
        masks["without_" + posture] = [float(j != i) for j in range(3)]
    out = {name: [] for name in masks}
    views = []
    net.eval()
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.from_numpy(images[i : i + batch].astype(np.float32)).to(device)
            x = (x - norm["mean"]) / norm["std"]
            maps = net.feature_maps(x)
            for name, mask in masks.items():
                m = torch.tensor([mask], dtype=torch.float32, device=device).expand(len(x), 3)
                logit, view_logits, _ = net.heads(maps, m)
                out[name].append(logit.cpu().numpy())
            views.append(view_logits.cpu().numpy())
    scores = {name: np.concatenate(values) for name, values in out.items()}
    scores["view_logits"] = np.concatenate(views)
    return scores


def describe(scores, labels, calibration, points, seed, rounds):
    prob = metrics.sigmoid(calibration["a"] * scores["fused_logit"] + calibration["b"])
    ece, bins = metrics.ece(prob, labels)
    result = {
        "studies": int(len(labels)),
        "positives": int(labels.sum()),
        "fused": metrics.bootstrap_auroc(prob, labels, rounds, seed),
        "operating_points": {
            name: metrics.at_threshold(prob, labels, t) for name, t in points.items()
        },
        "calibration": {"ece": ece, "bins": bins},
        "probability_histogram": metrics.histogram(prob),
        "single_view_heads": {
            p: metrics.bootstrap_auroc(scores["view_logits"][:, i], labels, rounds, seed)
            for i, p in enumerate(POSTURES)
        },
        "fused_one_view": {
            p: metrics.bootstrap_auroc(scores["only_" + p], labels, rounds, seed) for p in POSTURES
        },
        "fused_view_missing": {p: metrics.auroc(scores["without_" + p], labels) for p in POSTURES},
    }
    return result, prob


def with_targets(points):
    """Thresholds with the criteria they were chosen by, as metrics.json and the card hold them."""
    return {
        "rule_out": {
            "threshold": points["rule_out"],
            "target": {"sensitivity": RULE_OUT_SENSITIVITY},
        },
        "rule_in": {
            "threshold": points["rule_in"],
            "target": {"specificity": RULE_IN_SPECIFICITY},
        },
    }


def two_view_configurations(scores, labels, calibration, seed, rounds):
    """For each posture that may be missing: the rule-out and rule-in points chosen on validation
    with the card's criteria on the fused model's probability with that view masked (the same
    calibrated graph, its view_mask entry 0), and the figures at those points on every set."""
    out = {}
    for p in POSTURES:
        key = "without_" + p

        def prob(name):
            return metrics.sigmoid(calibration["a"] * scores[name][key] + calibration["b"])

        points = {
            "rule_out": metrics.rule_out_threshold(
                prob("validation"), labels["validation"], RULE_OUT_SENSITIVITY
            ),
            "rule_in": metrics.rule_in_threshold(
                prob("validation"), labels["validation"], RULE_IN_SPECIFICITY
            ),
        }
        entry = {
            "missing": p,
            "views": [v for v in POSTURES if v != p],
            "operating_points": with_targets(points),
        }
        for name in ("validation", "internal_test", "external"):
            entry[name] = {
                "auroc": metrics.bootstrap_auroc(prob(name), labels[name], rounds, seed),
                "operating_points": {
                    k: metrics.at_threshold(prob(name), labels[name], t) for k, t in points.items()
                },
            }
        out[p + "_missing"] = entry
    return out


ROBUSTNESS_LIMIT = 0.02


def three_views(scores, labels, seed, rounds, oracle=None):
    """The fused model against its best single view and late fusion, computed as the ablation
    computes each variant (`ablation.variant`), and against the oracle's targets when given."""
    predictions = {f"{s}/label": labels[s] for s in ablation.SETS}
    for s in ablation.SETS:
        predictions.update({f"{s}/{k}": v for k, v in scores[s].items()})
    result = ablation.variant(predictions, rounds, seed)
    del result["training"]
    result["bootstrap"] = {"rounds": rounds, "seed": seed}
    if oracle is not None:
        result["targets"] = {
            s: {k: (v["model"] if isinstance(v, dict) else v) for k, v in t.items()}
            for s, t in ablation.targets({"model": result}, oracle).items()
        }
    return result


def plots(results, probs, labels, out_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = {}

    def save(fig, name):
        fig.tight_layout()
        paths[name] = os.path.join(out_dir, name + ".png")
        fig.savefig(paths[name], dpi=110)
        plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for ax, name in zip(axes, ("internal_test", "external")):
        s, y = results[name]["_scores"], labels[name]
        fpr, tpr = metrics.roc_curve(probs[name], y)
        ax.plot(fpr, tpr, lw=2, label=f"fused, AUROC {results[name]['fused']['auroc']:.3f}")
        for i, p in enumerate(POSTURES):
            fpr, tpr = metrics.roc_curve(s["view_logits"][:, i], y)
            ax.plot(
                fpr,
                tpr,
                lw=1,
                ls="--",
                label=f"{p} head, " f"{results[name]['single_view_heads'][p]['auroc']:.3f}",
            )
        ax.plot([0, 1], [0, 1], color="grey", lw=0.5)
        ax.set(
            title=name.replace("_", " ") + " (synthetic)",
            xlabel="1 - specificity",
            ylabel="sensitivity",
        )
        ax.legend(loc="lower right", fontsize=8)
    save(fig, "roc")

    fig, ax = plt.subplots(figsize=(5, 4.6))
    for name in ("internal_test", "external"):
        bins = results[name]["calibration"]["bins"]
        ax.plot(
            [b["mean_probability"] for b in bins],
            [b["observed"] for b in bins],
            "o-",
            label=f"{name.replace('_', ' ')}, ECE {results[name]['calibration']['ece']:.3f}",
        )
    ax.plot([0, 1], [0, 1], color="grey", lw=0.5)
    ax.set(
        title="Reliability (synthetic phantoms)",
        xlabel="predicted probability",
        ylabel="observed fraction severe",
    )
    ax.legend(loc="upper left", fontsize=8)
    save(fig, "reliability")
    return paths


def pct(x):
    return f"{100 * x:.1f}"


def rate(r):
    return f"{pct(r['value'])} ({pct(r['ci95'][0])}–{pct(r['ci95'][1])})"


def three_view_section(m):
    """What three views add: the fused model against its best single head and late fusion, the
    oracle's targets, the fusion ablation and the robustness table, as far as they were given."""
    t = m["three_views"]
    internal, external = t["internal_test"], t["external"]
    best = t["best_single_view"]
    lines = [
        "## Three views against one",
        "",
        f"The fused model against its best single head ({best}, the head with the highest "
        "validation AUROC) and against late fusion (the mean of the three heads' logits). "
        "Differences in AUROC are paired: the same studies resampled for both scores "
        f"({t['bootstrap']['rounds']:,} bootstrap resamples), 95% intervals.",
        "",
        "| | internal test | external site |",
        "|---|---|---|",
        f"| {best} head alone | {internal['heads'][best]:.3f} | {external['heads'][best]:.3f} |",
        f"| late fusion | {ci(internal['late_fusion'])} | {ci(external['late_fusion'])} |",
        f"| fused − {best} head | {diff(internal['fused_minus_best_single'])} | "
        f"{diff(external['fused_minus_best_single'])} |",
        f"| fused − late fusion | {diff(internal['fused_minus_late'])} | "
        f"{diff(external['fused_minus_late'])} |",
    ]
    goals = t.get("targets")
    if goals:
        gi, ge = goals["internal_test"], goals["external"]

        def oracle(g):
            return (
                f"{g['oracle_best_single_auroc']:.3f} ({g['oracle_best_single_view']}) → "
                f"{g['oracle_three_view_auroc']:.3f}, gain {g['oracle_gain']:.3f}"
            )

        def met(ok):
            return "**met**" if ok else "**not met**"

        lines += [
            f"| exact-sign oracle: best single view → three views | {oracle(gi)} | "
            f"{oracle(ge)} |",
            "| target: fused − best single ≥ half the oracle's gain, interval above 0 | "
            f"≥ {gi['required_difference']:.3f}: {met(gi['met'])} | "
            f"≥ {ge['required_difference']:.3f}: {met(ge['met'])} |",
            f"| target: fused AUROC within {gi['within_of_oracle']} of the oracle's three views | "
            f"{internal['fused']['auroc']:.3f} against {gi['oracle_three_view_auroc']:.3f}: "
            f"{met(gi['near_oracle'])} | — |",
            "",
            "The exact-sign oracle (`lumbarcds_training.oracle`) is a logistic regression on the "
            "signs exactly as the phantom generates them, fitted on the internal training part: "
            "how much the phantom puts in one view and in three before any image or network. "
            "Its settings are in `metrics.json` (`oracle`).",
        ]
    if m.get("ablation"):
        lines += [
            "",
            "### Fusion ablation",
            "",
            "Each variant trained on the same phantoms, split and seed "
            "(`model/training/ablation.sh`; predictions and table in `model/ablation/`); "
            "differences paired on the same studies.",
            "",
            ablation.markdown(m["ablation"]),
        ]
    r = m.get("robustness")
    if r:
        within = all(
            abs(c["minus_original"]["difference"]) <= ROBUSTNESS_LIMIT
            for name, c in r["conditions"].items()
            if name != "original"
        )
        lines += [
            "",
            "## Robustness to how radiographs arrive",
            "",
            f"The same {r['studies']} external-site studies ({r['positives']} severe) scored as "
            "they are and changed one way at a time (`lumbarcds_training.robustness`, seed "
            f"{r['seed']}): mirrored with the facing unknown (the model's own invariance), "
            "mirrored with Patient Orientation saying so (normalised before the model), rotated "
            "±10°, magnified (pixel spacing 0.10–0.20 mm), collimated, and all together. "
            f"Target: every difference within ±{ROBUSTNESS_LIMIT}: "
            + ("**met**." if within else "**not met**."),
            "",
            robustness.markdown(r),
        ]
    return lines + [""]


def report(m, figures, path):
    internal, external = m["internal_test"], m["external"]
    lines = [
        "# Reference model report",
        "",
        f"> **{SYNTHETIC}**",
        "",
        "Generated by `model/training/lumbarcds_training/evaluate.py` on "
        f"{m['generated']}; every number below is in `metrics.json` of the same run. "
        "Regenerate with the commands in `model/training/README.md`.",
        "",
        "## Model and data",
        "",
        f"- Backbone `{m['model']['backbone']}`: one encoder per posture, fused at feature level "
        f"({FUSION_WORDS[m['model'].get('fusion', 'linear')]}), one auxiliary head per posture; "
        f"{m['model']['parameters']:,} parameters, {m['model']['gflops']:.2f} GFLOP per study "
        f"at {m['model']['input_size'][0]} × {m['model']['input_size'][1]} per view.",
        f"- Trained {m['model']['epochs_trained']} epochs, best validation epoch "
        f"{m['model']['best_epoch']}, on {m['data']['train']} internal-site phantom patients; "
        f"validation {m['data']['validation']}, internal test {m['data']['test']}, external "
        f"site {m['data']['external']} (a different acquisition profile and population).",
        (
            f"- Calibration: Platt scaling fitted on validation, a = {m['calibration']['a']:.4f}, "
            f"b = {m['calibration']['b']:.4f} (applied inside the exported graph)."
            if m["calibration"]["method"] == "platt"
            else f"- Calibration: none ({m['calibration']['reason']})."
        ),
        "",
        "## Discrimination (AUROC, 95% bootstrap interval)",
        "",
        "| | internal test | external site |",
        "|---|---|---|",
        f"| fused, three views | {ci(internal['fused'])} | {ci(external['fused'])} |",
    ]
    for p in POSTURES:
        lines.append(
            f"| {p} head (single view) | {ci(internal['single_view_heads'][p])} | "
            f"{ci(external['single_view_heads'][p])} |"
        )
    for p in POSTURES:
        lines.append(
            f"| fused model, {p} only | {ci(internal['fused_one_view'][p])} | "
            f"{ci(external['fused_one_view'][p])} |"
        )
    for p in POSTURES:
        lines.append(
            f"| fused model, {p} missing | "
            f"{internal['fused_view_missing'][p]:.3f} | "
            f"{external['fused_view_missing'][p]:.3f} |"
        )
    lines += [
        "",
        "Published anchor (real radiographs, severe central LSS vs none): AUROC 0.914 internal, "
        "0.795 external. The phantom was designed to land in that range; it is not evidence "
        "that this model would.",
        "",
        f"![ROC curves]({figures['roc']})",
        "",
    ]
    lines += three_view_section(m)
    lines += [
        "## Operating points (chosen on validation, applied unchanged)",
        "",
        "| | threshold | set | sensitivity | specificity | PPV | NPV |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, target in (
        ("rule_out", f"sensitivity ≥ {RULE_OUT_SENSITIVITY}"),
        ("rule_in", f"specificity ≥ {RULE_IN_SPECIFICITY}"),
    ):
        for label, res in (("internal test", internal), ("external", external)):
            op = res["operating_points"][name]
            lines.append(
                f"| {name} ({target} on validation) | {op['threshold']:.4f} | {label} | "
                f"{rate(op['sensitivity'])} | {rate(op['specificity'])} | "
                f"{rate(op['ppv'])} | {rate(op['npv'])} |"
            )
    if m.get("view_configurations"):
        lines += [
            "",
            "### With one view missing (two-view configurations)",
            "",
            "When exactly one posture is missing or unusable the server runs the model with that "
            "view masked. Each configuration has its own points, chosen on validation with the "
            "same criteria:",
            "",
            "| missing | AUROC internal | AUROC external | point | threshold | set "
            "| sensitivity | specificity |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in m["view_configurations"].values():
            for name in ("rule_out", "rule_in"):
                for label, key in (("internal test", "internal_test"), ("external", "external")):
                    op = c[key]["operating_points"][name]
                    lines.append(
                        f"| {c['missing']} | {ci(c['internal_test']['auroc'])} | "
                        f"{ci(c['external']['auroc'])} | {name} | "
                        f"{c['operating_points'][name]['threshold']:.4f} | {label} | "
                        f"{rate(op['sensitivity'])} | {rate(op['specificity'])} |"
                    )
    lines += [
        "",
        "Percentages with 95% Wilson intervals. Prevalence is 50% in every set (balanced as the "
        "seed paper's cohort); PPV and NPV in practice depend on the local prevalence.",
        "",
        "## Calibration",
        "",
        f"Expected calibration error (10 bins): internal test "
        f"{internal['calibration']['ece']:.3f}, external {external['calibration']['ece']:.3f}.",
        "",
        f"![Reliability]({figures['reliability']})",
        "",
        "## What this does not show",
        "",
        "- Anything about real patients: the phantom's signs, noise and site differences are "
        "modelled, not measured.",
        "- Moderate stenosis: labels are severe versus none, as in the seed paper's cohort.",
        "- Robustness to hardware, fractures, scoliosis or paediatric spines: the phantom has "
        "none of them."
        + (
            ""
            if m.get("robustness")
            else " Nor does this report test mirrored, rotated, magnified or collimated films "
            "(run `lumbarcds_training.robustness` and pass --robustness)."
        ),
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name, description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("run")
    parser.add_argument("internal")
    parser.add_argument("external")
    parser.add_argument("--report", default="docs/model-report.md")
    parser.add_argument("--oracle", help="the exact-sign oracle's JSON (lumbarcds_training.oracle)")
    parser.add_argument("--ablation", help="the fusion ablation's JSON (ablation table)")
    parser.add_argument("--robustness", help="the robustness JSON (lumbarcds_training.robustness)")
    parser.add_argument("--seed", type=int, default=7, help="bootstrap seed")
    parser.add_argument("--rounds", type=int, default=2000, help="bootstrap resamples")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(os.cpu_count() or 1)
    net, checkpoint = io.load_network(os.path.join(args.run, "model.pt"), device)
    split = io.read_json(os.path.join(args.run, "split.json"))
    history = io.read_json(os.path.join(args.run, "history.json"))
    internal = np.load(args.internal)
    patient = internal["patient_id"]
    # every study of the patients in each part (split.json lists patients)
    sets = {
        name: np.flatnonzero(np.isin(patient, split[part]))
        for name, part in (("validation", "validation"), ("internal_test", "test"))
    }
    images = {name: internal["images"][idx] for name, idx in sets.items()}
    labels = {name: internal["label"][idx] for name, idx in sets.items()}
    external = np.load(args.external)
    images["external"], labels["external"] = external["images"], external["label"]

    scores = {name: score_set(net, checkpoint, images[name], device) for name in images}
    calibration = metrics.fit_platt(scores["validation"]["fused_logit"], labels["validation"])
    if not (
        np.isfinite(calibration["a"]) and np.isfinite(calibration["b"]) and calibration["a"] > 0
    ):
        # a slope <= 0 would reverse the ranking: keep the raw logit and say so
        calibration = {
            "method": "none",
            "a": 1.0,
            "b": 0.0,
            "reason": f"Platt slope {calibration['a']:.4g} on validation is not "
            "positive; probabilities are the uncalibrated sigmoid",
        }
    val_prob = metrics.sigmoid(
        calibration["a"] * scores["validation"]["fused_logit"] + calibration["b"]
    )
    points = {
        "rule_out": metrics.rule_out_threshold(
            val_prob, labels["validation"], RULE_OUT_SENSITIVITY
        ),
        "rule_in": metrics.rule_in_threshold(val_prob, labels["validation"], RULE_IN_SPECIFICITY),
    }
    configurations = two_view_configurations(scores, labels, calibration, args.seed, args.rounds)
    oracle = io.read_json(args.oracle) if args.oracle else None
    comparison = three_views(scores, labels, args.seed, args.rounds, oracle)
    results, probs = {}, {}
    for name in ("validation", "internal_test", "external"):
        results[name], probs[name] = describe(
            scores[name], labels[name], calibration, points, args.seed, args.rounds
        )
        results[name]["_scores"] = scores[name]
    report_dir = os.path.dirname(os.path.abspath(args.report))
    figures_dir = os.path.join(report_dir, "model-report")
    os.makedirs(figures_dir, exist_ok=True)
    figures = plots(results, probs, labels, figures_dir)
    for r in results.values():
        del r["_scores"]
    h, w = checkpoint["input_size"]
    m = {
        "generated": datetime.date.today().isoformat(),
        "synthetic": True,
        "statement": SYNTHETIC,
        "model": {
            "backbone": checkpoint["backbone"],
            "fusion": checkpoint.get("fusion", "linear"),
            # the training's geometric augmentation: full (facing, rotation, magnification,
            # collimation), mirror (the facing only) or none
            "geometric": geometric_kind(checkpoint.get("args", {}).get("geometric", False)),
            "input_size": [h, w],
            "parameters": int(sum(p.numel() for p in net.parameters())),
            "gflops": flops(net.cpu(), h, w) / 1e9,
            "best_epoch": history["best_epoch"],
            "epochs_trained": len(history["history"]),
            "training_minutes": history["minutes"],
            "training_device": history["device"],
            "normalisation": checkpoint["normalisation"],
        },
        "checkpoint_sha256": io.sha256_file(os.path.join(args.run, "model.pt")),
        "data": {
            "train": len(split["train"]),
            "validation": len(split["validation"]),
            "test": len(split["test"]),
            "external": int(len(labels["external"])),
        },
        "calibration": calibration,
        "operating_points": with_targets(points),
        "view_configurations": configurations,
        **results,
        "three_views": comparison,
        "oracle": oracle and {k: oracle[k] for k in ("what", "data", "signs")},
        "ablation": io.read_json(args.ablation) if args.ablation else None,
        "robustness": io.read_json(args.robustness) if args.robustness else None,
    }
    io.write_json(os.path.join(args.run, "metrics.json"), m)
    figures = {k: os.path.relpath(v, report_dir) for k, v in figures.items()}
    report(m, figures, args.report)
    print(
        f"internal test AUROC {ci(results['internal_test']['fused'])}, external "
        f"{ci(results['external']['fused'])}; metrics in {args.run}/metrics.json, report "
        f"{args.report}"
    )


if __name__ == "__main__":
    main()
