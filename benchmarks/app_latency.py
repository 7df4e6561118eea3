#!/usr/bin/env python
"""Benchmark the app under load: latency of each request through the app's HTTP API, from the client's side.

    python benchmarks/app_latency.py [--model MODEL] [--requests 50] [--clients 4] [--record benchmarks/results/app_latency.json]

Starts `xray_app` on a free local port with MODEL (a model.pth or model.pkl written by pneumo-train; default: the toy
model of the bundled sample, `toy_model`), then CLIENTS threads, each with its own `gradio_client.Client`, send
REQUESTS requests in all (X-rays of the bundled sample, in turn): upload, prediction, Grad-CAM heatmap and answer.
Every answer is checked against `XRayPredictor.predict` on the same file. Reports the latency of each request
(median, 95th percentile, largest), the wall time and the requests per second, first with one client alone
(no queue) and then with CLIENTS at once (the app analyses one X-ray at a time, so the others wait in its queue).
"""
import argparse, json, socket, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np
from pneumo_nb.cli import quiet_library_warnings
quiet_library_warnings()   # PyTorch's deprecation notices about code inside fastai
from gradio_client import Client, handle_file
from pneumo_nb.app import xray_app, toy_model, sample_examples
from pneumo_nb.inference import load_model
from provenance import provenance, write_json

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def run_load(url:str, files:list, clients:int) -> tuple:
    "(latencies in seconds, answers, wall seconds) of `files` sent by `clients` clients at once"
    def client_run(k):
        c, res = Client(url, verbose=False), []
        for f in files[k::clients]:
            t = time.perf_counter(); a = c.predict(handle_file(f), api_name='/predict')[2]
            res.append((f, a, time.perf_counter() - t))
        return res
    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as ex: out = [r for part in ex.map(client_run, range(clients)) for r in part]
    return [r[2] for r in out], [(r[0], r[1]) for r in out], time.perf_counter() - t

def stats(lat:list, wall:float) -> dict:
    return dict(n=len(lat), p50_ms=round(1000 * float(np.percentile(lat, 50)), 1), p95_ms=round(1000 * float(np.percentile(lat, 95)), 1),
                max_ms=round(1000 * max(lat), 1), wall_s=round(wall, 2), requests_per_s=round(len(lat) / wall, 2))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', type=Path, default=None)
    p.add_argument('--requests', type=int, default=50)
    p.add_argument('--clients', type=int, default=4)
    p.add_argument('--record', type=Path, default=None, help='also write the results to this JSON file')
    a = p.parse_args()
    model = a.model or toy_model()
    pred = load_model(model)
    examples = sample_examples()
    files = [examples[i % len(examples)] for i in range(a.requests)]
    expected = {f: pred.predict(f) for f in examples}
    demo, port = xray_app(pred), free_port()
    demo.launch(server_name='127.0.0.1', server_port=port, prevent_thread_lock=True, quiet=True, inline=False)
    try:
        url = f'http://127.0.0.1:{port}/'
        run_load(url, examples, 1)                        # warm up: first requests load code and caches
        results = {}
        for clients in (1, a.clients):
            lat, answers, wall = run_load(url, files, clients)
            wrong = [f for f, got in answers if got['label'] != expected[f].label or abs(got['probability'] - expected[f].probability) > 1e-5]
            results[f'{clients} client' + ('s' if clients > 1 else '')] = dict(stats(lat, wall), wrong=len(wrong))
    finally: demo.close()
    res = dict(model=str(model), predictor=repr(pred), requests=a.requests, results=results,
               **provenance())
    print(json.dumps(res, indent=2))
    if a.record: write_json(a.record, res)
