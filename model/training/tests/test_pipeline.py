"""The whole training pipeline on tiny data: phantoms -> cache -> train -> evaluate -> export.

Runs each tool as a user would (`python3 -m lumbarcds_training.<tool>`, model/training on the
module path). With LUMBARCDS_SMOKE_OUT set (mvn verify sets it), the exported model, its card, its
parity file and the parity studies stay there, and the Java build then checks that its inference
loads the model and matches the Python outputs.
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import lumbarcds_training
from lumbarcds_training import io
from lumbarcds_training.io import POSTURES

# model/training, the folder that holds the package: the tools' module path
TOP = os.path.dirname(os.path.dirname(os.path.abspath(lumbarcds_training.__file__)))
MODEL_ID = "lumbar-cds-lss-3view-phantom"


def run(tool, *args):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (TOP, env.get("PYTHONPATH")) if p)
    result = subprocess.run(
        [sys.executable, "-m", "lumbarcds_training." + tool, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{tool} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


class SmokePipeline(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        work = cls.tmp.name
        cls.out = os.environ.get("LUMBARCDS_SMOKE_OUT") or os.path.join(work, "model")
        os.makedirs(cls.out, exist_ok=True)
        internal, external = os.path.join(work, "internal"), os.path.join(work, "external")
        studies = os.path.join(cls.out, "studies")
        run("phantom", internal, "--patients", 60, "--size", "small", "--seed", 3)
        run(
            "phantom",
            external,
            "--patients",
            20,
            "--size",
            "small",
            "--site",
            "external",
            "--seed",
            4,
        )
        run("phantom", studies, "--patients", 2, "--size", "parity", "--seed", 5)
        run("preprocess", internal, internal + ".npz")
        run("preprocess", external, external + ".npz")
        cls.run_dir = os.path.join(work, "run")
        cls.train_log = run(
            "train",
            internal + ".npz",
            cls.run_dir,
            "--epochs",
            1,
            "--batch",
            8,
            "--max-steps",
            3,
        )
        # what the report quotes beside the evaluation: the oracle, the ablation, robustness
        cls.oracle = os.path.join(work, "oracle.json")
        run(
            "oracle",
            cls.oracle,
            *("--internal-seed", 3, "--internal-patients", 60),
            *("--external-seed", 4, "--external-patients", 20),
            *("--large", 200, "--rounds", 200),
        )
        run("ablation", "predict", cls.run_dir, internal + ".npz", external + ".npz")
        cls.ablation = os.path.join(work, "ablation.json")
        cls.ablation_md = os.path.join(work, "ablation.md")
        run(
            "ablation",
            "table",
            cls.ablation,
            "linear=" + cls.run_dir,
            "again=" + os.path.join(cls.run_dir, "predictions.npz"),
            *("--oracle", cls.oracle, "--baseline", "linear", "--markdown", cls.ablation_md),
            *("--rounds", 200),
        )
        cls.robustness = os.path.join(work, "robustness.json")
        run("robustness", cls.run_dir, external, cls.robustness, "--studies", 12, "--rounds", 200)
        cls.report = os.path.join(work, "docs", "model-report.md")
        run(
            "evaluate",
            cls.run_dir,
            internal + ".npz",
            external + ".npz",
            *("--report", cls.report, "--rounds", 200),
            *("--oracle", cls.oracle, "--ablation", cls.ablation),
            *("--robustness", cls.robustness),
        )
        run(
            "export",
            cls.run_dir,
            cls.out,
            "--version",
            "0.0.0-smoke",
            "--parity",
            os.path.join(studies, "INT00000"),
            os.path.join(studies, "INT00001"),
        )
        cls.card = io.read_json(os.path.join(cls.out, MODEL_ID + ".card.json"))
        cls.metrics = io.read_json(os.path.join(cls.run_dir, "metrics.json"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_training_shows_progress_and_splits_by_patient(self):
        self.assertIn("epoch 1/1 step 3/3", self.train_log)
        split = io.read_json(os.path.join(self.run_dir, "split.json"))
        parts = [set(split[k]) for k in ("train", "validation", "test")]
        self.assertEqual(sum(map(len, parts)), 60)
        self.assertFalse(parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])

    def test_card_hash_is_the_exported_file(self):
        with open(os.path.join(self.out, self.card["file"]["name"]), "rb") as f:
            data = f.read()
        self.assertEqual(self.card["file"]["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(self.card["file"]["bytes"], len(data))

    def test_card_numbers_come_from_the_evaluation(self):
        m = self.metrics
        self.assertEqual(
            self.card["metrics"]["internal_test"]["fused"], m["internal_test"]["fused"]
        )
        self.assertEqual(
            self.card["metrics"]["external"]["single_view_heads"],
            m["external"]["single_view_heads"],
        )
        self.assertEqual(
            self.card["operating_points"]["rule_in"]["threshold"],
            m["operating_points"]["rule_in"]["threshold"],
        )
        self.assertEqual(self.card["calibration"]["a"], m["calibration"]["a"])
        self.assertEqual(
            self.card["input"]["normalisation"]["mean"], m["model"]["normalisation"]["mean"]
        )
        # each two-view configuration: its own points, chosen on validation with the card's
        # criteria on the probability with that view masked, and its figures
        configurations = self.card["view_configurations"]
        self.assertEqual(
            sorted(configurations), ["extension_missing", "flexion_missing", "neutral_missing"]
        )
        for key, c in configurations.items():
            self.assertEqual(c["missing"] + "_missing", key)
            self.assertNotIn(c["missing"], c["views"])
            source = m["view_configurations"][key]
            for name in ("rule_out", "rule_in"):
                point = c["operating_points"][name]
                self.assertEqual(point["threshold"], source["operating_points"][name]["threshold"])
                self.assertEqual(point["chosen_on"], "validation")
                self.assertEqual(point["external"], source["external"]["operating_points"][name])
            validation = source["validation"]["operating_points"]
            self.assertGreaterEqual(validation["rule_out"]["sensitivity"]["value"], 0.95)
            self.assertGreaterEqual(validation["rule_in"]["specificity"]["value"], 0.90)
            self.assertEqual(c["auroc"]["internal_test"], source["internal_test"]["auroc"])
        self.assertTrue(self.card["synthetic"])
        self.assertIn("not clinically validated", self.card["statement"])
        # the distribution deployed results are compared with (the operations view's drift)
        histogram = self.card["metrics"]["internal_test"]["probability_histogram"]
        self.assertEqual(histogram, m["internal_test"]["probability_histogram"])
        self.assertEqual(len(histogram["edges"]), len(histogram["counts"]) + 1)
        self.assertEqual(sum(histogram["counts"]), m["internal_test"]["studies"])

    def test_three_views_against_one(self):
        """The evaluation's comparison is the ablation's for the same run: the same scores, the
        same paired bootstrap, and the oracle's targets applied as stated."""
        from lumbarcds_training import metrics

        t = self.metrics["three_views"]
        p = np.load(os.path.join(self.run_dir, "predictions.npz"))
        best = POSTURES.index(t["best_single_view"])
        for s in ("internal_test", "external"):
            y = p[s + "/label"]
            fused = metrics.auroc(p[s + "/fused_logit"], y)
            head = metrics.auroc(p[s + "/view_logits"][:, best], y)
            self.assertAlmostEqual(t[s]["fused"]["auroc"], fused, places=5)
            self.assertAlmostEqual(
                t[s]["fused_minus_best_single"]["difference"], fused - head, places=5
            )
            late = metrics.auroc(p[s + "/view_logits"].mean(axis=1), y)
            self.assertAlmostEqual(t[s]["late_fusion"]["auroc"], late, places=5)
            goal = t["targets"][s]
            oracle = io.read_json(self.oracle)["matched"]["summary"][s.replace("_", " ")]
            self.assertEqual(goal["required_difference"], oracle["gain"] / 2)
            d = t[s]["fused_minus_best_single"]
            self.assertEqual(
                goal["met"], d["difference"] >= oracle["gain"] / 2 and d["ci95"][0] > 0
            )
        oracle_three = t["targets"]["internal_test"]["oracle_three_view_auroc"]
        near = abs(t["internal_test"]["fused"]["auroc"] - oracle_three) <= 0.02
        self.assertEqual(t["targets"]["internal_test"]["near_oracle"], near)
        with open(self.report) as f:
            text = f.read()
        self.assertIn("## Three views against one", text)
        self.assertIn("exact-sign oracle: best single view → three views", text)

    def test_ablation_table(self):
        table = io.read_json(self.ablation)
        self.assertEqual(sorted(table["variants"]), ["again", "linear"])
        linear, again = table["variants"]["linear"], table["variants"]["again"]
        # the same predictions read from the run folder and from the file
        self.assertEqual(linear["internal_test"]["fused"], again["internal_test"]["fused"])
        self.assertEqual(again["external"]["fused_minus_baseline"]["difference"], 0.0)
        self.assertNotIn("fused_minus_baseline", linear["external"])
        self.assertEqual(linear["training"]["args"]["epochs"], 1)
        self.assertEqual(linear["training"]["internal_cache"], "internal.npz")
        self.assertIn("external", table["targets"])
        with open(self.ablation_md) as f:
            text = f.read()
        self.assertIn("| linear (pooled features, the 1.1.0 head) | internal test |", text)
        self.assertIn("| again | external |", text)
        with open(self.report) as f:
            self.assertIn("### Fusion ablation", f.read())

    def test_robustness_in_the_report(self):
        r = io.read_json(self.robustness)
        self.assertEqual(r["studies"], 12)
        self.assertEqual(r["conditions"]["original"]["minus_original"]["difference"], 0.0)
        self.assertEqual(self.metrics["robustness"], r)
        with open(self.report) as f:
            text = f.read()
        self.assertIn("## Robustness to how radiographs arrive", text)
        mirrored = r["conditions"]["mirrored"]["auroc"]["auroc"]
        self.assertIn(f"| mirrored | {mirrored:.3f}", text)
        self.assertNotIn("right-facing", text)

    def test_contract_of_the_exported_graph(self):
        import onnx

        graph = onnx.load(os.path.join(self.out, self.card["file"]["name"])).graph
        self.assertEqual(
            [i.name for i in graph.input], ["neutral", "flexion", "extension", "view_mask"]
        )
        self.assertEqual([o.name for o in graph.output], ["probability", "view_logits", "cam"])
        dims = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim[1:]]
        self.assertEqual(dims, [1, self.card["input"]["height"], self.card["input"]["width"]])
        # what the card says of the heatmaps and the facing follows the run (linear head,
        # geometric augmentation on by default)
        self.assertIn("exact for this head", self.card["output"]["cam"]["meaning"])
        self.assertEqual(self.metrics["model"]["geometric"], "full")
        self.assertIn("trained with either facing", " ".join(self.card["limitations"]))

    def test_report_and_plots_written(self):
        with open(self.report) as f:
            text = f.read()
        self.assertIn("Synthetic phantoms only", text)
        for png in ("roc.png", "reliability.png"):
            path = os.path.join(os.path.dirname(self.report), "model-report", png)
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_parity_file_lists_full_and_masked_cases(self):
        parity = io.read_json(os.path.join(self.out, MODEL_ID + ".parity.json"))
        self.assertEqual(parity["sha256"], self.card["file"]["sha256"])
        self.assertEqual(
            [c["views"] for c in parity["cases"]],
            [["neutral", "flexion", "extension"]] * 2 + [["neutral", "extension"]],
        )
        for case in parity["cases"]:
            self.assertTrue(0 <= case["probability"] <= 1)


if __name__ == "__main__":
    unittest.main()
