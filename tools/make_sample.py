#!/usr/bin/env python
"""Rebuild the bundled sample `pneumo_nb/sample/` from full-size originals of the Kermany et al. training split.

    python tools/make_sample.py SRC   # SRC holds train/NORMAL and train/PNEUMONIA (original files)

Takes every NORMAL image and 40 PNEUMONIA images (half bacterial, half viral, keeping patients with several images
whole), shrinks each so its shorter side is 256 pixels (aspect ratio and mode kept: most are grayscale, a few RGB,
as in the original download) and saves it as JPEG under its original name, which carries the patient id.
"""
import re, sys
from pathlib import Path
from PIL import Image

SHORT_SIDE, N_PER_CAUSE = 256, 20

def pick_pneumonia(files):
    "Half bacterial, half viral; a patient with several images comes with all of them."
    by_patient = {}
    for f in sorted(files): by_patient.setdefault(re.match(r'(person\d+)_', f.name).group(1), []).append(f)
    multi = [fs for fs in by_patient.values() if len(fs) > 1]
    picked = [f for fs in multi for f in fs]
    for cause in ('bacteria', 'virus'):
        have = sum(cause in f.name for f in picked)
        rest = [fs[0] for fs in by_patient.values() if len(fs) == 1 and cause in fs[0].name]
        picked += rest[:max(0, N_PER_CAUSE - have)]
    return sorted(picked)

def shrink(src, dest):
    with Image.open(src) as im:
        size = tuple(round(o * SHORT_SIDE / min(im.size)) for o in im.size)
        im.draft(im.mode, size)  # JPEG decodes at a reduced scale that is still at least `size`
        small = im.resize(size, Image.LANCZOS)
    dest.parent.mkdir(parents=True, exist_ok=True)
    small.save(dest, quality=90)

if __name__ == '__main__':
    src = Path(sys.argv[1]) / 'train'
    out = Path(__file__).resolve().parents[1] / 'pneumo_nb' / 'sample' / 'train'
    normal = sorted((src / 'NORMAL').glob('*.jpeg'))
    pneumonia = pick_pneumonia(list((src / 'PNEUMONIA').glob('*.jpeg')))
    for f in normal + pneumonia: shrink(f, out / f.parent.name / f.name)
    print(f'{len(normal)} NORMAL and {len(pneumonia)} PNEUMONIA images written to {out}')
