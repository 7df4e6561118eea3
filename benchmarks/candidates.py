#!/usr/bin/env python
"""A candidate recipe against the default, seed by seed, on the report half of the validation patients.

    python benchmarks/candidates.py --data PATH/chest_xray --name 'NAME' --runs RUN_A RUN_B RUN_C \\
        --baseline nbs/runs/xray_cnn nbs/runs/seed1 nbs/runs/seed2 [--record FILE]
    python benchmarks/candidates.py ... --baseline-figures benchmarks/results/candidates.json   # the baseline as recorded

Every run is a `pneumo-train` run on the same patient split (`--split`), one seed each, or a `pneumo-ensemble` of such
runs (its seeds its members', its training time theirs and its own): `--runs` of the candidate, `--baseline` of the
recipe it must beat. No seed may serve twice on one side. Where the baseline's runs are not at hand (they are not
committed: a fresh clone has none), `--baseline-figures FILE` takes its figures, seed by seed, from a `--record` file
written when they were, and the candidate's runs must have that entry's number of validation X-rays. Figures are
compared at the 4 decimals a record keeps. The same seed gives another run on another kind of machine (`benchmarks/same_seed.py`), so the script
warns when the two recipes trained on different kinds (`machine` in each run's metrics.json, recorded as `trained_on`),
or on machines it cannot tell. For each run the script predicts every validation X-ray as it is and under each change of the stress
test (`seed_spread.raw_tables`: the ONNX form, then the run's own calibration) and scores it with
`recipe_ablations.score_record`. A run already scored (a line of `--results` with its config and threshold) is read
back, not predicted again; a new candidate run is appended there, as `NAME, seed S`.

Each figure is taken as the protocol of tutorial 8 wants it: the threshold chosen on half 0 of the validation
patients, the figures reported on half 1 (ROC AUC, sensitivity, specificity, each series), and the stress test of
framing as `pneumo-train` ran it on all the validation patients. For every figure it gives each recipe's mean, lowest
and highest value, and `beats` both ways: the candidate counts as better (or worse) only when the means differ by more
than the spread between seeds of either recipe. A candidate is adopted when it is better on ROC AUC or NORMAL2
specificity, worse on nothing, and its stress test of framing passes for every seed. The official test split is never
read.
"""
import argparse, json, sys, time
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT/'benchmarks'))
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.metrics import calibrate
from pneumo_nb.stress import STRESS_TESTS
from pneumo_nb.ensemble import run_figures, beats
from pneumo_nb.models import MACHINE_KIND
from provenance import provenance, write_json, append_jsonl
from recipe_ablations import score_record, valid_table
from seed_spread import raw_tables

HALF = 'choose on 0, report on 1'   # choose the threshold on half 0, report on half 1
DECIDE = ('report: ROC AUC', 'report: NORMAL2 specificity')   # what a candidate must raise
# every figure compared is better higher: the stress test's worst changes too (nearer 0, or above it)


def seeds_of(m:dict) -> list:
    "The seeds of a run (its metrics.json `m`): its own, or for an ensemble (`pneumo-ensemble`) its members'"
    return m['ensemble']['seeds'] if 'ensemble' in m else [m['config']['seed']]


def seed_label(m:dict) -> str:
    "How the tables name a run: 'seed S', or for an ensemble 'seeds A, B, C'"
    return ('seeds ' if 'ensemble' in m else 'seed ') + ', '.join(str(s) for s in seeds_of(m))


def machines_of(run:Path, m:dict) -> dict:
    "The machine each network of `run` trained on: the run's own, or for an ensemble each member's"
    if 'ensemble' in m: return dict(zip(m['ensemble']['members'], m['ensemble'].get('machines') or [None] * len(m['ensemble']['members'])))
    return {str(run): m.get('machine')}


def scored(run:Path, m:dict, name:str, t:pd.DataFrame, results:Path) -> dict:
    "The ablation record of `run` (its metrics.json `m`): read back from `results` when a line has its config and threshold, else scored and appended"
    if results.exists():
        for line in results.read_text().splitlines():
            rec = json.loads(line)
            if rec.get('config') == m['config'] and rec.get('run_threshold') == m['threshold']: return rec
    raw = raw_tables(run, list(t.path))
    probs = pd.DataFrame(calibrate(raw.values.ravel(), m.get('calibration')).reshape(raw.shape), columns=raw.columns)
    made_by = 'pneumo-ensemble' if 'ensemble' in m else 'pneumo-train'
    rec = score_record(f"{name}, {seed_label(m)} ({made_by}, {time.strftime('%Y-%m-%d')})", t, probs[['clean', *STRESS_TESTS]])
    rec = dict(rec, config=m['config'], train_seconds=m['seconds'], numerics=m.get('numerics'), run_threshold=m['threshold'],
               **provenance(device=m['device']))
    append_jsonl(results, rec)
    return rec


