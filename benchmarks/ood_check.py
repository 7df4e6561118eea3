#!/usr/bin/env python
"""Benchmark the out-of-distribution check: candidate scores on a run's validation X-rays against images that are not frontal chest X-rays.

    python benchmarks/ood_check.py --run nbs/runs/xray_cnn --data PATH/chest_xray [--record FILE]

Reads the run's `split.csv` (its training and validation X-rays) and its `model.pth`, whose `model.json` holds the check
`pneumo-train` fitted. It makes the test images of `ood_examples` (drawn with PIL, scikit-image's photographs,
pydicom's files of other modalities, and `--changed` validation X-rays changed four ways), and scores every image and
every validation X-ray with each candidate: the Mahalanobis distance of the network's features (the shipped check,
with and without its colour test), the energy, the largest logit, the largest probability, colour alone, and a
Mahalanobis distance of simple gray-level statistics of the prepared image fitted on the training X-rays. Each
candidate's threshold flags at most 1% of the validation X-rays (chosen on validation only); for each kind of image the
benchmark reports the share flagged and the ROC AUC against the validation X-rays. It also reports the share of
validation X-rays the shipped check flags by series and by class, and the time `predict_folder` takes with and without
the check on the same files (interleaved repeats, median). With `--record FILE` the result is written to FILE with the
machine and the date.
"""
import argparse, json, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from sklearn.metrics import roc_auc_score
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from pneumo_nb.inference import load_model
from pneumo_nb.ood import (ood_examples, OOD_KINDS, energy_score, max_logit_score, max_softmax_score, fit_mahalanobis,
                           mahalanobis_score, flag_threshold, flagged_report)
from provenance import provenance, write_json

