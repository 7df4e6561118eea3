#!/usr/bin/env python
"""Benchmark the default from-scratch recipe: validation figures, the stress test, wall time, and whether loading keeps up.

    python benchmarks/train_speed.py --data PATH/chest_xray [--out runs/benchmark] [any pneumo-train option]

Trains the recipe with `train_xray` (the same code as `pneumo-train`) and reports
- the validation figures of the best checkpoint, on the patient validation split of PATH/train, at 0.5 and at the
  operating threshold stored with the model, and the stress test of framing on the same patients;
- wall time of the whole run, and its phases (`prepare`: listing, checks and lung boxes; `lr_find`; `fit`; `export`;
  `stress`), as `metrics.json` records them;
- images per second of the training loop (the training phase of every epoch: loading, augmentation, forward,
  backward and optimizer step, validation excluded), next to images per second of the model alone on the same
  batches (the time from a batch's arrival to the end of its optimizer step, summed over the run); their ratio
  says whether loading keeps up with the model (1.0: the model never waits for data);
- the median time a training step waits between batches (loading and the batch transforms, augmentation included).
For full-size originals, build a resize cache first (`pneumo-data resize SRC DST --size 256`) and pass DST.
Results go to OUT/benchmark.json, and with `--record FILE` to FILE as well (the README quotes
benchmarks/results/default_recipe.json), with the machine, the package versions and the date.
"""
import json, sys, time
from pathlib import Path
import numpy as np, torch
from pneumo_nb.cli import config_from_args, train_parser, quiet_library_warnings
quiet_library_warnings()
from fastai.vision.all import *
from pneumo_nb.train import train_xray
from provenance import provenance, write_json

class LoopSpeed(Callback):
    "Images per second of the training phase of each epoch, and of the model's share of it, batch by batch"
    order = 0
    def before_fit(self): self.images, self.loop_seconds, self.model_seconds, self.waits = 0, 0., 0., []
    def before_train(self): self.t_train = self.t_done = time.perf_counter()
    def before_batch(self):
        if not self.training: return
        self.t_batch = time.perf_counter()   # the batch has arrived from the loader, transformed
        self.waits.append(self.t_batch - self.t_done)
    def after_batch(self):
        if self.training: self.t_done = time.perf_counter()
    def after_step(self):
        if torch.cuda.is_available(): torch.cuda.synchronize()
        self.model_seconds += time.perf_counter() - self.t_batch   # forward, loss, backward, optimizer step
        self.images += find_bs(self.yb)
    def after_train(self): self.loop_seconds += time.perf_counter() - self.t_train

if __name__ == '__main__':
    parser = train_parser()
    parser.add_argument('--record', type=Path, default=None, help='also write the results to this JSON file')
    a = parser.parse_args()
    cfg = config_from_args(a)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    speed = LoopSpeed()
    t0 = time.perf_counter()
    learn, res = train_xray(cfg, out, cbs=[speed])
    wall = time.perf_counter() - t0
    loop_rate, model_rate = speed.images / speed.loop_seconds, speed.images / speed.model_seconds
    report = {k: res[k] for k in ('accuracy', 'sensitivity', 'specificity', 'precision', 'f1', 'roc_auc', 'valid_loss',
                                  'n_train', 'n_valid', 'split', 'best_epoch', 'lr', 'device', 'threshold', 'threshold_rule',
                                  'at_threshold', 'ci95', 'stress', 'stress_inside_box', 'by_series', 'calibration', 'phases', 'seconds') if k in res}
    report.update(wall_seconds=round(wall, 1), loop_images_per_s=round(loop_rate, 1),
                  model_only_images_per_s=round(model_rate, 1), loop_vs_model=round(loop_rate / model_rate, 3),
                  median_wait_between_batches_ms=round(1000 * float(np.median(speed.waits)), 1),
                  torch_threads=torch.get_num_threads(), config=res['config'], **provenance(),
                  command='python benchmarks/train_speed.py ' + ' '.join(sys.argv[1:]))
    for f in [out/'benchmark.json', a.record]:
        if f is not None: write_json(f, report)
    print(json.dumps({k: v for k, v in report.items() if k not in ('config', 'stress')}, indent=2))
