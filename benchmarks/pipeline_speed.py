#!/usr/bin/env python
"""Benchmark the data pipeline of the default recipe alone, without the model: X-rays per second, prepared or per item.

    python benchmarks/pipeline_speed.py --data PATH/chest_xray [--workers 0 1 2] [--epochs 2] [--record FILE]

Builds the default recipe's `DataLoaders` (`config_dls` of `TrainConfig()`, as `pneumo-train` does: listing, checks,
the lung boxes, and the prepared X-rays), timed as `prepare`, then draws every training batch for `--epochs` epochs
(on the CPU: the augmentation batch transforms, and for the per-item pipeline the decoding, the lungs crop, resizing
and collation too) and times each epoch. It measures
- the prepared X-rays (the default, `prepare_xrays`): once with an empty cache folder (`cold`: every X-ray decoded,
  cropped and resized, on every core, and kept), once reading the kept array back (`warm`);
- the per-item pipeline (`--no-prepared`) for each number of DataLoader worker processes in `--workers`: its first
  epoch includes what it does once per X-ray; the last one is the steady state.
`per_core` divides X-rays per second by the cores of the machine.
With `--record FILE` the result is appended to FILE (JSON lines) with the commit, the machine and the date.
"""
import argparse, json, subprocess, sys, tempfile, time
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

def measure(data:Path, epochs:int, device:str, label:str, **cfg_kwargs) -> dict:
    cache = cfg_kwargs.pop('cache', True)
    t = time.perf_counter()
    dls = config_dls(TrainConfig(data=str(data), **cfg_kwargs), device=device, cache=cache)
    prepare = time.perf_counter() - t
    rates = []
    for _ in range(epochs):
        t, n = time.perf_counter(), 0
        for xb, yb in dls.train: n += len(yb)
        if device == 'cuda': torch.cuda.synchronize()
        rates.append(n / (time.perf_counter() - t))
    return dict(pipeline=label, workers=dls.train.fake_l.num_workers, prepare_seconds=round(prepare, 2), xrays_per_epoch=n,
                epoch_xrays_per_s=[round(r, 1) for r in rates], per_core=round(rates[-1] / defaults.cpus, 1))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', type=Path, required=True, help='the dataset root holding train/')
    p.add_argument('--workers', type=int, nargs='*', default=[0, 1, 2], help='worker counts to measure the per-item pipeline with')
    p.add_argument('--epochs', type=int, default=2, help='epochs drawn per measurement')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu', help='where batch transforms run')
    p.add_argument('--label', default='', help='a word about the version measured, kept with the result')
    p.add_argument('--record', type=Path, default=None, help='append the result to this JSON lines file')
    a = p.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as cache:   # an empty cache folder: the first measurement prepares every X-ray
        for label in ('prepared, cold', 'prepared, warm'):
            runs.append(measure(a.data, a.epochs, a.device, label, prepared=True, cache=Path(cache)))
            print(json.dumps(runs[-1]), flush=True)   # each as it is measured
    for w in a.workers:
        runs.append(measure(a.data, a.epochs, a.device, 'per item', prepared=False, workers=w))
        print(json.dumps(runs[-1]), flush=True)
    res = dict(label=a.label, commit=commit(), data=a.data.name, device=a.device, runs=runs, **provenance(),
               command='python benchmarks/pipeline_speed.py ' + ' '.join(sys.argv[1:]))
    if a.record: append_jsonl(a.record, res)
    print(json.dumps(res, indent=2))
