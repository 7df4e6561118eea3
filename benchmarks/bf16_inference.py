#!/usr/bin/env python
"""Benchmark bf16 inference against fp32 on a run's validation X-rays: speed, the figures at the threshold, the stress test.

    python benchmarks/bf16_inference.py --run nbs/runs/xray_cnn --data PATH/chest_xray [--record FILE]

Reads the run's `split.csv` and takes its validation X-rays. For the run's `model.pth` run by PyTorch in fp32, the
same with `autocast = torch.bfloat16` (`XRayPredictor.autocast`), and `model.onnx` run by onnxruntime in fp32 (what
the stress test of `train_xray` uses on a CPU), it times `predict_folder` and the stress test (`stress_tables`, the
13 changes of framing and the 4 inside the box), and computes the figures at the run's threshold and the stress
test's summary (its verdict and worst changes). It reports, for bf16, the largest change of a probability, the labels
that change, and whether every figure at the threshold and the stress test's summary are the same as in fp32:
bf16 is worth making the default only where they are. With `--record FILE` the result is written to FILE with the
machine and the date.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.inference import load_model
from pneumo_nb.metrics import scores_at
from pneumo_nb.models import cpu_bf16_units
from pneumo_nb.stress import stress_tables, stress_report, stress_summary
from provenance import provenance, write_json

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', type=Path, required=True, help='a pneumo-train output folder (model.pth, model.onnx, split.csv)')
    p.add_argument('--data', type=Path, required=True, help='the dataset root the run trained on')
    p.add_argument('--record', type=Path, default=None, help='also write the result to this JSON file')
    a = p.parse_args()
    valid = pd.read_csv(a.run/'split.csv').query("split == 'valid'")
    files, y = [str(a.data/f) for f in valid.path], (valid.label == 'PNEUMONIA').astype(int).values
    forms = {}
    for name, fname, cast in [('PyTorch fp32', 'model.pth', None), ('PyTorch bf16', 'model.pth', torch.bfloat16), ('onnxruntime fp32', 'model.onnx', None)]:
        pred = load_model(a.run/fname)
        pred.autocast = cast
        t = time.perf_counter(); probs = pred.predict_folder(files, progress=False).probability.values; predict = time.perf_counter() - t
        t = time.perf_counter(); stressed, boxed = stress_tables(pred, files, clean=probs); stress = time.perf_counter() - t
        forms[name] = dict(probs=probs, predict_seconds=round(predict, 1), stress_seconds=round(stress, 1),
                           at_threshold={k: round(v, 6) for k, v in scores_at(y, probs, pred.threshold).items()},
                           stress=stress_summary(stress_report(y, stressed, pred.threshold, valid.patient.values, n_boot=20)),
                           stress_inside_box=stress_summary(stress_report(y, boxed, pred.threshold, valid.patient.values, n_boot=20)) if boxed is not None else None)
        print(name, json.dumps({k: v for k, v in forms[name].items() if k != 'probs'}), flush=True)
    ref, bf = forms['PyTorch fp32'], forms['PyTorch bf16']
    labels = lambda f: f['probs'] >= pred.threshold
    res = dict(xrays=len(files), threshold=pred.threshold, cpu_bf16_units=cpu_bf16_units(),
               forms={k: {kk: vv for kk, vv in v.items() if kk != 'probs'} for k, v in forms.items()},
               bf16_against_fp32=dict(largest_change_of_probability=round(float(np.abs(bf['probs'] - ref['probs']).max()), 5),
                                      labels_changed=int((labels(bf) != labels(ref)).sum()),
                                      same_figures_at_threshold=bf['at_threshold'] == ref['at_threshold'],
                                      same_stress_summary=bf['stress'] == ref['stress'] and bf['stress_inside_box'] == ref['stress_inside_box'],
                                      times_as_fast_predict=round(ref['predict_seconds'] / bf['predict_seconds'], 2),
                                      times_as_fast_stress=round(ref['stress_seconds'] / bf['stress_seconds'], 2)),
               **provenance(), command='python benchmarks/bf16_inference.py ' + ' '.join(sys.argv[1:]))
    if a.record: write_json(a.record, res)
    print(json.dumps(res, indent=2))
