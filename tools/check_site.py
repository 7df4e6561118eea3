#!/usr/bin/env python
"""Check what can be checked of the documentation site where Quarto cannot run (the GitHub workflow builds it).

    python tools/check_site.py

1. `nbdev-proc-nbs`, the first step of `nbdev-docs` (and so of the deploy workflow), succeeds, and leaves the
   hand-written `nbs/sidebar.yml` as it was.
2. Every notebook reads as a page a learner can open: its first cell installs the package in Colab, it has a title
   (`# Title`, not `# # Title`) and an "Open in Colab" badge for its own path, no cell flagged `slow` or `cuda`
   imports anything (nbdev's doc processing runs every cell that imports), and no cell reads data from a path that
   exists only on the machines of this project.
3. Stored outputs show nothing a reader should not see: no errors, no warnings, no paths of the machine they ran on.
4. README.md is in step with nbs/index.ipynb (`python tools/readme.py --check`).

Each failure is printed; the last line is "N passed, N failed" (checks); the exit status is 1 if any failed.
"""
import ast, json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
BADGE = 'https://colab.research.google.com/github/pneumo-nb/pneumo_nb/blob/main/nbs/{}'
MACHINE_PATH = re.compile(r'(?<![\w.])/(?:work|tmp|home|root|Users)/|[A-Z]:\\\\Users' + '|' + re.escape(str(ROOT)))
WARNING = re.compile(r'\b[A-Z]\w*Warning\b|^\s*warnings\.warn\(', re.M)
LOCAL_DATA = re.compile(r'shared/(?:data|weights)|/work/')


def notebooks():
    return sorted(f for f in NBS.rglob('*.ipynb') if not any(p.startswith(('_', '.')) for p in f.relative_to(NBS).parts))

def directives(src):
    return {l[2:].strip().split(' ')[0].rstrip(':') for l in src.splitlines() if l.startswith('#|')}

def imports(src):
    code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))
    try: return any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(ast.parse(code)))
    except SyntaxError: return False

def output_text(o):
    if o['output_type'] == 'stream': return ''.join(o['text'])
    if o['output_type'] == 'error': return '\n'.join(o['traceback'])
    data = o.get('data', {})
    return ''.join(data.get('text/plain', '')) + ''.join(data.get('text/html', '')) + ''.join(data.get('text/markdown', ''))

def check_notebook(path):
    "Problems of one notebook, as strings"
    rel, cells, problems = path.relative_to(NBS).as_posix(), json.loads(path.read_text())['cells'], []
    if not cells or "'google.colab' in sys.modules" not in ''.join(cells[0]['source']):
        problems.append('the first cell does not install pneumo_nb in Colab')
    md = [''.join(c['source']) for c in cells if c['cell_type'] == 'markdown']
    title = next((s for s in md if s.startswith('#')), '')
    if not re.match(r'# [^#]', title): problems.append(f'no page title, or a malformed one: {title[:40]!r}')
    badge = BADGE.format('' if rel == 'index.ipynb' else rel)   # the home page's badge opens the first lesson
    if not any(badge in s for s in md): problems.append(f'no "Open in Colab" badge for nbs/{rel}')
    for i, c in enumerate(cells):
        src = ''.join(c['source'])
        if c['cell_type'] != 'code': continue
        if directives(src) & {'slow', 'cuda'} and imports(src): problems.append(f'cell {i} is slow/cuda and imports (doc processing would run it)')
        if LOCAL_DATA.search(src): problems.append(f'cell {i} reads a path that exists only here: {LOCAL_DATA.search(src).group(0)!r}')
        for o in c.get('outputs', []):
            text = output_text(o)
            if o['output_type'] == 'error': problems.append(f"cell {i} stored an error: {o.get('ename')}")
            elif m := MACHINE_PATH.search(text): problems.append(f'cell {i} output shows a machine path: ...{text[max(0, m.start() - 30):m.end() + 30]!r}')
            elif m := WARNING.search(text): problems.append(f'cell {i} output shows a warning: ...{text[max(0, m.start() - 60):m.end() + 60]!r}')
    return problems

def main():
    results = []
    def record(name, problems):
        results.append(not problems)
        print(f"{'passed' if not problems else 'failed'} {name}" + ''.join(f'\n  {p}' for p in problems), flush=True)

    sidebar = (NBS/'sidebar.yml').read_text()
    p = subprocess.run(['nbdev-proc-nbs'], cwd=ROOT, capture_output=True, text=True)
    problems = [] if p.returncode == 0 else [f'nbdev-proc-nbs failed (exit {p.returncode}):\n' + (p.stdout + p.stderr)[-3000:]]
    if (NBS/'sidebar.yml').read_text() != sidebar: problems.append('nbdev-proc-nbs rewrote nbs/sidebar.yml (custom_sidebar = true?)')
    record('site: nbdev-proc-nbs', problems)
    for nb in notebooks(): record(f'page: nbs/{nb.relative_to(NBS)}', check_notebook(nb))
    r = subprocess.run([sys.executable, str(ROOT/'tools/readme.py'), '--check'], capture_output=True, text=True)
    record('README.md in step with nbs/index.ipynb', [] if r.returncode == 0 else [r.stdout.strip() or r.stderr.strip()])
    print(f'{sum(results)} passed, {len(results) - sum(results)} failed (site checks)')
    return 0 if all(results) else 1

if __name__ == '__main__': sys.exit(main())
