#!/usr/bin/env python
"""Benchmark prediction: single-image latency and folder throughput.

    python benchmarks/predict_speed.py [--model MODEL ...] [--folder FOLDER] [--limit 1000] [--out runs/predict_speed] [--record FILE]

MODEL is a model.pth (weights only) or model.onnx (onnxruntime, with the onnx extra) written by pneumo-train, or a
model.pkl with --trust-pickle. Several are compared: each measurement is taken for every model in turn, and the
result holds one entry per model under `models`. Without MODEL, the default recipe (`TrainConfig()`: xray_cnn at
128 px, each X-ray cropped to its lungs) is trained for one epoch on the bundled sample first (speed does not depend
on how well a model was trained).
Reports, on this machine's CPU (or GPU when the model is loaded there):
- latency of one image, from the file on disk to the answer (`XRayPredictor.predict`), median and 90th percentile;
- throughput of `predict_folder` on the first LIMIT images of FOLDER (default: the bundled sample), for each batch
  size BS (default 1 4 8 16 32), with 0 and with 1 loader processes, next to predicting the files one at a time;
  each the median of REPEATS runs (default 3).
Results go to OUT/predict_speed.json as well, and with `--record FILE` to FILE (the README quotes
benchmarks/results/predict_speed.json, and benchmarks/results/predict_speed_forms.json for model.pth against model.onnx).
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, torch
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()   # PyTorch's deprecation notices about code inside fastai
from pneumo_nb.data import image_files, sample_path
from pneumo_nb.inference import load_model
from pneumo_nb.config import TrainConfig
from pneumo_nb.train import train_xray
from provenance import provenance, write_json

def timed(f):
    t = time.perf_counter(); r = f(); return r, time.perf_counter() - t

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', type=Path, nargs='*', default=[], help='one model, or several to compare (measured in turn)')
    p.add_argument('--trust-pickle', action='store_true', help='open a model.pkl you made yourself (unpickling runs code)')
    p.add_argument('--folder', type=Path, default=None)
    p.add_argument('--limit', type=int, default=1000)
    p.add_argument('--n-latency', type=int, default=100)
    p.add_argument('--bs', type=int, nargs='+', default=[1, 4, 8, 16, 32])
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--out', type=Path, default=Path('runs/predict_speed'))
    p.add_argument('--record', type=Path, default=None, help='also write the results to this JSON file')
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    if not a.model:
        train_xray(TrainConfig(epochs=1, lr=1e-3), a.out/'model', show=False)
        a.model = [a.out/'model/model.pth']
    preds = {str(m): load_model(m, trust_pickle=a.trust_pickle) for m in a.model}
    files = image_files(a.folder or sample_path()/'train')[:a.limit]
    lat_files = (files * (a.n_latency // len(files) + 1))[:a.n_latency]
    res = {m: dict(model=m, predictor=repr(pred), runtime=pred.runtime, folder=str(a.folder or sample_path()/'train'),
                   n_images=len(files), torch_threads=torch.get_num_threads(), repeats=a.repeats) for m, pred in preds.items()}
    for m, pred in preds.items():
        for f in lat_files[:5]: pred.predict(f)   # warm up
        lat = np.array([timed(lambda: pred.predict(f))[1] for f in lat_files]) * 1000
        assert pred.predict_folder(files, progress=False).error.isna().all(), 'unreadable images in the folder'
        res[m].update(latency_ms_median=round(float(np.median(lat)), 1), latency_ms_p90=round(float(np.percentile(lat, 90)), 1),
                      one_at_a_time_images_per_s=round(1000 / float(np.mean(lat)), 1))
    def rate(pred, **kw):
        "Median images per second of `predict_folder` over `--repeats` runs"
        ss = [timed(lambda: pred.predict_folder(files, progress=False, **kw))[1] for _ in range(a.repeats)]
        return round(len(files) / float(np.median(ss)), 1)
    settings = [('default', {})] + [(f'bs_{bs}_workers_{w}', dict(bs=bs, num_workers=w)) for bs in a.bs for w in (0, 1)]
    for name, kw in settings:   # each setting for every model in turn, so that a busier moment of the machine hits them alike
        for m, pred in preds.items():
            if kw: pred.predict_folder(files[:64], progress=False, **kw)   # warm up
            res[m][f'folder_images_per_s_{name}'] = rate(pred, **kw)
    out = res[str(a.model[0])] if len(preds) == 1 else dict(models=res, note='each measurement taken for every model in turn')
    out.update(provenance(), command='python benchmarks/predict_speed.py ' + ' '.join(sys.argv[1:]))
    for f in [a.out/'predict_speed.json', a.record]:
        if f is not None: write_json(f, out)
    print(json.dumps(out, indent=2))
