#!/usr/bin/env python
"""One seed of the default recipe, trained again: does it give the run recorded earlier, on another machine?

    python benchmarks/same_seed.py --run RUN [--record benchmarks/results/same_seed.jsonl]

RUN is a finished `pneumo-train` run (its metrics.json). The script finds every run recorded in
`benchmarks/results/` with the same recipe and seed (the config equal but for paths, `prepared` and `precision`;
options added since at their defaults) and the same numerics (fp32 or bf16), and sets their figures beside RUN's: the
learning rate `lr_find` suggested, the best epoch, the validation ROC AUC, the threshold, and the figures at it. Figures
equal within 1e-6 mean the machines computed the same run (the threshold is fitted, so the last digits of a float
may differ); larger differences mean that training is not reproducible across them, and a verdict drawn from one run
on one machine can be noise (`09c_ensemble`).
"""
import argparse, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT/'benchmarks'))
from dataclasses import fields
from pneumo_nb.config import TrainConfig
from pneumo_nb.models import machine_kind
from pneumo_nb.ensemble import run_figures
from provenance import provenance, append_jsonl

IGNORED = ('data', 'split', 'prepared', 'precision', 'workers')   # paths and how batches are made
DEFAULTS = {f.name: f.default for f in fields(TrainConfig)}   # a config recorded before an option existed had its default
TOLERANCE = 1e-6
FIGURES = ('lr', 'best_epoch', 'roc_auc', 'threshold', 'accuracy at threshold', 'specificity at threshold', 'NORMAL2 specificity', 'stress: worst change in specificity')


def same_recipe(a:dict, b:dict) -> bool:
    "Whether configs `a` and `b` are one recipe and seed"
    keys = (set(a) | set(b)) - set(IGNORED)
    return all(a.get(k, DEFAULTS.get(k)) == b.get(k, DEFAULTS.get(k)) for k in keys)


def figures_of_metrics(m:dict) -> dict:
    "The figures compared: the run's learning rate, best epoch, ROC AUC and threshold, and some of `run_figures` (at the threshold)"
    f = run_figures(m)
    return {'lr': m.get('lr'), 'best_epoch': m.get('best_epoch'), 'roc_auc': m.get('roc_auc'), 'threshold': m.get('threshold'),
            'accuracy at threshold': f.get('accuracy'), 'specificity at threshold': f.get('specificity'),
            'NORMAL2 specificity': f.get('NORMAL2 specificity'), 'stress: worst change in specificity': f.get('stress: worst change in specificity')}


def recorded_runs() -> dict:
    "name -> (config, numerics, figures, machine, when) of the runs recorded in benchmarks/results that keep a metrics.json's figures"
    out = {}
    speed = json.loads((ROOT/'benchmarks/results/train_speed.json').read_text())
    for name, r in speed['runs'].items():
        out[f'train_speed.json: {name}'] = (r['config'], r['numerics'], figures_of_metrics(r), speed['machine'], speed['when'])
    for line in (ROOT/'benchmarks/results/recipe_ablations.jsonl').read_text().splitlines():
        r = json.loads(line)
        if 'run_threshold' not in r: continue
        clean = r['at']['operating']['clean'] if 'at' in r and 'operating' in r['at'] else {}
        figs = {'threshold': r['run_threshold'], 'roc_auc': clean.get('roc_auc', {}).get('value')}
        out[f"recipe_ablations.jsonl: {r['variant']}"] = (r['config'], r.get('numerics'), figs, r['machine'], r['when'])
    return out


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--run', type=Path, required=True, help='a finished pneumo-train run of a recorded recipe and seed')
    p.add_argument('--record', type=Path, default=None, help="append the comparison to this JSON-lines file")
    a = p.parse_args()
    if not (a.run/'metrics.json').exists(): sys.exit(f"--run: '{a.run}' holds no metrics.json (not a finished pneumo-train run)")
    m = json.loads((a.run/'metrics.json').read_text())
    mine = figures_of_metrics(m)
    others = {k: v for k, v in recorded_runs().items() if same_recipe(v[0], m['config']) and (v[1] or '').split()[0] == m['numerics'].split()[0]}
    if not others: sys.exit(f"no recorded run has the recipe, seed and numerics ({m['numerics']}) of '{a.run}'")
    rows = {}
    for name, (cfg, numerics, figs, machine, when) in others.items():
        same = {k: abs(figs[k] - mine[k]) <= TOLERANCE for k in FIGURES if figs.get(k) is not None}
        rows[name] = dict(numerics=numerics, platform=machine.get('platform'), when=when, figures=figs, equal=same,
                          reproduced=all(same.values()))
        print(f"{name} ({when}, {machine.get('platform')}, {numerics}): " + (f'the same within {TOLERANCE:g}' if all(same.values()) else
              'differs: ' + ', '.join(f"{k} {figs[k]:.6g} against {mine[k]:.6g}" for k, eq in same.items() if not eq)))
    res = dict(run=str(a.run), config=m['config'], numerics=m['numerics'], figures=mine, seconds=m['seconds'], recorded=rows,
               **provenance(cpu=machine_kind()['cpu'] or 'unknown'), command='python benchmarks/same_seed.py ' + ' '.join(sys.argv[1:]))
    if a.record: append_jsonl(a.record, res)
