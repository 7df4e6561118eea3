#!/usr/bin/env python
"""The spread between seeds of one recipe, and ensembles of its runs, on the validation patients.

    pneumo-ensemble RUN_A RUN_B RUN_C --data PATH/chest_xray --out nbs/runs/ensemble
    python benchmarks/seed_spread.py --runs RUN_A RUN_B RUN_C --ensemble nbs/runs/ensemble --data PATH/chest_xray [--record FILE]

The runs are `pneumo-train` runs of one recipe on one patient split with different seeds; the ensemble is the one
`pneumo-ensemble` made of them (the mean of their probabilities, its own calibration, threshold and check). For each
run the script predicts every validation X-ray as it is and under each change of the stress test (the runs' ONNX form,
their calibration left out), and from these raw probabilities it scores, with the functions of
`recipe_ablations.py` (every figure at the operating threshold, by series, the stress test, the halves of the
validation patients):

- each run, with its own calibration;
- the ensemble as shipped: the mean of the runs' raw probabilities, with the ensemble's calibration (its threshold is
  checked against the one `pneumo-ensemble` chose);
- the ensemble of the logits (the mean of each run's log-odds), with a calibration fitted the same way: the other
  choice of `--combine`, measured, not shipped unless it is better by more than the spread.

It also gives the spread between the runs (`spread_table`) and the time per X-ray of `predict_folder` for one run and
for the ensemble (its weights-only and ONNX forms) on the same files. The records of the runs and of both ensembles
are appended to `--results` (default benchmarks/results/recipe_ablations.jsonl), and the whole result is written to
`--record`. The official test split is never read.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.inference import load_model
from pneumo_nb.metrics import calibrate, fit_calibration
from pneumo_nb.stress import stress_tables
from pneumo_nb.train import operating_threshold
from pneumo_nb.ensemble import spread_table
from provenance import provenance, write_json, append_jsonl
from recipe_ablations import score_record, valid_table


def raw_tables(run:Path, files:list) -> pd.DataFrame:
    "P(pneumonia) of every X-ray as it is and under every change (framing and inside the box), before the run's calibration"
    pred = load_model(run/'model.onnx') if (run/'model.onnx').exists() else load_model(run/'model.pth')
    pred.calibration = None
    framing, boxed = stress_tables(pred, files)
    return framing if boxed is None else framing.join(boxed.drop(columns='clean'))



if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--runs', type=Path, nargs='+', required=True, help='pneumo-train runs of one recipe, one split, different seeds')
    p.add_argument('--ensemble', type=Path, required=True, help='the folder pneumo-ensemble wrote for them')
    p.add_argument('--data', type=Path, required=True, help='the dataset root they trained on')
    p.add_argument('--name', default='default recipe', help='the recipe, for the records')
    p.add_argument('--speed-files', type=int, default=500, help='validation X-rays to time predict_folder on')
    p.add_argument('--results', type=Path, default=ROOT/'benchmarks/results/recipe_ablations.jsonl')
    p.add_argument('--record', type=Path, default=None, help='also write the whole result to this JSON file')
    a = p.parse_args()
    t = valid_table(a.runs[0], str(a.data))
    files, y, g = list(t.path), t.y.values, t.patient.values
    ens_metrics = json.loads((a.ensemble/'metrics.json').read_text())
    ens_members = [Path(m).resolve() for m in ens_metrics['ensemble']['members']]
    if ens_members != [r.resolve() for r in a.runs]: sys.exit(f"{a.ensemble} is not the ensemble of {', '.join(map(str, a.runs))}: its members are {ens_members}")
    t0 = time.perf_counter()
    raw, metrics = {}, {}
    for run in a.runs:
        s = time.perf_counter()
        raw[run] = raw_tables(run, files)
        metrics[run] = json.loads((run/'metrics.json').read_text())
        print(f'{run}: predicted as it is and changed in {time.perf_counter() - s:.0f} s', flush=True)
    from pneumo_nb.stress import STRESS_TESTS
    framing = ['clean', *STRESS_TESTS]
    seeds = [metrics[r]['config']['seed'] for r in a.runs]
    records = []
    for run, seed in zip(a.runs, seeds):
        cal = metrics[run].get('calibration')
        probs = pd.DataFrame(calibrate(raw[run].values.ravel(), cal).reshape(raw[run].shape), columns=raw[run].columns)
        rec = score_record(f"{a.name}, seed {seed} (pneumo-train, {time.strftime('%Y-%m-%d')})", t, probs[framing])
        records.append(dict(rec, config=metrics[run]['config'], train_seconds=metrics[run]['seconds'], numerics=metrics[run].get('numerics'),
                            run_threshold=metrics[run]['threshold'], **provenance(device=metrics[run]['device'])))
    mean_raw = sum(raw[r] for r in a.runs) / len(a.runs)
    shipped = pd.DataFrame(calibrate(mean_raw.values.ravel(), ens_metrics['calibration']).reshape(mean_raw.shape), columns=mean_raw.columns)
    rec = score_record(f"{a.name}, ensemble of {len(a.runs)} seeds, mean probabilities (pneumo-ensemble)", t, shipped[framing])
    check = operating_threshold(y, shipped.clean.values, shipped[framing])
    records.append(dict(rec, members=[str(r) for r in a.runs], seeds=seeds, combine='probabilities', ensemble_threshold=ens_metrics['threshold'],
                        threshold_as_recomputed=check, train_seconds=round(sum(metrics[r]['seconds'] for r in a.runs) + ens_metrics['seconds'], 1), **provenance()))
    lo = lambda q: np.log(np.clip(q, 1e-7, 1 - 1e-7) / np.clip(1 - q, 1e-7, 1))
    mean_logit = 1 / (1 + np.exp(-(sum(lo(raw[r]) for r in a.runs) / len(a.runs))))
    lcal = fit_calibration(y, mean_logit.clean.values, g)
    logits = pd.DataFrame(calibrate(mean_logit.values.ravel(), lcal).reshape(mean_logit.shape), columns=mean_logit.columns)
    rec = score_record(f"{a.name}, ensemble of {len(a.runs)} seeds, mean logits (measured)", t, logits[framing])
    records.append(dict(rec, members=[str(r) for r in a.runs], seeds=seeds, combine='logits', calibration=lcal.get('method'), **provenance()))
    for r in records: append_jsonl(a.results, r)
    print(f'scored in {time.perf_counter() - t0:.0f} s', flush=True)
    # the spread between the runs, from their own metrics.json (what pneumo-train reported)
    spread = spread_table({f'seed {s}': metrics[r] for r, s in zip(a.runs, seeds)})
    # time per X-ray: one run, and the ensemble in its two forms, on the same files
    sfiles, times = files[:a.speed_files], {}
    forms = {'one run (model.pth)': a.runs[0]/'model.pth', 'one run (model.onnx)': a.runs[0]/'model.onnx',
             'ensemble (model.pth)': a.ensemble/'model.pth', 'ensemble (model.onnx)': a.ensemble/'model.onnx'}
    preds = {k: load_model(f) for k, f in forms.items() if f.exists()}
    for _ in range(3):
        for k, pr in preds.items():
            s = time.perf_counter(); pr.predict_folder(sfiles, progress=False); times.setdefault(k, []).append(time.perf_counter() - s)
    ms = {k: round(1000 * float(np.median(v)) / len(sfiles), 2) for k, v in times.items()}
    res = dict(recipe=a.name, runs=[str(r) for r in a.runs], seeds=seeds, ensemble=str(a.ensemble), n_valid=len(files),
               spread=json.loads(spread.round(4).to_json(orient='index')),
               ensemble_threshold=dict(pneumo_ensemble=ens_metrics['threshold'], recomputed=check),
               variants=[r['variant'] for r in records],
               ms_per_xray=dict(files=len(sfiles), **ms), train_seconds={f'seed {s}': metrics[r]['seconds'] for r, s in zip(a.runs, seeds)},
               ensemble_seconds=ens_metrics['seconds'], numerics=sorted({metrics[r].get('numerics') for r in a.runs}),
               **provenance(), command='python benchmarks/seed_spread.py ' + ' '.join(sys.argv[1:]))
    if a.record: write_json(a.record, res)
    print(spread.round(4).to_string())
    print(json.dumps({k: v for k, v in res.items() if k != 'spread'}, indent=2))