def figures(m:dict, rec:dict) -> dict:
    "The figures of one run (its metrics.json `m`, its record `rec`): the report half (threshold chosen on the other half), the stress test, the time"
    h, every = rec['halves'][HALF], run_figures(m)
    out = {f'report: {name}': h['report'][k] for k, name in (('roc_auc', 'ROC AUC'), ('sensitivity', 'sensitivity'), ('specificity', 'specificity'))}
    out |= {f"report: {s} {v['measure']}": v['value'] for s, v in h['report_by_series'].items()}
    out |= {k: v for k, v in every.items() if k.startswith('stress')}
    seconds = m['seconds'] + m['ensemble']['members_seconds'] if 'ensemble' in m else m['seconds']   # an ensemble: its members' training too
    return out | {'all validation: ROC AUC': every['ROC AUC'], 'training seconds': round(seconds, 1)}


def recorded_baseline(f:Path, name:str) -> dict:
    "The figures of baseline `name` per seed as `f` (a --record file) holds them, the same in every entry, with its runs, number of validation X-rays and machines"
    if not f.exists(): sys.exit(f"--baseline-figures: '{f}' does not exist")
    entries = [c for c in json.loads(f.read_text()).values() if c.get('baseline') == name]
    got = [dict(figures=c['figures'][name], runs=c['baseline_runs'], n_valid=c['n_valid']) for c in entries]
    if len({json.dumps(g, sort_keys=True) for g in got}) != 1:
        sys.exit(f"--baseline-figures: '{f}' holds {'differing' if got else 'no'} figures of baseline {name!r}")
    machines = next((c['trained_on']['baseline'] for c in entries if 'trained_on' in c), dict.fromkeys(got[0]['runs']))
    return got[0] | {'machines': machines}   # its seeds in the order they were recorded


def machine_warning(trained_on:dict) -> str|None:
    "What makes the comparison unfair, if anything: runs whose machine is not recorded, or runs of the two recipes trained on different kinds of machine"
    unknown = list(dict.fromkeys(r for side in trained_on.values() for r, m in side.items() if not m))   # a run on both sides (an ensemble's member) once
    if unknown:
        return (f"the machine is not recorded for {', '.join(unknown)} (no 'machine' in metrics.json: trained before pneumo-train "
                "recorded it), so runs from different kinds of machine may be set side by side")
    kinds = {side: {tuple(m.get(k) for k in MACHINE_KIND) for m in runs.values()} for side, runs in trained_on.items()}
    if kinds['candidate'] != kinds['baseline']:
        say = lambda ks: '; '.join(', '.join(f'{k} {v}' for k, v in zip(MACHINE_KIND, kind) if v) for kind in sorted(ks, key=str))
        return (f"the candidate trained on {say(kinds['candidate'])}, the baseline on {say(kinds['baseline'])}: the same seed gives "
                "another run on another kind of machine (benchmarks/same_seed.py), so train the baseline again here and pass its runs with --baseline")


