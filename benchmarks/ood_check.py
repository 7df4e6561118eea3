#!/usr/bin/env python
"""Benchmark the out-of-distribution check: candidate scores on a run's validation X-rays against images that are not frontal chest X-rays.

    python benchmarks/ood_check.py --run nbs/runs/xray_cnn --data PATH/chest_xray [--refit] [--record FILE]

Reads the run's `split.csv` (its training and validation X-rays) and its `model.pth`, whose `model.json` holds the check
`pneumo-train` fitted; with `--refit`, the check is fitted again first, exactly as `pneumo-train` fits it
(`fit_ood_check` on the run's training and validation X-rays), and written into the run's `model.json` and
`metrics.json` (for a run trained before the check had its layout part; the network is not touched).

1. The choice of the layout part, on training X-rays only: the training patients are cut into a quarter held out and
   the rest; on `--choose-n` X-rays of the rest and their changes (`change_xray`, drawn at random) each design is
   fitted (the network's features, an 8 x 8 or a 16 x 16 thumbnail; a logistic regression or a network of one hidden
   layer of 64), and on the held-out quarter's X-rays and their changes the share of each change flagged at 0.5%
   of the held-out X-rays is reported. No validation X-ray is read for it.
2. The test images of `ood_examples` (drawn with PIL, scikit-image's photographs, pydicom's files of other
   modalities, and `--changed` validation X-rays changed four ways) and every validation X-ray, scored by each
   candidate: the shipped check, its two parts alone, the energy, the largest logit, the largest probability, colour
   alone, and a Mahalanobis distance of gray-level statistics and of the 8 x 8 thumbnail fitted on the training
   X-rays. Each candidate not shipped has its threshold set to flag at most 1% of the validation X-rays; for each
   kind of image the share flagged and the ROC AUC against the validation X-rays.
3. Changes the layout part was not taught, on the same validation X-rays: turned by 15 and 30 degrees, mirrored,
   and cut to their left half.
4. The share of validation X-rays the shipped check flags by series and by class, and the time `predict_folder` takes
   with and without the check on the same files (interleaved repeats, median).

With `--record FILE` the result is written to FILE with the machine and the date.
"""
import argparse, json, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from PIL import ImageOps
from sklearn.metrics import roc_auc_score
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.inference import load_model, stack_xrays
from pneumo_nb.ood import (ood_examples, OOD_KINDS, CHANGES, change_xray, energy_score, max_logit_score, max_softmax_score,
                           fit_mahalanobis, mahalanobis_score, flag_threshold, flagged_report, fit_ood_check)
from provenance import provenance, write_json

def gray_stats(pred, files):
    "Gray-level statistics of each prepared image (mean, spread, percentiles, the shares of near-black and near-white pixels)"
    rows = []
    for f in files:
        x = pred.prepare(f).float().mean(0).flatten() / 255
        rows.append([x.mean(), x.std(), *torch.quantile(x, torch.tensor([.05, .25, .5, .75, .95])), (x < .05).float().mean(), (x > .95).float().mean()])
    return np.array(rows, dtype=np.float64)

def features_and_thumbs(pred, prepared, bs=32):
    "The network's features and the 16 x 16 thumbnails of `prepare`d images"
    fs, ts = [], []
    for i in range(0, len(prepared), bs):
        b = stack_xrays(prepared[i:i + bs])
        fs.append(pred.outputs(pred.normalize(b), features=True, pixels=b)['features'])
        ts.append(torch.nn.functional.adaptive_avg_pool2d(b.float().mean(1, keepdim=True) / 255, 16).flatten(1).numpy())
    return np.concatenate(fs), np.concatenate(ts)

