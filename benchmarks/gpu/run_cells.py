"Run cells of a notebook in one IPython shell (execnb, as nbdev-test does); log each cell's time, text output and error to OUT. The notebook is not changed."
import json, sys, time, os
from pathlib import Path
from fastcore.nbio import read_nb
from execnb.shell import CaptureShell
nb_path, out, which = Path(sys.argv[1]).resolve(), Path(sys.argv[2]), sys.argv[3]   # which: 'all' or cell indices, comma-separated
first_code = sys.argv[4] if len(sys.argv) > 4 else ''
nb = read_nb(nb_path)
idx = range(len(nb.cells)) if which == 'all' else [int(i) for i in which.split(',')]
os.chdir(nb_path.parent)
shell, log = CaptureShell(), []
if first_code: shell.run(first_code)
def text(outs):
    t = []
    for o in outs or []:
        if o.get('output_type') == 'stream': t.append(''.join(o.get('text', '')))
        elif 'data' in o and 'text/plain' in o['data']: t.append(''.join(o['data']['text/plain']))
        elif o.get('output_type') == 'error': t.append('\n'.join(o.get('traceback', []))[-3000:])
    return ''.join(t)[-4000:]
for i in idx:
    c = nb.cells[i]
    if c.cell_type != 'code': continue
    t = time.perf_counter()
    outs = shell.run(c.source)
    dt = time.perf_counter() - t
    err = shell.exc
    log.append(dict(cell=i, seconds=round(dt, 1), source=c.source[:300], error=repr(err)[:2000] if err else None, output=text(outs)))
    print(f'{nb_path.name} cell {i}: {dt:.1f} s {"ERROR " + repr(err)[:500] if err else "ok"}', flush=True)
    (out/f'{nb_path.stem}_cells.json').write_text(json.dumps(log, indent=1))
    if err: sys.exit(1)