def compare(cand:pd.DataFrame, base:pd.DataFrame) -> pd.DataFrame:
    "Mean, lowest and highest of each figure for both recipes, and whether the candidate is better or worse beyond the spread"
    rows = {}
    for f in cand.index:
        if f == 'training seconds' or f not in base.index: continue
        c, b = cand.loc[f].values.round(4), base.loc[f].values.round(4)   # as the record keeps them, so that a verdict can be checked from it
        rows[f] = {'baseline mean': b.mean(), 'baseline range': f'{b.min():.4f} to {b.max():.4f}',
                   'candidate mean': c.mean(), 'candidate range': f'{c.min():.4f} to {c.max():.4f}',
                   'better': beats(c, b), 'worse': beats(b, c)}
    return pd.DataFrame(rows).T


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--runs', type=Path, nargs='+', required=True, help="the candidate's pneumo-train runs (one seed each)")
    base = p.add_mutually_exclusive_group(required=True)
    base.add_argument('--baseline', type=Path, nargs='+', help="the baseline's runs on the same split")
    base.add_argument('--baseline-figures', type=Path, help="instead: a --record file holding the baseline's figures, seed by seed, for an earlier candidate")
    p.add_argument('--data', type=Path, required=True, help='the dataset root they trained on')
    p.add_argument('--name', required=True, help='the candidate recipe, for the records')
    p.add_argument('--baseline-name', default='default recipe')
    p.add_argument('--results', type=Path, default=ROOT/'benchmarks/results/recipe_ablations.jsonl')
    p.add_argument('--record', type=Path, default=None, help='also write the whole result to this JSON file (one key per candidate)')
    a = p.parse_args()
    recorded = recorded_baseline(a.baseline_figures, a.baseline_name) if a.baseline_figures else None
    a.baseline = [] if recorded else a.baseline
    for r in [*a.runs, *a.baseline]:
        if not (r/'metrics.json').exists(): sys.exit(f"{r}: no metrics.json (not a finished pneumo-train run)")
    metrics = {r: json.loads((r/'metrics.json').read_text()) for r in [*a.runs, *a.baseline]}
    for flag, runs in (('--runs', a.runs), ('--baseline', a.baseline)) if a.baseline else (('--runs', a.runs),):
        seeds = [seeds_of(metrics[r]) for r in runs]
        every = [s for run_seeds in seeds for s in run_seeds]
        if len(runs) < 2 or len(set(every)) < len(every):
            sys.exit(f"{flag}: give at least two runs whose seeds all differ (a spread needs them), not seeds {seeds}")
    t = valid_table([*a.baseline, *a.runs][0], str(a.data))
    if recorded and len(t) != recorded['n_valid']:
        sys.exit(f"{a.runs[0]/'split.csv'} has {len(t)} validation X-rays, not the {recorded['n_valid']} of the recorded baseline: not its split")
    splits = {r: pd.read_csv(r/'split.csv')[['path', 'split']].sort_values('path').to_json(orient='values') for r in [*a.runs, *a.baseline]}
    if len(set(splits.values())) > 1:   # which X-rays validate, not how a file is written (an ensemble's adds each X-ray's series)
        sys.exit(f"the runs do not share one patient split: compare {', '.join(str(r) for r in splits)}")
    on = lambda runs: {k: v for r in runs for k, v in machines_of(r, metrics[r]).items()}
    trained_on = {'candidate': on(a.runs), 'baseline': recorded['machines'] if recorded else on(a.baseline)}
    if warning := machine_warning(trained_on): print(f'Warning: {warning}', file=sys.stderr, flush=True)
    tabs = {}
    if recorded: tabs[a.baseline_name] = pd.DataFrame(recorded['figures'])
    for name, runs in ((a.baseline_name, a.baseline), (a.name, a.runs)) if a.baseline else ((a.name, a.runs),):
        cols = {}
        for run in runs:
            s = time.perf_counter()
            rec = scored(run, metrics[run], name, t, a.results)
            cols[seed_label(metrics[run])] = figures(metrics[run], rec)
            print(f'{run}: scored in {time.perf_counter() - s:.0f} s', flush=True)
        tabs[name] = pd.DataFrame(cols)
    table = compare(tabs[a.name], tabs[a.baseline_name])
    stress_ok = bool((tabs[a.name].loc['stress: every change passes'] == 1).all())
    better = [f for f in DECIDE if table.loc[f, 'better']]
    worse = [f for f in table.index if table.loc[f, 'worse']]
    adopt = bool(better and not worse and stress_ok)
    verdict = (f"adopt: better on {', '.join(better)}" if adopt else
               'keep the baseline: ' + '; '.join(filter(None, [
                   f"better on {', '.join(better)}" if better else f"better on neither {' nor '.join(DECIDE)} by more than the spread",
                   f"worse on {', '.join(worse)}" if worse else '',
                   '' if stress_ok else 'the stress test of framing fails for some seed'])))
    pd.set_option('display.width', 200)
    for name, tab in tabs.items(): print(f'\n{name}\n' + tab.round(4).to_string())
    print('\n' + table.to_string(float_format=lambda v: f'{v:.4f}'))
    print('\n' + verdict)
    res = dict(candidate=a.name, baseline=a.baseline_name, runs=[str(r) for r in a.runs],
               baseline_runs=recorded['runs'] if recorded else [str(r) for r in a.baseline],
               **({'baseline_figures_from': str(a.baseline_figures)} if recorded else {}),
               half=HALF, n_valid=len(t), figures={k: json.loads(v.round(4).to_json()) for k, v in tabs.items()},
               comparison=json.loads(table.to_json(orient='index')), stress_passes_every_seed=stress_ok, verdict=verdict, adopt=adopt,
               trained_on=trained_on, machine_warning=warning,
               **provenance(), command='python benchmarks/candidates.py ' + ' '.join(sys.argv[1:]))
    if a.record:
        old = json.loads(a.record.read_text()) if a.record.exists() else {}
        write_json(a.record, old | {a.name: res})