def choose_layout(pred, split, data, n, seed=0):
    "Step 1: the designs of the layout part compared on a held-out quarter of the training patients"
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    train = split.query("split == 'train'")
    rng = np.random.default_rng(seed)
    pats = train.patient.unique(); held = set(rng.choice(pats, len(pats) // 4, replace=False))
    sets = {}
    for name, part in (('fit', train[~train.patient.isin(held)]), ('held out', train[train.patient.isin(held)])):
        files = [str(data/f) for f in part.sample(min(n, len(part)), random_state=seed).path]
        ims = [pred.read(f) for f in files]
        changed, kinds = [], []
        for im in ims:
            for k, c in change_xray(im, rng).items(): changed.append(pred.prepare(c)); kinds.append(k)
        sets[name] = (features_and_thumbs(pred, [pred.prepare(im) for im in ims]), features_and_thumbs(pred, changed), np.array(kinds))
    pool8 = lambda t: t.reshape(len(t), 8, 2, 8, 2).mean((2, 4)).reshape(len(t), -1)
    views = {'features': lambda ft: ft[0], '8 x 8 thumbnail': lambda ft: pool8(ft[1]), '16 x 16 thumbnail': lambda ft: ft[1]}
    models = {'logistic regression': lambda: LogisticRegression(C=0.1, max_iter=5000),
              'network, 64 hidden': lambda: MLPClassifier((64,), alpha=1e-3, max_iter=2000, tol=1e-5, n_iter_no_change=20, random_state=seed)}
    (fx, fc, _), (hx, hc, hk) = sets['fit'], sets['held out']
    out = {}
    for vn, v in views.items():
        for mn, mk in models.items():
            m = make_pipeline(StandardScaler(), mk()).fit(np.r_[v(fx), v(fc)], np.r_[np.zeros(len(fx[0])), np.ones(len(fc[0]))])
            s = lambda ft: m.predict_proba(v(ft))[:, 1] if 'network' in mn else m.decision_function(v(ft))
            sx, sc = s(hx), s(hc)
            t = flag_threshold(sx, 0.005)
            out[f'{vn}, {mn}'] = dict(held_out_flagged=round(float((sx > t).mean()), 4), **{k: round(float((sc[hk == k] > t).mean()), 4) for k in CHANGES},
                                      all_changes=round(float((sc > t).mean()), 4))
            print('choose:', vn, mn, out[f'{vn}, {mn}'], flush=True)
    return dict(n_xrays_each=n, held_out_patients=len(held), designs=out)

def untaught(im):
    "Changes the layout part was not taught"
    w, h = im.size
    return {'turned 15 degrees': im.rotate(15), 'turned 30 degrees': im.rotate(30), 'mirrored': ImageOps.mirror(im), 'left half': im.crop((0, 0, w // 2, h))}

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', type=Path, required=True, help='a pneumo-train output folder (model.pth with its check, split.csv)')
    p.add_argument('--data', type=Path, required=True, help='the dataset root the run trained on')
    p.add_argument('--refit', action='store_true', help="fit the check again as pneumo-train does, and write it into the run's model.json and metrics.json")
    p.add_argument('--changed', type=int, default=25, help='validation X-rays to change four ways (seeded draw)')
    p.add_argument('--choose-n', type=int, default=800, help='training X-rays on each side of the held-out cut for choosing the layout part')
    p.add_argument('--speed-files', type=int, default=1000, help='training X-rays to time predict_folder on')
    p.add_argument('--record', type=Path, default=None, help='also write the result to this JSON file')
    a = p.parse_args()
    pred = load_model(a.run/'model.pth')
    split = pd.read_csv(a.run/'split.csv')
    valid, train = split.query("split == 'valid'"), split.query("split == 'train'")
    vfiles, tfiles = [str(a.data/f) for f in valid.path], [str(a.data/f) for f in train.path]
    refit = None
    if a.refit:
        t0 = time.perf_counter()
        checked = fit_ood_check(pred, tfiles, train.label.values, vfiles)
        pred._write_settings(a.run/'model.json')
        metrics = json.loads((a.run/'metrics.json').read_text())
        metrics['ood'] = pred.ood.summary() | {'valid': flagged_report(checked, valid.label.values)}
        (a.run/'metrics.json').write_text(json.dumps(metrics, indent=2))
        refit = dict(seconds=round(time.perf_counter() - t0, 1))
        print(f"refitted in {refit['seconds']} s: {pred.ood}", flush=True)
    if pred.ood is None: sys.exit(f"{a.run/'model.json'} holds no out-of-distribution check: train the run again with pneumo-train, or pass --refit")
    if pred.ood.layout is None: sys.exit(f"{a.run/'model.json'} holds a check without its layout part: pass --refit")
    t0 = time.perf_counter()
    choice = choose_layout(pred, split, a.data, a.choose_n)
    print(f'chose in {time.perf_counter() - t0:.1f} s', flush=True)
    tmp = Path(tempfile.mkdtemp())
    vsample = list(valid.sample(a.changed, random_state=0).path.map(lambda f: str(a.data/f)))
    ex = ood_examples(tmp, vsample)
    t0 = time.perf_counter()
    v, o = pred.file_outputs(vfiles, progress=False, features=True), pred.file_outputs(list(ex.path), progress=False, features=True)
    assert (v['error'] == '').all() and (o['error'] == '').all(), [e for e in o['error'] if e]
    gs_train, gs_v, gs_o = gray_stats(pred, tfiles), gray_stats(pred, vfiles), gray_stats(pred, ex.path)
    th_train = pred.file_outputs(tfiles, progress=False, features=True)['layout']
    gfit, tfit = fit_mahalanobis(gs_train, np.zeros(len(gs_train))), fit_mahalanobis(th_train, np.zeros(len(th_train)))
    print(f'scored in {time.perf_counter() - t0:.1f} s', flush=True)
    ood = pred.ood
    def scores(out, gs):
        shipped = ood.score(out['features'], out['layout'])
        return {'the shipped check: features, layout or colour': np.where(out['colour'] > ood.colour_limit, np.inf, shipped),
                'mahalanobis of the features alone': ood.distance(out['features']),
                'layout network alone (taught the four changes)': ood.layout.score(out['layout']),
                'energy': energy_score(out['logits']), 'largest logit': max_logit_score(out['logits']),
                'largest probability': max_softmax_score(out['logits']), 'colour alone': out['colour'],
                'mahalanobis of gray-level statistics': mahalanobis_score(gs, gfit['means'], gfit['precision']),
                'mahalanobis of the 8 x 8 thumbnail': mahalanobis_score(out['layout'], tfit['means'], tfit['precision'])}
    sv, so = scores(v, gs_v), scores(o, gs_o)
    shipped = 'the shipped check: features, layout or colour'
    cands = {}
    for name in sv:
        thr = 1.0 if name == shipped else flag_threshold(sv[name], 0.01)
        kinds = {}
        for k in OOD_KINDS:
            m = (ex.kind == k).values
            s = np.nan_to_num(so[name][m], posinf=1e9)
            kinds[k] = dict(n_images=int(m.sum()), flagged=int((so[name][m] > thr).sum()), share_flagged=round(float((so[name][m] > thr).mean()), 4),
                            roc_auc_against_validation=round(float(roc_auc_score(np.r_[np.zeros(len(sv[name])), np.ones(m.sum())],
                                                                                 np.r_[np.nan_to_num(sv[name], posinf=1e9), s])), 4))
        cands[name] = dict(threshold=round(float(thr), 4), valid_flagged=round(float((sv[name] > thr).mean()), 4),
                           all_kinds_flagged=round(float((so[name] > thr).mean()), 4), by_kind=kinds,
                           valid_scores=[round(float(x), 4) for x in sv[name]], image_scores=[round(float(x), 4) if np.isfinite(x) else None for x in so[name]])
        print(name, json.dumps({k: v for k, v in cands[name].items() if not k.endswith('_scores')}), flush=True)
    inside_v = ood.in_distribution(ood.score(v['features'], v['layout']), v['colour'])
    inside_o = ood.in_distribution(ood.score(o['features'], o['layout']), o['colour'])
    images = ex.assign(probability=o['probability'].round(4), label=np.where(o['probability'] >= pred.threshold, 'PNEUMONIA', 'NORMAL'),
                       ood_score=np.round(ood.score(o['features'], o['layout']), 3), colour=o['colour'].round(3),
                       in_distribution=inside_o).drop(columns='path')
    # changes it was not taught
    ut = {f'{Path(f).stem}, {k}': im for f in vsample for k, im in untaught(pred.read(f).convert('L')).items()}
    uo = pred.outputs(pred.normalize(stack_xrays([pred.prepare(im) for im in ut.values()])), features=True,
                      pixels=stack_xrays([pred.prepare(im) for im in ut.values()]))
    uin, us = ood.in_distribution(ood.score(uo['features'], uo['layout']), uo['colour']), ood.score(uo['features'], uo['layout'])
    uk = np.array([n.split(', ')[-1] for n in ut])
    untaught_res = {k: dict(n_images=int((uk == k).sum()), flagged=int((~uin[uk == k]).sum()), median_ood_score=round(float(np.median(us[uk == k])), 3))
                    for k in dict.fromkeys(uk)}
    print('untaught:', untaught_res, flush=True)
    # speed: predict_folder with the check and without it, interleaved
    sfiles, times = tfiles[:a.speed_files], {'with the check': [], 'without': []}
    for _ in range(3):
        for k in times:
            pred.ood = ood if k == 'with the check' else None
            t = time.perf_counter(); pred.predict_folder(sfiles, progress=False); times[k].append(time.perf_counter() - t)
    pred.ood = ood
    speed = {k: round(len(sfiles) / float(np.median(t)), 1) for k, t in times.items()}
    res = dict(model=str(a.run/'model.pth'), refit=refit, check=ood.summary(), choice_of_the_layout_part=choice,
               n_valid=len(vfiles), test_images={k: int((ex.kind == k).sum()) for k in OOD_KINDS}, candidates=cands,
               shipped=shipped, valid_flagged=flagged_report(pd.DataFrame({'path': vfiles, 'in_distribution': inside_v}), valid.label.values),
               images=images.to_dict(orient='records'), untaught_changes=untaught_res,
               predict_folder_images_per_s=dict(files=len(sfiles), **speed, cost_of_the_check=round(1 - speed['with the check'] / speed['without'], 3)),
               **provenance(), command='python benchmarks/ood_check.py ' + ' '.join(sys.argv[1:]))
    if a.record: write_json(a.record, res)
    print(json.dumps({k: v for k, v in res.items() if k not in ('images', 'candidates')}, indent=2))
