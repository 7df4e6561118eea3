#!/usr/bin/env python
"""Run notebooks the way learners run them: in a real Jupyter kernel (nbclient + ipykernel), top to bottom.

    python tools/run_notebooks.py                      # every notebook in nbs/, cells flagged slow or cuda skipped
    python tools/run_notebooks.py nbs/07_train.ipynb   # some notebooks
    python tools/run_notebooks.py --flags slow --save nbs/00_data.ipynb   # also run the slow cells; store the outputs
    python tools/run_notebooks.py --cells ad7bc4cd --save nbs/07_train.ipynb   # and these flagged cells

nbdev-test runs a notebook in an IPython shell inside its own process, where fastai's `IN_NOTEBOOK` is false; Jupyter
and Colab run it in a kernel, where it is true and some code paths differ. Here each notebook gets a fresh kernel
whose working directory is the notebook's folder, as in Jupyter. Cells flagged with one of `tst_flags` (pyproject.toml)
are skipped unless named in `--flags`, like nbdev-test does, and so are cells marked `#| eval: false`.

A notebook fails when a cell raises, or when an output shows a deprecation notice (a FutureWarning or
DeprecationWarning) that a learner would see. The kernel runs with IN_TEST=1, as under nbdev-test, so that the
closing `nbdev_export()` cell does not rewrite the package while other notebooks import it. With `--save` the
executed notebook, outputs included, is written back (run `nbdev-clean` afterwards). The last line is
"N passed, N failed" (notebooks); the exit status is 1 if any failed.
"""
import argparse, os, re, sys, time, tomllib, traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
NOISE = re.compile(r'\b\w*(?:DeprecationWarning|FutureWarning)\b')


def directives(source:str) -> dict:
    "The `#| name value` lines at the top of a cell, as {name: value}"
    res = {}
    for line in source.splitlines():
        if not line.startswith('#|'):
            if line.strip(): break
            continue
        name, _, value = line[2:].strip().partition(' ')
        res[name.rstrip(':')] = value.strip()
    return res


def runs(cell, skip:set) -> bool:
    "Whether `cell` is executed: a code cell not flagged with one of `skip` and not marked `eval: false`"
    if cell.cell_type != 'code': return False
    d = directives(cell.source)
    return not (skip & d.keys()) and d.get('eval', '').lower() != 'false'


def outputs_text(cell) -> str:
    parts = []
    for o in cell.get('outputs', []):
        if o.output_type == 'stream': parts.append(o.text)
        elif o.output_type == 'error': parts.append('\n'.join(o.traceback))
        else: parts.append(str(o.get('data', {}).get('text/plain', '')))
    return ''.join(parts)


def cell_seconds(cell) -> float:
    "Seconds the kernel spent on `cell` (nbclient records when it started and finished)"
    t = cell.get('metadata', {}).get('execution', {})
    start, end = t.get('iopub.execute_input'), t.get('shell.execute_reply')
    if not (start and end): return 0.
    from datetime import datetime
    return (datetime.fromisoformat(end.replace('Z', '+00:00')) - datetime.fromisoformat(start.replace('Z', '+00:00'))).total_seconds()


def run_notebook(path:Path, skip:set, timeout:int, save:bool, slow_cells:float=None, also:set=frozenset()) -> tuple:
    "Execute `path` in a fresh kernel (with the flagged cells whose ids are in `also`); return (ok, seconds, message)"
    nb = nbformat.read(path, as_version=4)
    skipped = {i for i, c in enumerate(nb.cells) if c.cell_type == 'code' and not runs(c, skip) and c.get('id') not in also}
    kept = [c for i, c in enumerate(nb.cells) if i not in skipped]
    run_nb = nbformat.v4.new_notebook(cells=kept, metadata=nb.metadata)
    client = NotebookClient(run_nb, kernel_name='python3', timeout=timeout, allow_errors=False,
                            extra_arguments=['--IPKernelApp.log_level=ERROR'],   # the kernel's own log, not the notebook's outputs
                            resources={'metadata': {'path': str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute(env={**os.environ, 'IN_TEST': '1'})
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        return False, time.perf_counter() - start, _short_error(e)
    except Exception as e:
        return False, time.perf_counter() - start, f'{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}'
    seconds = time.perf_counter() - start
    if slow_cells is not None:
        for c in kept:
            if c.cell_type == 'code' and cell_seconds(c) >= slow_cells: print(f'  {path.name}:{c.get("id")}: {cell_seconds(c):.1f}s', flush=True)
    noisy = [(c.source.splitlines()[:2], m.group(0)) for c in kept if c.cell_type == 'code'
             for m in [NOISE.search(outputs_text(c))] if m]
    if save:
        done = iter(kept)
        nb.cells = [next(done) if i not in skipped else c for i, c in enumerate(nb.cells)]
        nbformat.write(nb, path)
    if noisy:
        lines = '\n'.join(f'  a {w} in the output of the cell starting {src}' for src, w in noisy)
        return False, seconds, f'deprecation notices a learner would see:\n{lines}'
    return True, seconds, ''


def _short_error(e) -> str:
    msg = re.sub(r'\x1b\[[0-9;]*m', '', str(e))   # no terminal colours in the report
    return msg if len(msg) < 6000 else msg[:2000] + '\n...\n' + msg[-4000:]


def main(argv=None):
    cfg = tomllib.loads((ROOT/'pyproject.toml').read_text())['tool']['nbdev']
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('notebooks', nargs='*', type=Path, help='notebooks to run (default: every notebook in nbs/)')
    p.add_argument('--flags', nargs='*', default=[], help='run the cells with these flags too (e.g. slow)')
    p.add_argument('--save', action='store_true', help='write the executed notebooks back, with their outputs')
    p.add_argument('--workers', type=int, default=int(os.environ.get("NB_WORKERS", 1)), help='notebooks at a time')
    p.add_argument('--timeout', type=int, default=cfg.get('cell_timeout', 600), help='seconds a cell may run')
    p.add_argument('--cell-timing', type=float, default=None, help='print the cells that took at least this many seconds')
    p.add_argument('--cells', nargs='*', default=[], help='ids of flagged cells to run too (to store the output of some slow cells)')
    a = p.parse_args(argv)
    nbs = a.notebooks or sorted(f for f in (ROOT/'nbs').rglob('*.ipynb')
                                if not any(part.startswith(('_', '.')) for part in f.relative_to(ROOT/'nbs').parts))
    skip = set(cfg.get('tst_flags', [])) - set(a.flags)

    def one(nb):
        ok, secs, msg = run_notebook(nb.resolve(), skip, a.timeout, a.save, a.cell_timing, set(a.cells))
        print(f"{'passed' if ok else 'failed'} {secs:.0f}s {nb}" + (f'\n{msg}\n' if msg else ''), flush=True)
        return ok

    with ThreadPoolExecutor(max(1, a.workers)) as ex: results = list(ex.map(one, nbs))
    print(f'{sum(results)} passed, {len(results) - sum(results)} failed (notebooks in a Jupyter kernel)')
    return 0 if all(results) and results else 1


if __name__ == '__main__': sys.exit(main())
