#!/usr/bin/env python
"""Benchmark the default from-scratch recipe: validation figures, wall time, and whether data loading keeps up.

    python benchmarks/train_speed.py --data PATH/chest_xray [--out runs/benchmark] [any pneumo-train option]

Trains the recipe with `train_xray` (the same code as `pneumo-train`) and reports
- the validation figures of the best checkpoint, on the patient validation split of PATH/train;
- wall time of the whole run;
- images per second of the training loop (the training phase of every epoch: loading, augmentation, forward,
  backward and optimizer step, validation excluded), next to images per second of the model alone (forward,
  backward and optimizer step) on batches of the same loader held in memory; the ratio says whether loading keeps
  up with the model.
For full-size originals, build a resize cache first (`pneumo-data resize SRC DST --size 256`) and pass DST.
Results go to OUT/benchmark.json as well.
"""
import argparse, json, sys, time
from pathlib import Path
import torch
from fastai.vision.all import *
from fastai.callback.channelslast import ChannelsLast
from pneumo_nb.train import TrainConfig, config_dls, config_learner, train_xray, train_parser

class LoopSpeed(Callback):
    "Images per second of the training phase of each epoch"
    order = 0
    def before_fit(self): self.images, self.seconds = 0, 0.
    def before_train(self): self.t0 = time.perf_counter()
    def after_batch(self):
        if self.training: self.images += find_bs(self.yb)
    def after_train(self): self.seconds += time.perf_counter() - self.t0

def model_only_speed(cfg:TrainConfig, n_batches:int=20, out=Path('.')) -> float:
    "Images per second of forward, backward and optimizer step alone, on `n_batches` held in memory"
    dls = config_dls(cfg)
    learn = config_learner(cfg, dls, out)
    batches = [b for _, b in zip(range(n_batches + 2), dls.train)]
    learn.create_opt(); learn.model.train()
    if any(isinstance(cb, ChannelsLast) for cb in learn.cbs): learn.model.to(memory_format=torch.channels_last)
    def step(xb, yb):
        loss = learn.loss_func(learn.model(xb), yb)
        loss.backward(); learn.opt.step(); learn.opt.zero_grad()
    for xb, yb in batches[:2]: step(xb, yb)   # warm-up
    if torch.cuda.is_available(): torch.cuda.synchronize()
    t0 = time.perf_counter()
    for xb, yb in batches[2:]: step(xb, yb)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    return sum(len(yb) for _, yb in batches[2:]) / (time.perf_counter() - t0)

if __name__ == '__main__':
    a = train_parser().parse_args()
    cfg = TrainConfig(data=a.data, arch=a.arch, pretrained=a.pretrained, size=a.size, epochs=a.epochs, bs=a.bs,
                      lr=a.lr, task=a.task, seed=a.seed, valid_pct=a.valid_pct, split=a.split, monitor=a.monitor,
                      patience=a.patience, augment=a.augment, flip=a.flip, workers=a.workers)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    model_rate = model_only_speed(cfg, out=out)
    speed = LoopSpeed()
    t0 = time.perf_counter()
    learn, res = train_xray(cfg, out, cbs=[speed])
    wall = time.perf_counter() - t0
    loop_rate = speed.images / speed.seconds
    report = {k: res[k] for k in ('accuracy', 'sensitivity', 'specificity', 'precision', 'f1', 'roc_auc', 'valid_loss',
                                  'n_train', 'n_valid', 'split', 'best_epoch', 'lr', 'device')}
    report.update(wall_seconds=round(wall, 1), loop_images_per_s=round(loop_rate, 1),
                  model_only_images_per_s=round(model_rate, 1), loop_vs_model=round(loop_rate / model_rate, 3),
                  torch_threads=torch.get_num_threads(), config=res['config'])
    (out/'benchmark.json').write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != 'config'}, indent=2))
