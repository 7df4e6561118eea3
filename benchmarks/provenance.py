"""What every benchmark result file records about where and when it was measured, and how it is written (without the paths of the machine).

The benchmarks import it as a sibling module (`python benchmarks/NAME.py` puts this folder on `sys.path`).
"""
import json, os, platform, sys, tempfile, time
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[1]   # the repository


def portable(text:str) -> str:
    "`text` with the paths of this machine made portable: relative to the repository (its parent as `..`, where the data sits beside a clone), `$TMPDIR` and `~` for the rest"
    for prefix, short in ((f'{ROOT}/', ''), (f'{ROOT.parent}/', '../'), (f'{Path(tempfile.gettempdir()).resolve()}/', '$TMPDIR/'),
                          (f'{Path.home()}/', '~/')):
        text = text.replace(prefix, short)
    return text


def provenance(**extra) -> dict:
    "`machine` (platform, cores, torch and its threads, Python, and `extra`) and `when`, to merge into a result"
    return dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch_threads=torch.get_num_threads(),
                             torch=torch.__version__, python=sys.version.split()[0], **extra),
                when=time.strftime('%Y-%m-%d %H:%M'))


def write_json(path, res:dict):
    "Write `res` to `path` as indented JSON, through a temporary file: a write that fails leaves the old file intact"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.')
    try:
        with os.fdopen(fd, 'w') as f: f.write(portable(json.dumps(res, indent=2)) + '\n')
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True); raise


def append_jsonl(path, res:dict):
    "Append `res` to `path` as one JSON line (folders made as needed)"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'a') as f: f.write(portable(json.dumps(res)) + '\n')