def gray_stats(pred, files):
    "Gray-level statistics of each prepared image (mean, spread, percentiles, the shares of near-black and near-white pixels), and its 8 x 8 thumbnail (the layout)"
    rows, thumbs = [], []
    for f in files:
        im = pred.prepare(f).float().mean(0) / 255
        x = im.flatten()
        rows.append([x.mean(), x.std(), *torch.quantile(x, torch.tensor([.05, .25, .5, .75, .95])), (x < .05).float().mean(), (x > .95).float().mean()])
        thumbs.append(torch.nn.functional.adaptive_avg_pool2d(im[None], 8).flatten().numpy())
    return np.array(rows, dtype=np.float64), np.array(thumbs, dtype=np.float64)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', type=Path, required=True, help='a pneumo-train output folder (model.pth with its check, split.csv)')
    p.add_argument('--data', type=Path, required=True, help='the dataset root the run trained on')
    p.add_argument('--changed', type=int, default=25, help='validation X-rays to change four ways (seeded draw)')
    p.add_argument('--speed-files', type=int, default=1000, help='training X-rays to time predict_folder on')
    p.add_argument('--record', type=Path, default=None, help='also write the result to this JSON file')
    a = p.parse_args()
    pred = load_model(a.run/'model.pth')
    if pred.ood is None: sys.exit(f"{a.run/'model.json'} holds no out-of-distribution check: train the run again with pneumo-train")
    split = pd.read_csv(a.run/'split.csv')
    valid, train = split.query("split == 'valid'"), split.query("split == 'train'")
    vfiles, tfiles = [str(a.data/f) for f in valid.path], [str(a.data/f) for f in train.path]
    tmp = Path(tempfile.mkdtemp())
    ex = ood_examples(tmp, list(valid.sample(a.changed, random_state=0).path.map(lambda f: str(a.data/f))))
    t0 = time.perf_counter()
    v, o = pred.file_outputs(vfiles, progress=False, features=True), pred.file_outputs(list(ex.path), progress=False, features=True)
    assert (v['error'] == '').all() and (o['error'] == '').all(), [e for e in o['error'] if e]
    gs_train, gs_v, gs_o = gray_stats(pred, tfiles), gray_stats(pred, vfiles), gray_stats(pred, ex.path)
    (gs_train, th_train), (gs_v, th_v), (gs_o, th_o) = gs_train, gs_v, gs_o
    gfit, tfit = fit_mahalanobis(gs_train, np.zeros(len(gs_train))), fit_mahalanobis(th_train, np.zeros(len(th_train)))
    print(f'scored in {time.perf_counter() - t0:.1f} s', flush=True)
    def scores(out, gs, th):
        maha = pred.ood.score(out['features'])
        thumb = mahalanobis_score(th, tfit['means'], tfit['precision'])
        return {'mahalanobis of the features, or colour (shipped)': np.where(out['colour'] > pred.ood.colour_limit, np.inf, maha),
                'mahalanobis of the features alone': maha, 'energy': energy_score(out['logits']), 'largest logit': max_logit_score(out['logits']),
                'largest probability': max_softmax_score(out['logits']), 'colour alone': out['colour'],
                'mahalanobis of gray-level statistics': mahalanobis_score(gs, gfit['means'], gfit['precision']),
                'mahalanobis of the 8 x 8 thumbnail (layout)': thumb}
    sv, so = scores(v, gs_v, th_v), scores(o, gs_o, th_o)
    # not shipped: the features or the layout, each at half the budget (0.5% of validation X-rays), as ranks of their validation scores
    both = lambda s: np.maximum(s['mahalanobis of the features alone'] / flag_threshold(sv['mahalanobis of the features alone'], 0.005),
                                s['mahalanobis of the 8 x 8 thumbnail (layout)'] / flag_threshold(sv['mahalanobis of the 8 x 8 thumbnail (layout)'], 0.005))
    sv['features or layout (each at 0.5%)'], so['features or layout (each at 0.5%)'] = both(sv), both(so)
    cands = {}
    for name in sv:
        thr = pred.ood.threshold if 'shipped' in name else 1.0 if name.startswith('features or layout') else flag_threshold(sv[name], 0.01)
        kinds = {}
        for k in OOD_KINDS:
            m = (ex.kind == k).values
            s = np.nan_to_num(so[name][m], posinf=1e9)
            kinds[k] = dict(n_images=int(m.sum()), flagged=int((so[name][m] > thr).sum()), share_flagged=round(float((so[name][m] > thr).mean()), 4),
                            roc_auc_against_validation=round(float(roc_auc_score(np.r_[np.zeros(len(sv[name])), np.ones(m.sum())],
                                                                                 np.r_[np.nan_to_num(sv[name], posinf=1e9), s])), 4))
        allk = np.ones(len(ex), bool)
        cands[name] = dict(threshold=None if not np.isfinite(thr) else round(float(thr), 4), valid_flagged=round(float((sv[name] > thr).mean()), 4),
                           all_kinds_flagged=round(float((so[name] > thr).mean()), 4), by_kind=kinds,
                           valid_scores=[round(float(x), 4) for x in sv[name]], image_scores=[round(float(x), 4) if np.isfinite(x) else None for x in so[name]])
        print(name, json.dumps({k: v for k, v in cands[name].items() if not k.endswith('_scores')}), flush=True)
    shipped = 'mahalanobis of the features, or colour (shipped)'
    inside_v = ~(sv[shipped] > pred.ood.threshold)
    images = ex.assign(probability=o['probability'].round(4), label=np.where(o['probability'] >= pred.threshold, 'PNEUMONIA', 'NORMAL'),
                       ood_score=np.round(pred.ood.score(o['features']), 2), colour=o['colour'].round(3),
                       in_distribution=~(so[shipped] > pred.ood.threshold)).drop(columns='path')
    # speed: predict_folder with the check and without it, interleaved
    sfiles, times = tfiles[:a.speed_files], {'with the check': [], 'without': []}
    check = pred.ood
    for _ in range(3):
        for k in times:
            pred.ood = check if k == 'with the check' else None
            t = time.perf_counter(); pred.predict_folder(sfiles, progress=False); times[k].append(time.perf_counter() - t)
    pred.ood = check
    speed = {k: round(len(sfiles) / float(np.median(t)), 1) for k, t in times.items()}
    res = dict(model=str(a.run/'model.pth'), check={k: v for k, v in check.to_json().items() if k not in ('means', 'precision')},
               n_valid=len(vfiles), test_images={k: int((ex.kind == k).sum()) for k in OOD_KINDS}, candidates=cands,
               shipped=shipped, valid_flagged=flagged_report(pd.DataFrame({'path': vfiles, 'in_distribution': inside_v}), valid.label.values),
               images=images.to_dict(orient='records'),
               predict_folder_images_per_s=dict(files=len(sfiles), **speed, cost_of_the_check=round(1 - speed['with the check'] / speed['without'], 3)),
               **provenance(), command='python benchmarks/ood_check.py ' + ' '.join(sys.argv[1:]))
    if a.record: write_json(a.record, res)
    print(json.dumps({k: v for k, v in res.items() if k not in ('images', 'candidates')}, indent=2))
