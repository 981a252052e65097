"""Every number on the model card comes from lumbarcds_training.metrics: checked here against
values worked out by hand, published tables and scikit-learn (Debian's python3-sklearn)."""
import math
import unittest
import warnings

import numpy as np
from scipy.optimize import brentq
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from lumbarcds_training import metrics

Z95 = 1.959964  # the two-sided 95% normal quantile the module uses


def scored(n, separation, seed, decimals=None):
    """n studies, half positive, scores from two normals `separation` SDs apart (rounded to
    `decimals` to make ties)."""
    rng = np.random.default_rng(seed)
    label = np.arange(n) % 2
    score = rng.normal(0, 1, n) + separation * label
    return (np.round(score, decimals) if decimals is not None else score), label


def pairwise_auroc(score, label):
    """The probability that a positive outranks a negative, ties half: every pair counted."""
    score, label = np.asarray(score, float), np.asarray(label)
    pos, neg = score[label == 1], score[label == 0]
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


class Auroc(unittest.TestCase):
    def test_perfect_reversed_and_uninformative(self):
        self.assertEqual(metrics.auroc([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]), 1.0)
        self.assertEqual(metrics.auroc([0.4, 0.3, 0.2, 0.1], [0, 0, 1, 1]), 0.0)
        self.assertEqual(metrics.auroc([0.5] * 6, [0, 1, 0, 1, 0, 1]), 0.5)

    def test_hand_computed_with_a_tie(self):
        # positives 0.8 and 0.5, negatives 0.5 and 0.2: pairs 1, 1, 1/2 (the tie), 1 -> 3.5 / 4
        self.assertEqual(metrics.auroc([0.8, 0.5, 0.5, 0.2], [1, 1, 0, 0]), 0.875)
        # positives 3, 2, 2; negatives 2, 1: 1 + 1 + 1/2 + 1 + 1/2 + 1 = 5 of 6
        self.assertAlmostEqual(metrics.auroc([3, 2, 2, 2, 1], [1, 1, 1, 0, 0]), 5 / 6, places=15)

    def test_one_class_is_undefined(self):
        self.assertTrue(math.isnan(metrics.auroc([0.1, 0.2], [1, 1])))
        self.assertTrue(math.isnan(metrics.auroc([0.1, 0.2], [0, 0])))

    def test_matches_scikit_learn_and_the_pair_count_on_random_data(self):
        for seed, decimals in ((1, None), (2, 1), (3, 0), (4, 2)):
            score, label = scored(301, 0.8, seed, decimals)
            expected = roc_auc_score(label, score)
            self.assertAlmostEqual(metrics.auroc(score, label), expected, places=12)
            self.assertAlmostEqual(pairwise_auroc(score, label), expected, places=12)

    def test_unequal_classes_and_monotone_transforms(self):
        rng = np.random.default_rng(5)
        label = (rng.random(250) < 0.2).astype(int)
        score = rng.normal(0, 1, 250) + 1.2 * label
        value = metrics.auroc(score, label)
        self.assertAlmostEqual(value, roc_auc_score(label, score), places=12)
        self.assertAlmostEqual(metrics.auroc(np.exp(score), label), value, places=12)
        self.assertAlmostEqual(metrics.auroc(metrics.sigmoid(score), label), value, places=12)


