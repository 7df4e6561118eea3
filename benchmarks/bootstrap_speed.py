#!/usr/bin/env python
"""Benchmark the patient bootstrap: every resample scored at once (`weighted_scores`) against one `scores_at` per resample.

    python benchmarks/bootstrap_speed.py --run nbs/runs/xray_cnn --data PATH/chest_xray [--repeats 3] [--record FILE]

Reads the run's `split.csv`, predicts its validation X-rays with the run's `model.onnx` and times, on those
probabilities at the run's threshold with the X-rays' patients as groups:
- `bootstrap_ci` (the six measures, 1,000 resamples of patients), as the package computes it now;
- the same resamples scored one at a time with `scores_at`, as it did before (`_resamples` gives the same draws);
- `paired_bootstrap` of the model against itself shifted by 0.05, and `stress_report` of the 13 changes of framing
  (`stress_tables`; sensitivity and specificity with 1,000 resamples each), which call the same code.
It checks that both ways give the same intervals, and reports the median seconds of `--repeats` runs of each. With
`--record FILE` the result is written to FILE with the machine and the date.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, pandas as pd
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.inference import load_model
from pneumo_nb.metrics import MEASURES, scores_at
from pneumo_nb.evaluate import bootstrap_ci, paired_bootstrap, _resamples
from pneumo_nb.stress import stress_tables, stress_report
from provenance import provenance, write_json

def one_at_a_time(y, p, threshold, groups, n_boot=1000, seed=0):
    "The intervals of `bootstrap_ci`, one `scores_at` per resample"
    samples = [scores_at(y[i], p[i], threshold) for i in _resamples(groups, len(y), n_boot, seed)]
    res = {}
    for m in MEASURES:
        v = np.array([s[m] for s in samples]); v = v[~np.isnan(v)]
        res[m] = tuple(float(x) for x in np.percentile(v, [2.5, 97.5]))
    return res

def median_seconds(f, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter(); out = f(); times.append(time.perf_counter() - t)
    return round(float(np.median(times)), 3), out

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', type=Path, required=True, help='a pneumo-train output folder (model.onnx, split.csv)')
    p.add_argument('--data', type=Path, required=True, help='the dataset root the run trained on')
    p.add_argument('--repeats', type=int, default=3, help='runs of each, of which the median is reported (default 3)')
    p.add_argument('--record', type=Path, default=None, help='also write the result to this JSON file')
    a = p.parse_args()
    valid = pd.read_csv(a.run/'split.csv').query("split == 'valid'")
    files, y, groups = [str(a.data/f) for f in valid.path], (valid.label == 'PNEUMONIA').astype(int).values, valid.patient.values
    pred = load_model(a.run/'model.onnx')
    probs = pred.predict_folder(files, progress=False).probability.values
    stressed, _ = stress_tables(pred, files, clean=probs)
    t_new, new = median_seconds(lambda: bootstrap_ci(y, probs, pred.threshold, groups), a.repeats)
    t_old, old = median_seconds(lambda: one_at_a_time(y, probs, pred.threshold, groups), a.repeats)
    t_paired, _ = median_seconds(lambda: paired_bootstrap(y, probs, np.clip(probs + 0.05, 0, 1), pred.threshold, pred.threshold, groups), a.repeats)
    t_stress, _ = median_seconds(lambda: stress_report(y, stressed, pred.threshold, groups), a.repeats)
    res = dict(xrays=len(y), patients=int(len(pd.unique(groups))), resamples=1000, threshold=pred.threshold,
               same_intervals=new == old, intervals={m: [round(v, 4) for v in new[m]] for m in MEASURES},
               seconds=dict(bootstrap_ci=t_new, one_scores_at_per_resample=t_old, paired_bootstrap=t_paired,
                            stress_report=t_stress),
               times_as_fast=round(t_old / t_new, 1), repeats=a.repeats,
               **provenance(), command='python benchmarks/bootstrap_speed.py ' + ' '.join(sys.argv[1:]))
    if a.record: write_json(a.record, res)
    print(json.dumps(res, indent=2))
