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

From the fifth round on (the second series of normal X-rays), each line also holds:

- `by_series`: sensitivity or specificity per series (`IM`, `NORMAL2`, `bacteria`, `virus`) with patient-bootstrap
  intervals, at both thresholds;
- `halves`: the validation patients cut in two halves (patients grouped, series in proportion, seed 0); the operating
  threshold is chosen on one half and the figures reported on the other, both ways, so that the variant chosen on the
  `choose` half can be reported on the `report` half, which chose nothing;

and the model's folder keeps `valid_probs.csv` (every validation X-ray, as it is and changed). A finished run folder of
the same recipe is read back instead of trained again (copy the default recipe's run there to score it without
training), and an ensemble (`ENSEMBLES`) averages the probabilities of variants already run.

It appends one JSON line per variant to `--results` (default benchmarks/results/recipe_ablations.jsonl), with the
machine, the versions and the wall time; a variant already in the file is skipped, so an interrupted run resumes.
The official test split is never read.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pneumo_nb.cli import quiet_library_warnings
from pneumo_nb.config import TrainConfig
quiet_library_warnings()
from pneumo_nb.train import train_xray, operating_threshold, same_recipe
from pneumo_nb.inference import load_model
from pneumo_nb.metrics import scores_at, choose_threshold
from pneumo_nb.data import xray_table, patient_split, save_split, load_split
from pneumo_nb.evaluate import evaluation_report, series_report
from pneumo_nb.stress import stress_probabilities, stress_report, stress_summary, stress_json
from provenance import provenance, append_jsonl

WIDE = dict(min_zoom=0.7, max_zoom=1.5)
SPLIT42 = 'seed-42 split'   # stands for the split CSV of seed 42 (the default's split), so that a seed changes only the weights   # the zoom range that removes most of the framing cue
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
    # the fifth round: the normal X-rays of the second series (NORMAL2); `TrainConfig()` is the default recipe, calibrated
    'default recipe (calibrated)':     dict(),
    'default recipe, TTA':             dict(_tta=True, _model='default recipe (calibrated)'),
    'lungs crop, CLAHE':               dict(equalize='clahe'),
    'lungs crop, histogram equalisation': dict(equalize='equalize'),
    'lungs crop, weights seed 1':      dict(seed=1, split=SPLIT42),
    'lungs crop, weights seed 2':      dict(seed=2, split=SPLIT42),
    'lungs crop, 160 px':              dict(size=160),
    'lungs crop, noise up to 16':      dict(max_noise=16.),   # the stress test inside the box: noise raised P(pneumonia) of normals
    'lungs crop, series-balanced sampling': dict(sampling='series'),   # each series (IM, NORMAL2, bacteria, virus) a quarter of every epoch
}
ENSEMBLES = {   # name -> the variants whose P(pneumonia) it averages (all on the seed-42 split)
    'mean of 3 weight seeds': ['default recipe (calibrated)', 'lungs crop, weights seed 1', 'lungs crop, weights seed 2'],
}


def threshold_rules(y, probs:pd.DataFrame, groups) -> dict:
    "Candidate operating thresholds, each chosen on the validation patients, and how each holds under the stress test"
    stressed = probs.drop(columns='clean')
    def worst_balanced(t):
        return min((s['sensitivity'] + s['specificity']) / 2 for s in (scores_at(y, probs[c].values, t, auc=False) for c in probs))
    grid = np.linspace(0.05, 0.95, 91)
    rules = {'0.5': 0.5, "Youden's J, clean": choose_threshold(y, probs['clean'].values),
             "Youden's J, clean and stressed pooled": operating_threshold(y, probs['clean'].values, probs),
             'best worst-case balanced accuracy': float(grid[np.argmax([worst_balanced(t) for t in grid])])}
    res = {}
    for name, t in rules.items():
        summary = stress_summary(stress_report(y, probs, t, groups, n_boot=1))
        res[name] = dict(threshold=float(t), clean=scores_at(y, probs['clean'].values, t), worst_balanced_accuracy=worst_balanced(t),
                         mean_stressed_accuracy=float(np.mean([scores_at(y, probs[c].values, t, auc=False)['accuracy'] for c in stressed])),
                         **{k: v for k, v in summary.items() if k.startswith('worst')})
    return res