class BootstrapAuroc(unittest.TestCase):
    def test_point_estimate_inside_its_interval(self):
        score, label = scored(200, 1.0, 11)
        result = metrics.bootstrap_auroc(score, label, rounds=1000, seed=3)
        self.assertEqual(result["auroc"], metrics.auroc(score, label))
        lo, hi = result["ci95"]
        self.assertLess(lo, result["auroc"])
        self.assertGreater(hi, result["auroc"])
        self.assertEqual(result["rounds"], 1000)  # 100 of each label: every resample has both

    def test_deterministic_with_a_seed(self):
        score, label = scored(120, 1.0, 12)
        a = metrics.bootstrap_auroc(score, label, rounds=300, seed=9)
        b = metrics.bootstrap_auroc(score, label, rounds=300, seed=9)
        c = metrics.bootstrap_auroc(score, label, rounds=300, seed=10)
        self.assertEqual(a, b)
        self.assertNotEqual(a["ci95"], c["ci95"])

    def test_width_matches_the_hanley_mcneil_standard_error(self):
        """For a large sample the percentile interval is about +/- 1.96 standard errors, and
        Hanley and McNeil's (1982) formula gives that error from the AUROC and the class sizes."""
        score, label = scored(1000, 1.0, 13)
        result = metrics.bootstrap_auroc(score, label, rounds=2000, seed=1)
        a, n1, n0 = result["auroc"], 500, 500
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        se = math.sqrt(
            (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0)
        )
        width = result["ci95"][1] - result["ci95"][0]
        self.assertAlmostEqual(width / (2 * 1.959964 * se), 1.0, delta=0.12)

    def test_narrows_with_more_studies(self):
        widths = []
        for n in (100, 400, 1600):
            score, label = scored(n, 1.0, 14)
            lo, hi = metrics.bootstrap_auroc(score, label, rounds=1000, seed=2)["ci95"]
            widths.append(hi - lo)
        # the width falls with 1 / sqrt(n): halves for four times the studies
        self.assertAlmostEqual(widths[0] / widths[1], 2.0, delta=0.4)
        self.assertAlmostEqual(widths[1] / widths[2], 2.0, delta=0.4)

    def test_degenerate_samples(self):
        # perfectly separated: every resample with both labels has AUROC 1
        result = metrics.bootstrap_auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], rounds=200, seed=1)
        self.assertEqual(result["auroc"], 1.0)
        self.assertEqual(result["ci95"], [1.0, 1.0])
        # two studies: only resamples holding both count (about half of them)
        result = metrics.bootstrap_auroc([0.1, 0.9], [0, 1], rounds=400, seed=1)
        self.assertTrue(150 < result["rounds"] < 250, result["rounds"])
        # one label only: no resample defines an AUROC, and the result says so
        result = metrics.bootstrap_auroc([0.1, 0.2, 0.3], [1, 1, 1], rounds=50, seed=1)
        self.assertTrue(math.isnan(result["auroc"]))
        self.assertTrue(all(math.isnan(v) for v in result["ci95"]))
        self.assertEqual(result["rounds"], 0)


class PairedDifference(unittest.TestCase):
    def test_identical_scores_differ_by_nothing(self):
        score, label = scored(400, 1.0, 11)
        d = metrics.paired_bootstrap_difference(score, score, label, rounds=200)
        self.assertEqual(d["difference"], 0.0)
        self.assertEqual(d["ci95"], [0.0, 0.0])

    def test_a_better_score_on_the_same_studies_excludes_zero(self):
        """b = a plus noise: a ranks better on the same studies; the paired interval excludes 0
        although the two unpaired intervals overlap."""
        rng = np.random.default_rng(5)
        a, label = scored(600, 1.2, 12)
        b = a + rng.normal(0, 0.6, len(a))
        d = metrics.paired_bootstrap_difference(a, b, label, rounds=500, seed=1)
        self.assertAlmostEqual(
            d["difference"], metrics.auroc(a, label) - metrics.auroc(b, label), places=12
        )
        self.assertGreater(d["ci95"][0], 0)
        self.assertLess(d["ci95"][0], d["difference"])
        self.assertGreater(d["ci95"][1], d["difference"])
        ia = metrics.bootstrap_auroc(a, label, 500, 1)["ci95"]
        ib = metrics.bootstrap_auroc(b, label, 500, 1)["ci95"]
        self.assertLess(ia[0], ib[1])  # unpaired, they overlap

    def test_swapping_the_scores_mirrors_the_interval(self):
        a, label = scored(300, 1.0, 13)
        b = np.random.default_rng(2).normal(0, 1, 300) + a
        ab = metrics.paired_bootstrap_difference(a, b, label, rounds=300, seed=4)
        ba = metrics.paired_bootstrap_difference(b, a, label, rounds=300, seed=4)
        self.assertAlmostEqual(ab["ci95"][0], -ba["ci95"][1], places=12)


class RocCurve(unittest.TestCase):
    def test_hand_computed(self):
        fpr, tpr = metrics.roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
        np.testing.assert_array_equal(fpr, [0, 0, 0.5, 0.5, 1])
        np.testing.assert_array_equal(tpr, [0, 0.5, 0.5, 1, 1])

    def test_matches_scikit_learn_and_its_area_is_the_auroc(self):
        score, label = scored(200, 0.7, 21, decimals=1)
        fpr, tpr = metrics.roc_curve(score, label)
        sk_fpr, sk_tpr, _ = sk_roc_curve(label, score, drop_intermediate=False)
        np.testing.assert_allclose(fpr, sk_fpr, atol=1e-15)
        np.testing.assert_allclose(tpr, sk_tpr, atol=1e-15)
        area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # trapezoids: ties half
        self.assertAlmostEqual(area, metrics.auroc(score, label), places=12)


def wilson_by_formula(k, n, z=Z95):
    """Wilson (1927): the p whose score test |k - n p| / sqrt(n p (1 - p)) = z, the two roots."""
    a = n + z * z
    b = -(2 * k + z * z)
    c = k * k / n
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


