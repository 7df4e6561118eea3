#!/usr/bin/env python
"""Benchmark the data pipeline of the default recipe alone, without the model: X-rays per second per worker count.

    python benchmarks/pipeline_speed.py --data PATH/chest_xray [--workers 0 1 2] [--epochs 2] [--record FILE]

For each number of DataLoader worker processes it builds the default recipe's `DataLoaders` (`config_dls` of
`TrainConfig()`, as `pneumo-train` does: listing, checks, and with this version the lung boxes), timed as `prepare`,
then draws every training batch for `--epochs` epochs (decoding, the lungs crop, resizing, collation and the
augmentation batch transforms, on the CPU) and times each epoch. The first epoch includes what a pipeline does once per
X-ray; the last one is the steady state. `per_core` divides X-rays per second by the cores of the machine.
With `--record FILE` the result is appended to FILE (JSON lines) with the commit, the machine and the date.
"""
import argparse, json, subprocess, sys, time
from pathlib import Path
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from fastai.vision.all import *
from pneumo_nb.config import TrainConfig
from pneumo_nb.train import config_dls
from provenance import provenance, append_jsonl

def commit() -> str:
    try: return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True,
                               cwd=Path(__file__).parent).stdout.strip() or 'unknown'
    except OSError: return 'unknown'

def measure(data:Path, workers:int, epochs:int, device:str) -> dict:
    t = time.perf_counter()
    dls = config_dls(TrainConfig(data=str(data), workers=workers), device=device)
    prepare = time.perf_counter() - t
    rates = []
    for _ in range(epochs):
        t, n = time.perf_counter(), 0
        for xb, yb in dls.train: n += len(yb)
        if device == 'cuda': torch.cuda.synchronize()
        rates.append(n / (time.perf_counter() - t))
    return dict(workers=workers, prepare_seconds=round(prepare, 2), xrays_per_epoch=n,
                epoch_xrays_per_s=[round(r, 1) for r in rates], per_core=round(rates[-1] / defaults.cpus, 1))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', type=Path, required=True, help='the dataset root holding train/')
    p.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2], help='worker counts to measure')
    p.add_argument('--epochs', type=int, default=2, help='epochs drawn per worker count')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu', help='where batch transforms run')
    p.add_argument('--label', default='', help='a word about the version measured, kept with the result')
    p.add_argument('--record', type=Path, default=None, help='append the result to this JSON lines file')
    a = p.parse_args()
    runs = []
    for w in a.workers:
        runs.append(measure(a.data, w, a.epochs, a.device))
        print(json.dumps(runs[-1]), flush=True)   # each as it is measured
    res = dict(label=a.label, commit=commit(), data=a.data.name, device=a.device, runs=runs, **provenance(),
               command='python benchmarks/pipeline_speed.py ' + ' '.join(sys.argv[1:]))
    if a.record: append_jsonl(a.record, res)
    print(json.dumps(res, indent=2))