def slug(name:str) -> str: return name.replace(' ', '_').replace(',', '').replace('(', '').replace(')', '')


def seed42_split(data:str, out:Path) -> str:
    "The patient split of seed 42 (the default recipe's) as a split CSV in `out`"
    fname = out/'split_seed42.csv'
    if not fname.exists(): save_split(patient_split(xray_table(data), 0.2, 42), fname)
    return str(fname)


def trained(name:str, overrides:dict, data:str, out:Path) -> tuple:
    "(run folder, metrics, seconds): read back when the folder holds a finished run of the same recipe, else trained"
    overrides = {k: v for k, v in overrides.items() if not k.startswith('_')}
    if overrides.get('split') == SPLIT42: overrides['split'] = seed42_split(data, out)
    cfg, d = TrainConfig(data=data, stress=False, **overrides), out/slug(name)
    if (d/'metrics.json').exists() and (d/'model.pth').exists():
        res = json.loads((d/'metrics.json').read_text())
        if same_recipe(res['config'], cfg, ignore=('stress', 'workers', 'split', 'data')): return d, res, res['seconds']
    start = time.perf_counter()
    _, res = train_xray(cfg, d, show=False)
    return d, res, time.perf_counter() - start


def valid_table(d:Path, data:str) -> pd.DataFrame:
    "The validation X-rays of the run in `d`: path (absolute), y, patient, series"
    t = load_split(d/'split.csv')
    t = t[t.split == 'valid'].reset_index(drop=True)
    return pd.DataFrame(dict(path=[str(Path(data)/p) for p in t.path], y=(t.label == 'PNEUMONIA').astype(int).values,
                             patient=t.patient.values, series=t.series.values))


def halves(t:pd.DataFrame, seed:int=0) -> np.ndarray:
    "Half 0 or 1 for each X-ray: patients grouped, series in proportion"
    from sklearn.model_selection import StratifiedGroupKFold
    half = np.zeros(len(t), int)
    _, second = next(StratifiedGroupKFold(2, shuffle=True, random_state=seed).split(t, t.series, t.patient))
    half[second] = 1
    return half


def halves_record(t:pd.DataFrame, probs:pd.DataFrame) -> dict:
    "The threshold chosen on one half of the validation patients (the default rule) and the figures on the other, both ways"
    h, out = halves(t), {}
    for choose, report in ((0, 1), (1, 0)):
        c, r = h == choose, h == report
        thr = operating_threshold(t.y.values[c], probs.clean.values[c], probs[c])
        rt = t[r]
        out[f'choose on {choose}, report on {report}'] = dict(
            threshold=float(thr), n_choose=int(c.sum()), n_report=int(r.sum()),
            choose=scores_at(t.y.values[c], probs.clean.values[c], thr), report=scores_at(rt.y.values, probs.clean.values[r], thr),
            report_by_series=series_report(rt.y.values, probs.clean.values[r], rt.path, thr, rt.patient.values, n_boot=500))
    return out


def score_record(name:str, t:pd.DataFrame, probs:pd.DataFrame) -> dict:
    "Every figure of a variant from its validation table and its probabilities (as they are and changed)"
    y, g = t.y.values, t.patient.values
    at = {}
    for label, thr in [('0.5', 0.5), ('operating', operating_threshold(y, probs.clean.values, probs))]:
        rep = evaluation_report(y, probs['clean'].values, thr, groups=g, n_boot=1000)
        at[label] = dict(threshold=float(thr), clean={m: rep[m] for m in ('accuracy', 'sensitivity', 'specificity', 'precision', 'f1', 'roc_auc')},
                         stress=stress_json(stress_report(y, probs, thr, g, n_boot=500)),
                         by_series=series_report(y, probs.clean.values, t.path, thr, g))
    return dict(variant=name, n_valid=len(y), n_valid_normal=int((y == 0).sum()), at=at,
                threshold_rules=threshold_rules(y, probs, g), halves=halves_record(t, probs))