class Wilson(unittest.TestCase):
    def test_textbook_cases_by_the_formula(self):
        for k, n in ((0, 10), (5, 10), (10, 10), (1, 3), (7, 50), (49, 50)):
            lo, hi = metrics.wilson(k, n)
            exp_lo, exp_hi = wilson_by_formula(k, n)
            self.assertAlmostEqual(lo, max(0.0, exp_lo), places=12, msg=(k, n))
            self.assertAlmostEqual(hi, min(1.0, exp_hi), places=12, msg=(k, n))

    def test_rounded_values(self):
        np.testing.assert_allclose(metrics.wilson(0, 10), [0.0, 0.2775], atol=5e-5)
        np.testing.assert_allclose(metrics.wilson(5, 10), [0.2366, 0.7634], atol=5e-5)
        np.testing.assert_allclose(metrics.wilson(10, 10), [0.7225, 1.0], atol=5e-5)

    def test_newcombe_1998_table(self):
        """Newcombe, Statistics in Medicine 17:857 (1998), Table II, method 3 (score interval)."""
        for (k, n), expected in (
            ((81, 263), (0.2553, 0.3662)),
            ((15, 148), (0.0624, 0.1605)),
            ((0, 20), (0.0, 0.1611)),
            ((1, 29), (0.0061, 0.1718)),
        ):
            np.testing.assert_allclose(metrics.wilson(k, n), expected, atol=5e-5, err_msg=(k, n))

    def test_bounds_are_exact_at_none_and_all(self):
        for n in (1, 10, 37, 1000):
            self.assertEqual(metrics.wilson(0, n)[0], 0.0)
            self.assertEqual(metrics.wilson(n, n)[1], 1.0)

    def test_symmetric_and_undefined_without_studies(self):
        lo, hi = metrics.wilson(3, 17)
        lo2, hi2 = metrics.wilson(14, 17)
        self.assertAlmostEqual(lo, 1 - hi2, places=12)
        self.assertAlmostEqual(hi, 1 - lo2, places=12)
        self.assertTrue(all(math.isnan(v) for v in metrics.wilson(0, 0)))


class AtThreshold(unittest.TestCase):
    def test_hand_computed_counts_and_rates(self):
        prob = [0.9, 0.8, 0.6, 0.6, 0.4, 0.3, 0.2, 0.1]
        label = [1, 1, 0, 1, 1, 0, 0, 0]
        r = metrics.at_threshold(prob, label, 0.6)  # at or above 0.6 is positive
        self.assertEqual((r["tp"], r["fp"], r["tn"], r["fn"]), (3, 1, 3, 1))
        self.assertEqual(r["threshold"], 0.6)
        for name, k, n in (
            ("sensitivity", 3, 4),
            ("specificity", 3, 4),
            ("ppv", 3, 4),
            ("npv", 3, 4),
        ):
            self.assertEqual((r[name]["k"], r[name]["n"]), (k, n), name)
            self.assertEqual(r[name]["value"], k / n, name)
            self.assertEqual(r[name]["ci95"], metrics.wilson(k, n), name)
        r = metrics.at_threshold(prob, label, 0.35)
        self.assertEqual((r["tp"], r["fp"], r["tn"], r["fn"]), (4, 1, 3, 0))
        self.assertEqual(r["sensitivity"]["value"], 1.0)
        self.assertEqual(r["npv"]["value"], 1.0)
        self.assertEqual(r["ppv"]["value"], 0.8)

    def test_no_positive_call_leaves_ppv_undefined(self):
        r = metrics.at_threshold([0.2, 0.4], [0, 1], 0.5)
        self.assertEqual(r["ppv"]["n"], 0)
        self.assertTrue(math.isnan(r["ppv"]["value"]))
        self.assertEqual(r["specificity"]["value"], 1.0)
        self.assertEqual(r["sensitivity"]["value"], 0.0)


