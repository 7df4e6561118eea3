#!/usr/bin/env python
"""The stress test the lungs crop cannot undo, for the models of the fifth round of `recipe_ablations.py`.

    python benchmarks/crop_stress.py --data PATH/chest_xray_224 [VARIANT ...]

For each variant of `benchmarks/results/recipe_ablations.jsonl` that has figures by series (the fifth round on), it
loads the model from its run folder (`runs/ablations/...`, written by `recipe_ablations.py`), changes every validation
X-ray inside the box around its lungs (`pneumo_nb.evaluate.CROP_STRESS_TESTS`: a letter, a gray frame, noise, a
tighter crop), and reports the changes in sensitivity and specificity at the variant's operating threshold, with
patient-bootstrap intervals. An ensemble averages its members' probabilities. One JSON line per variant goes to
`--results` (default benchmarks/results/crop_stress.jsonl); a variant already there is skipped. The official test
split is never read.
"""
import argparse, json, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.inference import load_model
from pneumo_nb.stress import stress_probabilities, stress_report, stress_json, CROP_STRESS_TESTS
from recipe_ablations import VARIANTS, ENSEMBLES, slug, valid_table
from provenance import provenance, append_jsonl


def crop_probabilities(name:str, data:str, out:Path) -> tuple:
    "(validation table, probabilities as they are and after each change) of a variant, read from its run folder"
    members = ENSEMBLES.get(name, [VARIANTS.get(name, {}).get('_model', name)])
    tta = VARIANTS.get(name, {}).get('_tta', False)
    t = valid_table(out/slug(members[0]), data)
    probs = sum(stress_probabilities(load_model(out/slug(m)), t.path, tests=CROP_STRESS_TESTS, tta=tta) for m in members) / len(members)
    return t, probs


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('variants', nargs='*', help='variants (default: every one of the fifth round in the ablations file)')
    p.add_argument('--data', required=True, help='dataset root holding train/')
    p.add_argument('--ablations', type=Path, default=ROOT/'results/recipe_ablations.jsonl')
    p.add_argument('--results', type=Path, default=ROOT/'results/crop_stress.jsonl')
    p.add_argument('--out', type=Path, default=ROOT.parent/'runs/ablations', help='the folder of the models')
    a = p.parse_args()
    records = {r['variant']: r for r in map(json.loads, a.ablations.read_text().splitlines()) if 'halves' in r}
    done = {json.loads(l)['variant'] for l in a.results.read_text().splitlines() if l.strip()} if a.results.exists() else set()
    for name in a.variants or list(records):
        if name not in records: p.error(f"{name!r} has no fifth-round line in {a.ablations}")
        if name in done: print(f'{name}: already in {a.results}, skipped'); continue
        t, probs = crop_probabilities(name, a.data, a.out)
        threshold = records[name]['at']['operating']['threshold']
        rep = stress_json(stress_report(t.y.values, probs, threshold, t.patient.values, n_boot=500))
        append_jsonl(a.results, dict(variant=name, threshold=threshold, n_valid=len(t), stress=rep, **provenance()))
        s = rep['summary']
        print(f"{name}: at {threshold:.3f}, worst change in sensitivity {s['worst change in sensitivity']:+.3f} "
              f"({s['worst for sensitivity']}), in specificity {s['worst change in specificity']:+.3f} ({s['worst for specificity']})", flush=True)


if __name__ == '__main__': main()
