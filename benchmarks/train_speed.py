#!/usr/bin/env python
"""Benchmark the default from-scratch recipe: validation figures, the stress test, wall time, and whether loading keeps up.

    python benchmarks/train_speed.py --data PATH/chest_xray [--out runs/benchmark] [--baseline] [--speed-record FILE] [any pneumo-train option]

Trains the recipe with `train_xray` (the same code as `pneumo-train`) and reports
- the validation figures of the best checkpoint, on the patient validation split of PATH/train, at 0.5 and at the
  operating threshold stored with the model, and the stress test of framing on the same patients;
- wall time of the whole run, and its phases (`prepare`: listing, checks, lung boxes and the prepared X-rays;
  `lr_find`; `fit`; `export`; `stress`), as `metrics.json` records them, and the numerics it trained in;
- images per second of the training loop (the training phase of every epoch: loading, augmentation, forward,
  backward and optimizer step, validation excluded), next to images per second of the model alone on the same
  batches (the time from a batch's arrival to the end of its optimizer step, summed over the run); their ratio
  says whether loading keeps up with the model (1.0: the model never waits for data);
- the median time a training step waits between batches (loading and the batch transforms, augmentation included);
- the network alone, outside any loop: X-rays per second of a training step (forward, loss, backward, AdamW step) and
  of inference, on random batches of the recipe's size, at each precision this machine runs (fp32, and bf16 where
  the CPU has bf16 units or on CUDA, fp16 on CUDA); the loop efficiency is the loop's X-rays per second divided by
  the network alone's training speed at the precision the run used.
With `--baseline`, the same recipe is trained first the way it was before the prepared X-rays and bf16 existed
(`--no-prepared --precision fp32`: the per-item pipeline, fp32), in the same run on the same machine, and the result
says how many times as fast the whole run and its `fit` are.
For full-size originals, build a resize cache first (`pneumo-data resize SRC DST --size 256`) and pass DST.
Results go to OUT/benchmark.json, and with `--record FILE` to FILE as well (the README quotes
benchmarks/results/default_recipe.json); `--speed-record FILE` writes the comparison, with the machine, the package
versions and the date (benchmarks/results/train_speed.json).
"""
import contextlib, dataclasses, json, sys, time
from pathlib import Path
import numpy as np, torch
from pneumo_nb.cli import config_from_args, train_parser, quiet_library_warnings
quiet_library_warnings()
from fastai.vision.all import *
from pneumo_nb.train import train_xray
from pneumo_nb.models import xray_model, resolve_precision
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

def network_alone(arch:str, size:int, bs:int, precision:str, steps:int=20, warmup:int=3) -> dict:
    "X-rays per second of `arch` alone at `precision`: a training step (AdamW) and inference, on random batches"
    dev = default_device()
    mode, words = resolve_precision(precision, dev)
    m = xray_model(arch).to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(m.parameters(), 1e-3)
    x = torch.randn(bs, 3, size, size, device=dev).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 2, (bs,), device=dev)
    cast = lambda: torch.autocast(dev.type, dtype={'bf16': torch.bfloat16, 'fp16': torch.float16}[mode]) if mode != 'fp32' else contextlib.nullcontext()
    scaler = torch.amp.GradScaler(dev.type, enabled=mode == 'fp16')
    def timed(step):
        for i in range(warmup + steps):
            if i == warmup:
                if dev.type == 'cuda': torch.cuda.synchronize()
                t = time.perf_counter()
            step()
        if dev.type == 'cuda': torch.cuda.synchronize()
        return round(bs * steps / (time.perf_counter() - t), 1)
    def train_step():
        with cast(): loss = torch.nn.functional.cross_entropy(m(x).float(), y)
        opt.zero_grad(); scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
    def infer():
        with torch.inference_mode(), cast(): m(x)
    m.train(); tr = timed(train_step)
    m.eval(); inf = timed(infer)
    return dict(precision=mode, numerics=words, train_xrays_per_s=tr, inference_xrays_per_s=inf)

def precisions() -> list:
    "The precisions this machine runs"
    out = ['fp32']
    for p in ('bf16', 'fp16'):
        try: resolve_precision(p); out.append(p)
        except ValueError: pass
    return out

def run(cfg, out:Path, alone:dict) -> dict:
    "Train `cfg` into `out`; its report"
    speed = LoopSpeed()
    t0 = time.perf_counter()
    learn, res = train_xray(cfg, out, cbs=[speed])
    wall = time.perf_counter() - t0
    loop_rate, model_rate = speed.images / speed.loop_seconds, speed.images / speed.model_seconds
    report = {k: res[k] for k in ('accuracy', 'sensitivity', 'specificity', 'precision', 'f1', 'roc_auc', 'valid_loss',
                                  'n_train', 'n_valid', 'split', 'best_epoch', 'lr', 'device', 'numerics', 'threshold', 'threshold_rule',
                                  'at_threshold', 'ci95', 'stress', 'stress_inside_box', 'by_series', 'calibration', 'phases', 'seconds') if k in res}
    net = alone[resolve_precision(cfg.precision, learn.dls.device)[0]]['train_xrays_per_s']
    report.update(wall_seconds=round(wall, 1), loop_images_per_s=round(loop_rate, 1),
                  model_only_images_per_s=round(model_rate, 1), loop_vs_model=round(loop_rate / model_rate, 3),
                  network_alone_train_xrays_per_s=net, loop_efficiency=round(loop_rate / net, 3),
                  median_wait_between_batches_ms=round(1000 * float(np.median(speed.waits)), 1),
                  torch_threads=torch.get_num_threads(), config=res['config'])
    return report

if __name__ == '__main__':
    parser = train_parser()
    parser.add_argument('--record', type=Path, default=None, help="also write the default run's results to this JSON file")
    parser.add_argument('--baseline', action='store_true', help='first train the recipe as before (--no-prepared --precision fp32), for comparison')
    parser.add_argument('--speed-record', type=Path, default=None, help='write the comparison (and the network alone) to this JSON file')
    a = parser.parse_args()
    cfg = config_from_args(a)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    command = 'python benchmarks/train_speed.py ' + ' '.join(sys.argv[1:])
    alone = {p: network_alone(cfg.arch, cfg.size, cfg.bs, p) for p in precisions()}
    print(json.dumps(alone, indent=2), flush=True)
    runs = {}
    if a.baseline:
        runs['per-item pipeline, fp32'] = run(dataclasses.replace(cfg, prepared=False, precision='fp32'), out/'baseline', alone)
        print(json.dumps({k: v for k, v in runs['per-item pipeline, fp32'].items() if k not in ('config', 'stress', 'ci95')}), flush=True)
    runs['default'] = report = run(cfg, out, alone)
    report.update(**provenance(), command=command)
    for f in [out/'benchmark.json', a.record]:
        if f is not None: write_json(f, report)
    print(json.dumps({k: v for k, v in report.items() if k not in ('config', 'stress')}, indent=2))
    if a.speed_record:
        res = dict(network_alone=alone, runs=runs, **provenance(), command=command)
        if a.baseline:
            old, new = runs['per-item pipeline, fp32'], runs['default']
            res['times_as_fast'] = dict(whole_run=round(old['wall_seconds'] / new['wall_seconds'], 2),
                                        fit=round(old['phases']['fit'] / new['phases']['fit'], 2))
        write_json(a.speed_record, res)
        print(json.dumps(res.get('times_as_fast', {})))