class OperatingPoints(unittest.TestCase):
    def sens(self, prob, label, t):
        return metrics.at_threshold(prob, label, t)["sensitivity"]["value"]

    def spec(self, prob, label, t):
        return metrics.at_threshold(prob, label, t)["specificity"]["value"]

    def test_rule_out_hand_computed(self):
        # 20 positives at 0.05, 0.10, ... 1.00: one may be missed for sensitivity 0.95
        positives = [i / 20 for i in range(1, 21)]
        prob, label = positives + [0.0, 0.5], [1] * 20 + [0, 0]
        self.assertEqual(metrics.rule_out_threshold(prob, label, 0.95), 0.10)
        self.assertEqual(metrics.rule_out_threshold(prob, label, 1.0), 0.05)

    def test_rule_out_is_the_highest_threshold_keeping_the_sensitivity(self):
        for seed in range(5):
            prob, label = scored(157, 1.0, 30 + seed, decimals=1)
            t = metrics.rule_out_threshold(prob, label, 0.95)
            self.assertGreaterEqual(self.sens(prob, label, t), 0.95)
            above = np.unique(prob[label == 1])
            above = above[above > t]
            if len(above):  # the next positive score up loses too much
                self.assertLess(self.sens(prob, label, above[0]), 0.95)

    def test_rule_in_hand_computed(self):
        # 10 negatives at 0.1 ... 1.0: nine must fall below for specificity 0.90
        negatives = [i / 10 for i in range(1, 11)]
        prob, label = negatives + [0.95], [0] * 10 + [1]
        t = metrics.rule_in_threshold(prob, label, 0.90)
        self.assertEqual(t, np.nextafter(0.9, np.inf))
        self.assertEqual(self.spec(prob, label, t), 0.9)
        self.assertEqual(self.sens(prob, label, t), 1.0)
        self.assertEqual(metrics.rule_in_threshold(prob, label, 1.0), np.nextafter(1.0, np.inf))

    def test_rule_in_is_the_lowest_threshold_keeping_the_specificity(self):
        for seed in range(5):
            prob, label = scored(163, 1.0, 40 + seed, decimals=1)
            t = metrics.rule_in_threshold(prob, label, 0.90)
            self.assertGreaterEqual(self.spec(prob, label, t), 0.90)
            self.assertLess(self.spec(prob, label, np.nextafter(t, -np.inf)), 0.90)

    def test_without_the_class_they_are_chosen_on(self):
        with self.assertRaises(ValueError):
            metrics.rule_out_threshold([0.1, 0.2], [0, 0])
        with self.assertRaises(ValueError):
            metrics.rule_in_threshold([0.1, 0.2], [1, 1])
        for target in (0.0, 1.5):  # targets that are no proportion of studies
            with self.assertRaises(ValueError):
                metrics.rule_out_threshold([0.1, 0.2], [1, 1], sensitivity=target)
            with self.assertRaises(ValueError):
                metrics.rule_in_threshold([0.1, 0.2], [0, 0], specificity=target)


def ece_by_definition(prob, label, bins):
    """Sum over bins [b / bins, (b + 1) / bins) (the last one closed) of the share of studies in
    the bin times |mean probability - observed rate|."""
    prob, label = np.asarray(prob, float), np.asarray(label, float)
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = (prob >= lo) & ((prob < hi) if b < bins - 1 else (prob <= hi))
        if sel.any():
            total += sel.mean() * abs(prob[sel].mean() - label[sel].mean())
    return total


class Calibration(unittest.TestCase):
    def test_ece_hand_computed(self):
        # bin [0, 0.1): 0.05 vs 0 -> 0.05 x 1/4; bin [0.1, 0.2): 0.15 vs 0.5 -> 0.35 x 2/4;
        # bin [0.9, 1]: 0.95 vs 1 -> 0.05 x 1/4: 0.0125 + 0.175 + 0.0125 = 0.2
        value, table = metrics.ece([0.05, 0.15, 0.15, 0.95], [0, 1, 0, 1])
        self.assertAlmostEqual(value, 0.2, places=12)
        self.assertEqual([(b["lo"], b["n"]) for b in table], [(0.0, 1), (0.1, 2), (0.9, 1)])
        self.assertAlmostEqual(table[1]["mean_probability"], 0.15, places=12)
        self.assertEqual(table[1]["observed"], 0.5)
        self.assertAlmostEqual(table[2]["hi"], 1.0, places=12)

    def test_ece_is_zero_when_calibrated_and_counts_the_ends(self):
        value, table = metrics.ece([0.25] * 4 + [0.75] * 4, [1, 0, 0, 0, 1, 1, 1, 0])
        self.assertAlmostEqual(value, 0.0, places=12)
        value, table = metrics.ece([0.0, 1.0], [0, 1])
        self.assertEqual(value, 0.0)
        self.assertEqual([(b["lo"], b["n"]) for b in table], [(0.0, 1), (0.9, 1)])

    def test_ece_matches_its_definition_on_random_data(self):
        rng = np.random.default_rng(50)
        prob = rng.random(500)
        label = (rng.random(500) < prob**1.5).astype(int)  # miscalibrated on purpose
        for bins in (5, 10, 15):
            value, table = metrics.ece(prob, label, bins)
            self.assertAlmostEqual(value, ece_by_definition(prob, label, bins), places=12)
            self.assertEqual(sum(b["n"] for b in table), 500)
        self.assertGreater(metrics.ece(prob, label)[0], 0.05)

    def test_histogram(self):
        h = metrics.histogram([0.0, 0.01, 0.5, 0.97, 1.0, 1.2, -0.1], bins=4)
        self.assertEqual(h["edges"], [0.0, 0.25, 0.5, 0.75, 1.0])
        # below 0 and above 1 clipped onto the ends; 1.0 in the last bin, 0.5 in the third
        self.assertEqual(h["counts"], [3, 0, 1, 3])
        h = metrics.histogram(np.linspace(0, 1, 1001))
        self.assertEqual(len(h["edges"]), 21)
        self.assertEqual(sum(h["counts"]), 1001)
        self.assertEqual(h["edges"][3], 0.15)  # rounded for the card


