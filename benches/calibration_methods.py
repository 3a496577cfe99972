"""Compare the calibration searches (``interdict calibrate --method``) on the test instance
of ``tests/helpers.calibration_yaml``: four seizure rates to recover from observations of
the units seized on four lanes, from random starts; and the same with the commodity's
value as a fifth parameter, started where the smuggler leaves lane C unused (the misfit is
flat in p_c there, and in the value until lane C pays).

    python3 benches/calibration_methods.py [--starts 8] [--max-evals 2000]

Prints, per method and case: starts that met every observation, evaluations (median),
largest error of a recovered rate (median, worst), seconds (median)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from optimizer.instance.reader import read_instance_text
from optimizer.studies.calibrate import METHODS, calibrate

from helpers import TRUE_RATES, calibration_yaml

VALUE_PARAMETER = "  - {id: value, field: commodities/fentanyl/value, bounds: [1, 20]}\n"


def case(seed: int, with_value: bool):
    rng = np.random.default_rng(seed)
    start = {k: round(float(rng.uniform(0.01, 0.5)), 3) for k in TRUE_RATES}
    text = calibration_yaml(start)
    if with_value:
        text = text.replace("value: 10}]", "value: 2.5}]") + VALUE_PARAMETER
    return read_instance_text(text, f"start{seed}.yaml")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=8)
    ap.add_argument("--max-evals", type=int, default=2000)
    args = ap.parse_args()
    print("| case | method | met all | evaluations (median) | rate error (median / worst) "
          "| seconds (median) |")
    print("|---|---|---|---|---|---|")
    for with_value in (False, True):
        for method in METHODS:
            met, evals, errs, secs = 0, [], [], []
            for s in range(args.starts):
                inst = case(s, with_value)
                t0 = time.perf_counter()
                cal = calibrate(inst, method=method, seed=0, max_evals=args.max_evals)
                secs.append(time.perf_counter() - t0)
                met += not cal.missed
                evals.append(cal.evaluations)
                fitted = dict(zip((p.id for p in cal.parameters), cal.fitted))
                errs.append(max(abs(fitted[f"p_{k}"] - v) for k, v in TRUE_RATES.items()))
            name = "4 rates + value (start: lane C unused)" if with_value else "4 rates"
            print(f"| {name} | {method} | {met}/{args.starts} | {statistics.median(evals):.0f} "
                  f"| {statistics.median(errs):.2g} / {max(errs):.2g} "
                  f"| {statistics.median(secs):.2f} |", flush=True)


if __name__ == "__main__":
    main()
