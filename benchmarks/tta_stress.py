#!/usr/bin/env python
"""Does test-time augmentation (TTA) make a model hold up under the stress test of framing?

    python benchmarks/tta_stress.py --run nbs/runs/xray_cnn --data PATH/chest_xray [--n 4] [--record benchmarks/results/tta_stress.jsonl]

Reads the model (`model.pth`) and the patient split (`split.csv`) of a `pneumo-train` run folder, and runs the
stress test of framing (`stress_probabilities`) on its validation patients three ways: without TTA; with the
predictor's TTA (`XRayPredictor.probabilities(tta=True)`: fastai's mild default augmentation, the plain prediction
weighted 0.25); and averaging N views drawn with the run's own training augmentation (zoom, aspect, lighting,
always applied, no plain prediction). For each: the validation figures, and the worst change of sensitivity and
specificity under the stress test at 0.5, at the run's stored threshold, and at the pooled threshold
(`operating_threshold` over the clean and stressed copies). Chosen on validation patients of train/ only.
"""
import argparse, json, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()   # PyTorch's deprecation notices about code inside fastai
from fastai.vision.all import Pipeline, TensorImage
from pneumo_nb.inference import load_model
from pneumo_nb.augment import xray_aug_transforms
from pneumo_nb.stress import stress_probabilities, stress_report, stress_summary
from pneumo_nb.metrics import pneumonia_probability
from pneumo_nb.train import operating_threshold
from provenance import provenance, append_jsonl

def recipe_tta(pred, cfg:dict, n:int, seed:int=0):
    "A `probabilities` for `pred` that averages `n` views drawn with the run's training augmentation"
    aug = Pipeline(xray_aug_transforms(max_rotate=cfg['max_rotate'], min_zoom=cfg['min_zoom'], max_zoom=cfg['max_zoom'],
                                       max_aspect=cfg['max_aspect'], max_lighting=cfg['max_lighting'], p_affine=1.), split_idx=0)
    def probabilities(x, tta=False):
        x01 = TensorImage(x * pred.std + pred.mean)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            views = [pred._probs((aug(x01) - pred.mean) / pred.std) for _ in range(n)]
        return pneumonia_probability(np.mean(views, axis=0), pred.vocab)
    return probabilities

def summarise(y, groups, probs:pd.DataFrame, thresholds:dict) -> dict:
    res = {}
    for name, t in thresholds.items():
        rep = stress_report(y, probs, t, groups, n_boot=200)
        s = stress_summary(rep)
        res[name] = dict(threshold=float(t), sensitivity=float(rep.loc['clean', 'sensitivity']), specificity=float(rep.loc['clean', 'specificity']),
                         roc_auc=float(rep.loc['clean', 'roc_auc']), **{k: v for k, v in s.items()},
                         changes={k: [round(float(a), 4), round(float(b), 4)] for k, a, b in
                                  zip(rep.index, rep['change in sensitivity'], rep['change in specificity'])})
    return res

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', type=Path, required=True, help='a pneumo-train output folder (model.pth, split.csv, metrics.json)')
    p.add_argument('--data', type=Path, required=True, help='the dataset root the run was trained on')
    p.add_argument('--n', type=int, default=4, help='augmented views per X-ray')
    p.add_argument('--record', type=Path, default=None, help='append the results, as one JSON line, to this file')
    a = p.parse_args()
    pred = load_model(a.run/'model.pth')
    cfg = json.loads((a.run/'metrics.json').read_text())['config']
    split = pd.read_csv(a.run/'split.csv').query("split == 'valid'")
    files, y, groups = [a.data/f for f in split.path], (split.label == 'PNEUMONIA').astype(int).values, split.patient.values
    results = {}
    for way in ('no TTA', 'predictor TTA', f'recipe augmentation, {a.n} views'):
        start = time.perf_counter()
        if way == 'no TTA': probs = stress_probabilities(pred, files)
        elif way == 'predictor TTA': probs = stress_probabilities(pred, files, tta=True)
        else:
            plain, pred.probabilities = pred.probabilities, recipe_tta(pred, cfg, a.n)
            try: probs = stress_probabilities(pred, files)
            finally: pred.probabilities = plain
        pooled = operating_threshold(y, probs['clean'].values, probs)
        results[way] = dict(minutes=round((time.perf_counter() - start) / 60, 1),
                            **summarise(y, groups, probs, {'0.5': 0.5, 'stored': pred.threshold, 'pooled': pooled}))
        r = results[way]
        print(f"{way} ({r['minutes']} min): " + '; '.join(f"{k} {r[k]['threshold']:.3f}: worst {r[k]['worst change in sensitivity']:+.3f} "
                                                          f"/ {r[k]['worst change in specificity']:+.3f}" for k in ('0.5', 'stored', 'pooled')), flush=True)
    res = dict(run=str(a.run), n_valid=len(y), n_valid_normal=int((y == 0).sum()), results=results,
               **provenance())
    if a.record: append_jsonl(a.record, res)   # one JSON line per run, appended, as `read_ablations` (05_augment) reads them
