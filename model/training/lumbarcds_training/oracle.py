"""The exact-sign oracle: how much the phantom puts in one view and in three, before any image.

    python3 -m lumbarcds_training.oracle OUT.json [--internal-seed 1 --internal-patients 5000]
        [--external-seed 2 --external-patients 1000] [--split-seed 1] [--large 20000]

An oracle reads the signs exactly as the phantom generates them (lumbarcds_training.phantom),
without rendering, noise of acquisition or a network:

- every view shows the static signs: the bony canal at L3 and L4, disc height loss at L3-4 and
  L4-5, facet hypertrophy and osteophytes;
- a view shows L4's position over L5 in that posture: the patient's own alignment + the static
  slip + the posture's share of the dynamic slip (flexion 1, neutral 0, extension -1/2, as
  `phantom.build_spine` places the vertebra) + the posture's own jitter (SD 0.4 mm);
- "one view" is the static signs and that view's position; "three views" the static signs and
  the three positions.

A logistic regression (standardised signs, Newton's method) is fitted on the training part of
the internal set (the same patient-level split `train` makes with the same seed) and scored on
the internal test part and on the external site, as the model is: the AUROC of each, with a 95%
bootstrap interval. A second, large internal set (fitted on one half, scored on the other) gives
the population values without the test set's sampling noise. Deterministic for given seeds.

SYNTHETIC PHANTOMS: these figures describe the generator, not patients.
"""
import argparse

import numpy as np

from . import io, metrics, phantom
from .io import POSTURES

# the posture's share of the dynamic slip, as phantom.build_spine applies it
SHARE = {"neutral": 0.0, "flexion": 1.0, "extension": -0.5}
JITTER_MM = 0.4  # phantom.build_spine's per-view jitter of the L4-5 position
STATIC = ("canal_l3_mm", "canal_l4_mm", "disc_loss_l34", "disc_loss_l45", "facet_hypertrophy")
STATIC += ("osteophytes",)
NARROWER = ("canal_l3_mm", "canal_l4_mm")  # a smaller value is the sign


def patients(site, seed, count):
    """The phantom's patients exactly as `phantom.write_patient` draws them."""
    site_index = list(phantom.SITES).index(site)
    return [
        phantom.make_patient(np.random.default_rng([seed, i, site_index]), i, site)
        for i in range(count)
    ]


def signs(people, seed):
    """Per patient: the static signs [N, 6] and the L4-5 position each view shows [N, 3]."""
    static = np.array(
        [[-getattr(p, n) if n in NARROWER else getattr(p, n) for n in STATIC] for p in people]
    )
    jitter = np.random.default_rng([seed, 4045]).normal(0, JITTER_MM, (len(people), 3))
    position = np.array(
        [
            [
                p.alignment_l45_mm + p.slip_l45_mm + SHARE[v] * p.dynamic_slip_l45_mm
                for v in POSTURES
            ]
            for p in people
        ]
    )
    return static, position + jitter


def features(static, position, views):
    """The signs an oracle of these views (indexes into POSTURES) sees."""
    return np.c_[static, position[:, list(views)]]


def fit_logistic(x, y, iterations=50, ridge=1e-6):
    """Standardisation and logistic-regression weights (Newton's method, a tiny ridge)."""
    mean, std = x.mean(0), x.std(0)
    z = np.c_[(x - mean) / std, np.ones(len(x))]
    w = np.zeros(z.shape[1])
    for _ in range(iterations):
        p = metrics.sigmoid(z @ w)
        grad = z.T @ (p - y) + ridge * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + ridge * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return mean, std, w


def score(model, x):
    mean, std, w = model
    return np.c_[(x - mean) / std, np.ones(len(x))] @ w


CONFIGURATIONS = {
    **{f"{v} only": (i,) for i, v in enumerate(POSTURES)},
    **{f"{v} missing": tuple(j for j in range(3) if j != i) for i, v in enumerate(POSTURES)},
    "three views": (0, 1, 2),
}


