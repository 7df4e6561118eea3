#!/usr/bin/env python
"""Ablations of the training recipe: the validation figures and the stress test of framing of each variant.

    python benchmarks/recipe_ablations.py --data PATH/chest_xray                      # every variant below
    python benchmarks/recipe_ablations.py --data PATH/chest_xray 'zoom 0.7-1.5' ...   # some of them

Each variant is `TrainConfig` with a few settings changed (`VARIANTS`). For each one the script trains on the patient
split of train/ (seed 42, the split every variant shares) and measures, on the validation patients only:

- the six measures at the threshold of 0.5 and at the operating threshold (Youden's J on the validation patients),
  with 95% intervals from the patient bootstrap;
- the stress test of framing (`pneumo_nb.evaluate.STRESS_TESTS`) at both thresholds, with the worst changes;
- for the threshold rules compared in `07_train`, the threshold each gives and how it holds under the stress test.

It appends one JSON line per variant to `--results` (default benchmarks/results/recipe_ablations.jsonl), with the
machine, the versions and the wall time; a variant already in the file is skipped, so an interrupted run resumes.
The official test split is never read.
"""
import argparse, json, sys, time
from dataclasses import asdict
from pathlib import Path
import numpy as np, pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pneumo_nb.cli import TrainConfig, quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.train import train_xray, operating_threshold
from pneumo_nb.inference import XRayPredictor
from pneumo_nb.metrics import _scores, choose_threshold
from pneumo_nb.evaluate import stress_probabilities, stress_report, stress_summary, stress_json, evaluation_report
from provenance import provenance, append_jsonl

WIDE = dict(min_zoom=0.7, max_zoom=1.5)   # the zoom range that removes most of the framing cue
VARIANTS = {   # name -> the settings that differ from TrainConfig's defaults (crop=None: before the lungs crop became the default)
    'old augmentation (zoom 1-1.1)':            dict(size=128, crop=None, epochs=8, min_zoom=1., max_zoom=1.1, max_aspect=1., max_lighting=0.2),
    'zoom 0.7-1.5':                    dict(size=128, crop=None, epochs=8, max_aspect=1., max_lighting=0.2, **WIDE),
    'zoom 0.7-1.5, aspect 1.3':        dict(size=128, crop=None, epochs=8, max_aspect=1.3, max_lighting=0.2, **WIDE),
    'zoom 0.7-1.5, aspect 1.3, light 0.4': dict(size=128, crop=None, epochs=8, max_aspect=1.3, max_lighting=0.4, **WIDE),
    'zoom 0.6-1.6, aspect 1.3, light 0.4': dict(size=128, crop=None, epochs=8, max_aspect=1.3, max_lighting=0.4, min_zoom=0.6, max_zoom=1.6),
    'zoom 0.7-1.5, aspect 1.3, light 0.4, mixup 0.4': dict(size=128, crop=None, epochs=8, max_aspect=1.3, max_lighting=0.4, mixup=0.4, **WIDE),
    'zoom 0.7-1.5, aspect 1.3, light 0.4, pad': dict(size=128, crop=None, epochs=8, max_aspect=1.3, max_lighting=0.4, method='pad', **WIDE),
    'zoom 0.7-1.5, aspect 1.3, light 0.4, CLAHE': dict(size=128, crop=None, epochs=8, max_aspect=1.3, max_lighting=0.4, equalize='clahe', **WIDE),
    # the second round: longer training, more stretch, more pixels
    'zoom 0.7-1.5, aspect 1.3, light 0.4, 16 epochs': dict(size=128, crop=None, epochs=16, max_aspect=1.3, max_lighting=0.4, **WIDE),
    'zoom 0.7-1.5, aspect 1.5, light 0.4, 16 epochs': dict(size=128, crop=None, epochs=16, max_aspect=1.5, max_lighting=0.4, **WIDE),
    'zoom 0.7-1.5, aspect 1.3, light 0.4, 16 epochs, unweighted': dict(size=128, crop=None, epochs=16, max_aspect=1.3, max_lighting=0.4, weighted_loss=False, **WIDE),
    # the third round: what the square training copy allows (padding is the same as squishing there), and longer still
    'zoom 0.7-1.5, aspect 1.3, light 0.4, 24 epochs': dict(size=128, crop=None, epochs=24, max_aspect=1.3, max_lighting=0.4, **WIDE),
    # the fourth round: take framing away before the network sees it (`crop_to_lungs`, in training and prediction)
    'zoom 0.7-1.5, aspect 1.3, light 0.4, 16 epochs, lungs crop': dict(size=128, epochs=16, max_aspect=1.3, max_lighting=0.4, crop='lungs', **WIDE),
}


