#!/usr/bin/env python
"""Benchmark the stress test of framing: seconds for the validation X-rays of a run, per number of loader processes.

    python benchmarks/stress_speed.py --run nbs/runs/xray_cnn --data PATH/chest_xray [--workers 0 1 2] [--record FILE]

Reads the run's `split.csv`, takes its validation X-rays, and times `stress_probabilities` as `train_xray` runs it: one
pass over the 13 changes of framing (`STRESS_TESTS`, each changed X-ray searched for its lungs box again) and, for a model
cropped to the lungs, the 4 changes inside the box (`inside_box_tests`), the X-rays as they are given (as `train_xray`
gives them, so that a copy left unchanged is not predicted). It runs the run's `model.onnx` (onnxruntime, what
`train_xray` uses on a CPU) and, for comparison, its `model.pth` (PyTorch), for each number of loader processes, with
the 13 changes of framing alone (the stress test before the changes inside the box existed) and with all of them.
It then measures the two halves of the work alone, in this process, as CPU seconds: preparing every copy of all 17
changes (decoding, the change, the box search, resizing), and running `model.onnx` on as many copies as the stress
test predicts. Their sum over the number of cores is the least time the stress test can take on this machine, however
the two are overlapped. With `--record FILE` the result is written to FILE with the machine and the date.
"""
import argparse, json, os, sys, time
from pathlib import Path
import numpy as np, pandas as pd
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.inference import load_model, stack_xrays
from pneumo_nb.stress import stress_probabilities, StressedXRays, STRESS_TESTS, inside_box_tests
from provenance import provenance, write_json

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', type=Path, required=True, help='a pneumo-train output folder (model.onnx, model.pth, split.csv)')
    p.add_argument('--data', type=Path, required=True, help='the dataset root the run trained on')
    p.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2], help='loader process counts to measure')
    p.add_argument('--record', type=Path, default=None, help='also write the result to this JSON file')
    a = p.parse_args()
    split = pd.read_csv(a.run/'split.csv')
    files = [a.data/p for p in split.query("split == 'valid'").path]
    clean = np.full(len(files), 0.5)   # given, as train_xray gives the validation predictions: not part of the time
    runs = []
    for form in ('model.onnx', 'model.pth'):
        pred = load_model(a.run/form)
        for w in (a.workers if form == 'model.onnx' else a.workers[-1:]):
            inside = inside_box_tests(pred)
            for tests in [STRESS_TESTS] + ([{**STRESS_TESTS, **inside}] if inside else []):
                t = time.perf_counter(); stress_probabilities(pred, files, tests, clean=clean, num_workers=w)
                runs.append(dict(model=form, workers=w, changes=len(tests), seconds=round(time.perf_counter() - t, 1)))
                print(json.dumps(runs[-1]), flush=True)
    pred = load_model(a.run/'model.onnx')
    ds = StressedXRays(pred, files, {**STRESS_TESTS, **inside_box_tests(pred)})
    t = time.process_time(); items = [ds[i] for i in range(len(ds))]; prepare = time.process_time() - t
    copies = sum(int((~same).sum()) for _, same in items)   # those a change left as they were take the given probability
    batch = pred.normalize(stack_xrays([x for x, _ in items[:4]]).flatten(0, 1)[:64])
    t, done = time.process_time(), 0
    while done < copies: pred.probabilities(batch[:copies - done]); done += len(batch)
    network = time.process_time() - t
    floor = dict(changes=len(ds.changes), cpu_seconds_prepare=round(prepare, 1), copies_predicted=copies,
                 cpu_seconds_network=round(network, 1), least_seconds_on_all_cores=round((prepare + network) / (os.cpu_count() or 1), 1))
    print(json.dumps(floor), flush=True)
    res = dict(xrays=len(files), runs=runs, floor=floor, **provenance(), command='python benchmarks/stress_speed.py ' + ' '.join(sys.argv[1:]))
    if a.record: write_json(a.record, res)
    print(json.dumps(res, indent=2))