def oracle(train, evaluations, rounds, seed):
    """Each configuration fitted on `train` (static, position, labels), scored on every
    evaluation set: {configuration: {set: bootstrap AUROC}}, plus the best single view and the
    three-view gain over it per set."""
    out = {}
    for name, views in CONFIGURATIONS.items():
        model = fit_logistic(features(*train[:2], views), train[2])
        out[name] = {
            set_name: metrics.bootstrap_auroc(
                score(model, features(static, position, views)), y, rounds, seed
            )
            for set_name, (static, position, y) in evaluations.items()
        }
    summary = {}
    for set_name in evaluations:
        best = max((f"{v} only" for v in POSTURES), key=lambda n: out[n][set_name]["auroc"])
        summary[set_name] = {
            "best_single_view": best,
            "best_single_auroc": out[best][set_name]["auroc"],
            "three_view_auroc": out["three views"][set_name]["auroc"],
            "gain": out["three views"][set_name]["auroc"] - out[best][set_name]["auroc"],
        }
    return {"configurations": out, "summary": summary}


def run(args):
    from .train import split

    internal = patients("internal", args.internal_seed, args.internal_patients)
    external = patients("external", args.external_seed, args.external_patients)
    static, position = signs(internal, args.internal_seed)
    labels = np.array([p.label for p in internal])
    ids = np.array([p.patient_id for p in internal])
    parts = {k: np.array(v) for k, v in split(ids, labels, args.split_seed).items()}
    x_static, x_position = signs(external, args.external_seed)
    y_external = np.array([p.label for p in external])
    matched = oracle(
        (static[parts["train"]], position[parts["train"]], labels[parts["train"]]),
        {
            "internal test": (
                static[parts["test"]],
                position[parts["test"]],
                labels[parts["test"]],
            ),
            "external": (x_static, x_position, y_external),
        },
        args.rounds,
        args.bootstrap_seed,
    )
    large = patients("internal", args.large_seed, args.large)
    l_static, l_position = signs(large, args.large_seed)
    l_labels = np.array([p.label for p in large])
    half = len(large) // 2
    population = oracle(
        (l_static[:half], l_position[:half], l_labels[:half]),
        {"internal, large": (l_static[half:], l_position[half:], l_labels[half:])},
        args.rounds,
        args.bootstrap_seed,
    )
    return {
        "synthetic": True,
        "what": "exact-sign oracle: logistic regression on the signs as the phantom generates them",
        "data": {
            "internal": {"seed": args.internal_seed, "patients": args.internal_patients},
            "external": {"seed": args.external_seed, "patients": args.external_patients},
            "split_seed": args.split_seed,
            "fitted_on": f"internal training part ({len(parts['train'])} patients)",
            "large": {"seed": args.large_seed, "patients": args.large, "fitted_on": "first half"},
            "bootstrap": {"rounds": args.rounds, "seed": args.bootstrap_seed},
        },
        "signs": {"static": list(STATIC), "per_view": "L4-5 position", "jitter_mm": JITTER_MM},
        "matched": matched,
        "population": population,
    }


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name, description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("out")
    parser.add_argument("--internal-seed", type=int, default=1)
    parser.add_argument("--internal-patients", type=int, default=5000)
    parser.add_argument("--external-seed", type=int, default=2)
    parser.add_argument("--external-patients", type=int, default=1000)
    parser.add_argument("--split-seed", type=int, default=1)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--large-seed", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--bootstrap-seed", type=int, default=0)
    result = run(parser.parse_args())
    io.write_json(parser.parse_args().out, result)
    for block in (result["matched"], result["population"]):
        for set_name, s in block["summary"].items():
            print(
                f"{set_name}: three views {s['three_view_auroc']:.3f}, best single view "
                f"({s['best_single_view']}) {s['best_single_auroc']:.3f}, gain {s['gain']:.3f}"
            )


if __name__ == "__main__":
    main()