def threshold_rules(y, probs:pd.DataFrame, groups) -> dict:
    "Candidate operating thresholds, each chosen on the validation patients, and how each holds under the stress test"
    stressed = probs.drop(columns='clean')
    def worst_balanced(t):
        return min((s['sensitivity'] + s['specificity']) / 2 for s in (_scores(y, probs[c].values, t, auc=False) for c in probs))
    grid = np.linspace(0.05, 0.95, 91)
    rules = {'0.5': 0.5, "Youden's J, clean": choose_threshold(y, probs['clean'].values),
             "Youden's J, clean and stressed pooled": operating_threshold(y, probs['clean'].values, probs),
             'best worst-case balanced accuracy': float(grid[np.argmax([worst_balanced(t) for t in grid])])}
    res = {}
    for name, t in rules.items():
        summary = stress_summary(stress_report(y, probs, t, groups, n_boot=1))
        res[name] = dict(threshold=float(t), clean=_scores(y, probs['clean'].values, t), worst_balanced_accuracy=worst_balanced(t),
                         mean_stressed_accuracy=float(np.mean([_scores(y, probs[c].values, t, auc=False)['accuracy'] for c in stressed])),
                         **{k: v for k, v in summary.items() if k.startswith('worst')})
    return res


def run_variant(name:str, overrides:dict, data:str, out:Path) -> dict:
    cfg = TrainConfig(data=data, stress=False, **overrides)
    start = time.perf_counter()
    learn, res = train_xray(cfg, out/name.replace(' ', '_').replace(',', ''), show=False)
    train_seconds = time.perf_counter() - start
    items = learn.dls.valid_ds.items
    y = (items.label == 'PNEUMONIA').astype(int).values
    pred = XRayPredictor.from_learner(learn, res['threshold'], cfg.arch)
    probs = stress_probabilities(pred, items.path)
    at = {}
    for label, t in [('0.5', 0.5), ('operating', res['threshold'])]:
        rep = evaluation_report(y, probs['clean'].values, t, groups=items.patient.values, n_boot=1000)
        stress = stress_report(y, probs, t, items.patient.values, n_boot=500)
        at[label] = dict(threshold=float(t), clean={m: rep[m] for m in ('accuracy', 'sensitivity', 'specificity', 'precision', 'f1', 'roc_auc')},
                         stress=stress_json(stress))
    return dict(variant=name, overrides=overrides, config=asdict(cfg), train_seconds=round(train_seconds, 1),
                total_seconds=round(time.perf_counter() - start, 1), lr=res['lr'], best_epoch=res['best_epoch'],
                n_valid=len(y), n_valid_normal=int((y == 0).sum()), at=at, threshold_rules=threshold_rules(y, probs, items.patient.values),
                **provenance(device=res['device']))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('variants', nargs='*', help=f'variants to run (default: all): {", ".join(VARIANTS)}')
    p.add_argument('--data', required=True, help='dataset root holding train/')
    p.add_argument('--results', type=Path, default=ROOT/'benchmarks/results/recipe_ablations.jsonl')
    p.add_argument('--out', type=Path, default=ROOT/'runs/ablations', help='folder for the models')
    a = p.parse_args()
    names = a.variants or list(VARIANTS)
    if unknown := [n for n in names if n not in VARIANTS]: p.error(f"unknown variant(s): {', '.join(unknown)}")
    done = {json.loads(l)['variant'] for l in a.results.read_text().splitlines() if l.strip()} if a.results.exists() else set()
    for name in names:
        if name in done: print(f'{name}: already in {a.results}, skipped'); continue
        rec = run_variant(name, VARIANTS[name], a.data, a.out)
        append_jsonl(a.results, rec)
        op = rec['at']['operating']
        print(f"{name}: {rec['train_seconds'] / 60:.1f} min; clean accuracy {op['clean']['accuracy']['value']:.3f}, "
              f"ROC AUC {op['clean']['roc_auc']['value']:.3f}; stress: worst sensitivity change "
              f"{op['stress']['summary']['worst change in sensitivity']:+.3f}, specificity "
              f"{op['stress']['summary']['worst change in specificity']:+.3f}", flush=True)


if __name__ == '__main__': main()