def platt_by_scikit_learn(logit, label):
    """Logistic regression of the smoothed targets t on the logit: each study once as a positive
    with weight t and once as a negative with weight 1 - t, which is the log loss against t.
    C large: no penalty worth the name."""
    x = np.asarray(logit, float)[:, None]
    y = np.asarray(label)
    n1, n0 = y.sum(), len(y) - y.sum()
    t = np.where(y == 1, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))
    fit = LogisticRegression(C=1e10, tol=1e-12, max_iter=10000)
    fit.fit(
        np.vstack([x, x]),
        np.r_[np.ones(len(x)), np.zeros(len(x))],
        sample_weight=np.r_[t, 1 - t],
    )
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


class Platt(unittest.TestCase):
    def test_matches_scikit_learn(self):
        for seed, scale, shift in ((60, 2.0, 0.5), (61, 0.5, -1.0), (62, 1.0, 0.0)):
            rng = np.random.default_rng(seed)
            logit = rng.normal(0, 1.5, 400)
            # the true probability is sigmoid(scale * logit + shift): Platt should find about that
            label = (rng.random(400) < metrics.sigmoid(scale * logit + shift)).astype(int)
            fit = metrics.fit_platt(logit, label)
            a, b = platt_by_scikit_learn(logit, label)
            self.assertEqual(fit["method"], "platt")
            self.assertAlmostEqual(fit["a"], a, delta=1e-5)
            self.assertAlmostEqual(fit["b"], b, delta=1e-5)
            self.assertAlmostEqual(fit["a"], scale, delta=0.45 * scale)
            # at the minimum the log loss's gradient vanishes: sum (p - t) x = sum (p - t) = 0
            y = np.asarray(label)
            t = np.where(y == 1, (y.sum() + 1) / (y.sum() + 2), 1 / (len(y) - y.sum() + 2))
            residual = metrics.sigmoid(fit["a"] * logit + fit["b"]) - t
            self.assertLess(abs(float((residual * logit).sum())), 1e-9)
            self.assertLess(abs(float(residual.sum())), 1e-9)

    def test_separable_data_stay_finite_hand_checked(self):
        """Logits -2, -1, 1, 2 with labels 0, 0, 1, 1: targets 1/4 and 3/4, b = 0 by symmetry,
        and a solves sigmoid(a) + 2 sigmoid(2a) = 9/4 (the loss's derivative in a)."""
        fit = metrics.fit_platt([-2, -1, 1, 2], [0, 0, 1, 1])

        def sig(v):
            return 1 / (1 + math.exp(-v))

        a = brentq(lambda a: sig(a) + 2 * sig(2 * a) - 9 / 4, 0.01, 10, xtol=1e-14)
        self.assertAlmostEqual(fit["a"], a, places=8)
        self.assertAlmostEqual(fit["a"], 0.674, places=3)
        self.assertAlmostEqual(fit["b"], 0.0, places=8)

    def test_a_calibrated_logit_is_left_about_alone(self):
        rng = np.random.default_rng(63)
        logit = rng.normal(0, 2, 20000)
        label = (rng.random(20000) < metrics.sigmoid(logit)).astype(int)
        fit = metrics.fit_platt(logit, label)
        self.assertAlmostEqual(fit["a"], 1.0, delta=0.05)
        self.assertAlmostEqual(fit["b"], 0.0, delta=0.05)

    def test_sigmoid(self):
        self.assertEqual(float(metrics.sigmoid(0)), 0.5)
        self.assertAlmostEqual(float(metrics.sigmoid(math.log(3))), 0.75, places=15)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # exp overflows to inf: 1 / inf
            np.testing.assert_array_equal(metrics.sigmoid([-1000, 1000]), [0.0, 1.0])


if __name__ == "__main__":
    unittest.main()
