"""Discrimination, operating points and calibration, in numpy and scipy: every number on the model
card. scikit-learn is not needed here; tests/test_metrics.py checks these against it."""
import math

import numpy as np
from scipy.stats import rankdata


def auroc(score, label):
    """Area under the ROC curve by the rank statistic, ties counted half."""
    score, label = np.asarray(score, float), np.asarray(label, int)
    n1 = int(label.sum())
    n0 = len(label) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(score)  # average ranks over ties
    return float((ranks[label == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def bootstrap_auroc(score, label, rounds=2000, seed=0):
    """AUROC with a 95% percentile bootstrap interval (studies resampled with replacement; one
    study per patient in the phantom sets). Resamples holding one label only are left out (their
    AUROC is undefined) and `rounds` counts the others; with none left the interval is NaN."""
    score, label = np.asarray(score, float), np.asarray(label, int)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        idx = rng.integers(0, len(score), len(score))
        if 0 < label[idx].sum() < len(idx):
            values.append(auroc(score[idx], label[idx]))
    lo, hi = np.percentile(values, [2.5, 97.5]) if values else (float("nan"), float("nan"))
    return {"auroc": auroc(score, label), "ci95": [float(lo), float(hi)], "rounds": len(values)}


def paired_bootstrap_difference(score_a, score_b, label, rounds=2000, seed=0):
    """AUROC(a) - AUROC(b) on the same studies, with a 95% percentile interval from resampling
    the studies once for both (paired): the interval of a difference excludes 0 only when the
    same studies rank better under one score."""
    a, b = np.asarray(score_a, float), np.asarray(score_b, float)
    label = np.asarray(label, int)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        idx = rng.integers(0, len(a), len(a))
        if 0 < label[idx].sum() < len(idx):
            values.append(auroc(a[idx], label[idx]) - auroc(b[idx], label[idx]))
    lo, hi = np.percentile(values, [2.5, 97.5]) if values else (float("nan"), float("nan"))
    return {
        "difference": auroc(a, label) - auroc(b, label),
        "ci95": [float(lo), float(hi)],
        "rounds": len(values),
    }


def roc_curve(score, label):
    """False and true positive rates at every distinct threshold, from (0, 0) to (1, 1)."""
    score, label = np.asarray(score, float), np.asarray(label, int)
    thresholds = np.unique(score)[::-1]
    p, n = label.sum(), len(label) - label.sum()
    tpr = [0.0] + [float((score[label == 1] >= t).sum() / p) for t in thresholds]
    fpr = [0.0] + [float((score[label == 0] >= t).sum() / n) for t in thresholds]
    return np.array(fpr), np.array(tpr)


def wilson(k, n):
    """95% Wilson score interval of a proportion k / n."""
    if n == 0:
        return [float("nan"), float("nan")]
    z = 1.959964
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # at k = 0 and k = n the bound is 0 or 1 exactly; computed, it may miss by a rounding error
    return [0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half)]


def at_threshold(prob, label, threshold):
    """Sensitivity, specificity, PPV and NPV (with Wilson intervals) of prob >= threshold."""
    prob, label = np.asarray(prob, float), np.asarray(label, int)
    positive = prob >= threshold
    tp = int((positive & (label == 1)).sum())
    fp = int((positive & (label == 0)).sum())
    tn = int((~positive & (label == 0)).sum())
    fn = int((~positive & (label == 1)).sum())

    def rate(k, n):
        return {"value": k / n if n else float("nan"), "ci95": wilson(k, n), "k": k, "n": n}

    return {
        "threshold": float(threshold),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "sensitivity": rate(tp, tp + fn),
        "specificity": rate(tn, tn + fp),
        "ppv": rate(tp, tp + fp),
        "npv": rate(tn, tn + fn),
    }


def rule_out_threshold(prob, label, sensitivity=0.95):
    """The highest threshold at which prob >= threshold keeps sensitivity >= the target:
    below it the result rules out."""
    if not 0 < sensitivity <= 1:
        raise ValueError(f"sensitivity target {sensitivity} is not in (0, 1]")
    positives = np.sort(np.asarray(prob, float)[np.asarray(label) == 1])
    if len(positives) == 0:
        raise ValueError("no positive study to choose a rule-out threshold on")
    allowed_misses = int(math.floor((1 - sensitivity) * len(positives) + 1e-9))
    return float(positives[allowed_misses])


def rule_in_threshold(prob, label, specificity=0.90):
    """The lowest threshold at which prob >= threshold keeps specificity >= the target."""
    if not 0 < specificity <= 1:
        raise ValueError(f"specificity target {specificity} is not in (0, 1]")
    negatives = np.sort(np.asarray(prob, float)[np.asarray(label) == 0])
    if len(negatives) == 0:
        raise ValueError("no negative study to choose a rule-in threshold on")
    keep = int(math.ceil(specificity * len(negatives) - 1e-9))  # negatives that must fall below
    if keep >= len(negatives):
        return float(np.nextafter(negatives[-1], np.inf))
    return float(np.nextafter(negatives[keep - 1], np.inf)) if keep > 0 else float(negatives[0])


def ece(prob, label, bins=10):
    """Expected calibration error over equal-width bins, and the bins for a reliability plot."""
    prob, label = np.asarray(prob, float), np.asarray(label, int)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    table, total = [], 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            confidence, observed = float(prob[sel].mean()), float(label[sel].mean())
            total += sel.sum() / len(prob) * abs(confidence - observed)
            table.append(
                {
                    "lo": float(edges[b]),
                    "hi": float(edges[b + 1]),
                    "n": int(sel.sum()),
                    "mean_probability": confidence,
                    "observed": observed,
                }
            )
    return float(total), table


def histogram(prob, bins=20):
    """Counts of probabilities over equal-width bins of [0, 1] (the last bin includes 1): the
    distribution a deployed model's results are compared with to see drift."""
    prob = np.clip(np.asarray(prob, float), 0, 1)
    edges = np.linspace(0, 1, bins + 1)
    counts, _ = np.histogram(prob, bins=edges)
    return {"edges": [round(float(e), 6) for e in edges], "counts": [int(c) for c in counts]}


def fit_platt(logit, label, iterations=100):
    """Platt scaling: a, b minimising the log loss of sigmoid(a * logit + b) against Platt's
    smoothed targets ((N+ + 1) / (N+ + 2) and 1 / (N- + 2), which keep separable data finite),
    by Newton steps halved until the loss falls."""
    x, y = np.asarray(logit, float), np.asarray(label, float)
    n1, n0 = y.sum(), len(y) - y.sum()
    t = np.where(y == 1, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))

    def loss(a, b):
        z = a * x + b
        return float(np.sum(np.logaddexp(0, z) - t * z))

    a, b = 1.0, 0.0
    current = loss(a, b)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(a * x + b)))
        g = np.array([((p - t) * x).sum(), (p - t).sum()])
        w = p * (1 - p)
        h = np.array([[(w * x * x).sum(), (w * x).sum()], [(w * x).sum(), w.sum()]])
        step = np.linalg.solve(h + 1e-9 * np.eye(2), g)
        scale = 1.0
        while scale > 1e-8 and loss(a - scale * step[0], b - scale * step[1]) > current:
            scale /= 2
        a, b = a - scale * step[0], b - scale * step[1]
        previous, current = current, loss(a, b)
        if abs(previous - current) < 1e-12:
            break
    return {"method": "platt", "a": float(a), "b": float(b)}


def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, float)))


def auroc_text(entry):
    """An AUROC with its 95% interval as the reports print it: 0.872 (0.847–0.896)."""
    return f"{entry['auroc']:.3f} ({entry['ci95'][0]:.3f}–{entry['ci95'][1]:.3f})"


def difference_text(d):
    """A paired difference with its 95% interval as the reports print it: +0.012 (-0.006 to
    +0.031)."""
    return f"{d['difference']:+.3f} ({d['ci95'][0]:+.3f} to {d['ci95'][1]:+.3f})"