def run_variant(name:str, overrides:dict, data:str, out:Path) -> dict:
    start = time.perf_counter()
    model_name = overrides.get('_model', name)
    d, res, train_seconds = trained(model_name, VARIANTS[model_name], data, out)
    t, tta = valid_table(d, data), overrides.get('_tta', False)
    pred = load_model(d)
    probs = stress_probabilities(pred, t.path, tta=tta)
    probs.insert(0, 'path', t.path.values)
    probs.to_csv(d/f"valid_probs{'_tta' if tta else ''}.csv", index=False)
    rec = score_record(name, t, probs.drop(columns='path'))
    return dict(rec, overrides={k: v for k, v in overrides.items() if k != 'split'}, config=res['config'],
                train_seconds=round(train_seconds, 1), total_seconds=round(time.perf_counter() - start, 1), lr=res['lr'],
                best_epoch=res['best_epoch'], calibration=res.get('calibration', {}).get('method'),
                **provenance(device=res['device']))


def run_ensemble(name:str, members:list, data:str, out:Path) -> dict:
    "The record of the mean P(pneumonia) of `members` (already run), as they are and changed"
    tables = [pd.read_csv(out/slug(m)/'valid_probs.csv').set_index('path') for m in members]
    first = tables[0]
    if any(set(x.index) != set(first.index) for x in tables):
        raise ValueError(f"{name}: the members were not validated on the same X-rays")
    probs = sum(x.loc[first.index] for x in tables) / len(tables)
    t = valid_table(out/slug(members[0]), data).set_index('path').loc[first.index].reset_index()
    return dict(score_record(name, t, probs.reset_index(drop=True)), members=members, **provenance())


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('variants', nargs='*', help=f'variants to run (default: all): {", ".join([*VARIANTS, *ENSEMBLES])}')
    p.add_argument('--data', required=True, help='dataset root holding train/')
    p.add_argument('--results', type=Path, default=ROOT/'benchmarks/results/recipe_ablations.jsonl')
    p.add_argument('--out', type=Path, default=ROOT/'runs/ablations', help='folder for the models')
    a = p.parse_args()
    names = a.variants or [*VARIANTS, *ENSEMBLES]
    if unknown := [n for n in names if n not in VARIANTS and n not in ENSEMBLES]: p.error(f"unknown variant(s): {', '.join(unknown)}")
    done = {json.loads(l)['variant'] for l in a.results.read_text().splitlines() if l.strip()} if a.results.exists() else set()
    for name in names:
        if name in done: print(f'{name}: already in {a.results}, skipped'); continue
        rec = run_ensemble(name, ENSEMBLES[name], a.data, a.out) if name in ENSEMBLES else run_variant(name, VARIANTS[name], a.data, a.out)
        append_jsonl(a.results, rec)
        op = rec['at']['operating']
        by = op.get('by_series', {})
        print(f"{name}: {rec.get('train_seconds', 0) / 60:.1f} min; NORMAL2 specificity {by.get('NORMAL2', {}).get('value', float('nan')):.3f}, "
              f"sensitivity {op['clean']['sensitivity']['value']:.3f}; clean accuracy {op['clean']['accuracy']['value']:.3f}, "
              f"ROC AUC {op['clean']['roc_auc']['value']:.3f}; stress: worst sensitivity change "
              f"{op['stress']['summary']['worst change in sensitivity']:+.3f}, specificity "
              f"{op['stress']['summary']['worst change in specificity']:+.3f}", flush=True)


if __name__ == '__main__': main()
