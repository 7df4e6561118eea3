#!/usr/bin/env python
"""Benchmark `lung_box`: milliseconds per X-ray, against the version of a given commit, and how far their boxes differ.

    python benchmarks/lung_box_speed.py --data PATH/chest_xray [--old COMMIT] [--record FILE]
    python benchmarks/lung_box_speed.py --data PATH/chest_xray --sizes 160 112 96 80 [--record FILE]

Decodes every X-ray of PATH/train once (as `XRayImage` does: RGB), then times `lung_box` of this checkout and the one at
COMMIT (default 7d2c6e7, before the search used the outline of the body; `--old` may be given twice) on the same
images, one process, and compares every pair of boxes by their intersection over union. With `--sizes`, it compares instead the
search of this checkout at each of those sizes (`lung_box(size=...)`, the X-ray squished to that square before the
search) with the search at its default size, the first way to a faster search (issue 21).
"""
import argparse, functools, inspect, json, subprocess, sys, time, types
from pathlib import Path
import numpy as np
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()
from PIL import Image
from pneumo_nb.preprocess import lung_box, content_box, torso_mask
from pneumo_nb.data import image_files
from pneumo_nb.images import load_xray
from provenance import provenance, write_json

def iou(a, b):
    if a is None or b is None: return float(a == b)
    w, h = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    i = max(0, w) * max(0, h)
    return i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i)

def old_lung_box(commit:str):
    "`lung_box` as it was at `commit` (in `pneumo_nb/preprocess.py`, or in `augment.py` before that module existed)"
    for name in ('preprocess', 'augment'):
        r = subprocess.run(['git', 'show', f'{commit}:pneumo_nb/{name}.py'], capture_output=True, text=True, cwd=Path(__file__).parent)
        if r.returncode == 0 and 'def lung_box' in r.stdout: break
    else: raise SystemExit(f"no lung_box at commit {commit}")
    src = r.stdout.replace('from .', 'from pneumo_nb.')
    mod = types.ModuleType(f'old_{name}'); exec(compile(src, f'{commit}:pneumo_nb/{name}.py', 'exec'), mod.__dict__)
    return mod.lung_box

def per_xray_ms(fn, ims) -> float:
    fn(ims[0]); t = time.perf_counter()
    for im in ims: fn(im)
    return 1000 * (time.perf_counter() - t) / len(ims)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', type=Path, required=True, help='the dataset root holding train/')
    p.add_argument('--old', action='append', default=None, help='a commit whose lung_box is compared (default 7d2c6e7; may be repeated)')
    p.add_argument('--record', type=Path, default=None, help='also write the result to this JSON file')
    p.add_argument('--sizes', type=int, nargs='*', default=None, help='compare the search at these sizes with the default one instead')
    a = p.parse_args()
    files = list(image_files(a.data/'train'))
    ims = [load_xray(f).convert('RGB') for f in files]
    if a.sizes:
        default = inspect.signature(lung_box).parameters['size'].default
        ref, ref_ms = [lung_box(im) for im in ims], per_xray_ms(lung_box, ims)
        rows = []
        for s in a.sizes:
            f = functools.partial(lung_box, size=s)
            ious = np.array([iou(r, f(im)) for r, im in zip(ref, ims)])
            ms = per_xray_ms(f, ims)
            rows.append(dict(size=s, ms_per_xray=round(ms, 3), speedup=round(ref_ms / ms, 2),
                             iou_median=round(float(np.median(ious)), 4), iou_p01=round(float(np.percentile(ious, 1)), 4),
                             iou_worst=round(float(ious.min()), 4), iou_below_0_9=int((ious < 0.9).sum())))
        def prepared(im):   # the X-ray as the search sees it: without its black border, gray, squished to the default size
            x0, y0, x1, y1 = content_box(im)
            return np.asarray(im.crop((x0, y0, x1, y1)).convert('L').resize((default, default), Image.Resampling.BILINEAR))
        gray = [prepared(im) for im in ims]
        parts = {'content_box': per_xray_ms(content_box, ims), 'border, gray and resize (with content_box)': per_xray_ms(prepared, ims),
                 'torso_mask': per_xray_ms(torso_mask, gray)}
        res = dict(xrays=len(ims), sizes=sorted({im.size for im in ims})[:3], default_size=default, default_ms_per_xray=round(ref_ms, 3),
                   parts_ms_per_xray={k: round(v, 3) for k, v in parts.items()}, by_size=rows, **provenance(), command='python benchmarks/lung_box_speed.py ' + ' '.join(sys.argv[1:]))
        if a.record: write_json(a.record, res)
        print(json.dumps(res, indent=2)); sys.exit(0)
    new = [lung_box(im) for im in ims]
    new_ms, against = per_xray_ms(lung_box, ims), []
    for commit in a.old or ['7d2c6e7']:
        old = old_lung_box(commit)
        old_ms, ious = per_xray_ms(old, ims), np.array([iou(old(im), b) for im, b in zip(ims, new)])
        against.append(dict(old_commit=commit, old_ms_per_xray=round(old_ms, 3), speedup=round(old_ms / new_ms, 2),
                            iou_median=float(np.median(ious)), iou_p01=round(float(np.percentile(ious, 1)), 4), iou_worst=float(ious.min()),
                            identical_boxes=int((ious == 1).sum()), iou_below_0_9=int((ious < 0.9).sum())))
    res = dict(xrays=len(ims), sizes=sorted({im.size for im in ims})[:3], new_ms_per_xray=round(new_ms, 3),
               **(against[0] if len(against) == 1 else dict(against=against)), **provenance(),
               command='python benchmarks/lung_box_speed.py ' + ' '.join(sys.argv[1:]))
    if a.record: write_json(a.record, res)
    print(json.dumps(res, indent=2))
