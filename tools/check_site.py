#!/usr/bin/env python
"""Check what can be checked of the documentation site where Quarto cannot run (the GitHub workflow builds it).

    python tools/check_site.py

1. `nbdev-proc-nbs`, the first step of `nbdev-docs` (and so of the deploy workflow), succeeds, and leaves the
   hand-written `nbs/sidebar.yml` as it was.
2. Every notebook reads as a page a learner can open: its first cell installs the package in Colab, it has a title
   (`# Title`, not `# # Title`) and an "Open in Colab" badge for its own path, no cell flagged `slow` or `cuda`
   imports anything (nbdev's doc processing runs every cell that imports), and no cell reads data from a path that
   exists only on the machines of this project.
3. Stored outputs show nothing a reader should not see: no errors, no warnings, no paths of the machine they ran on;
   nor do the committed results of `benchmarks/results/` (a data set or model is recorded by a path relative to the
   repository, as `benchmarks/provenance.py` writes it).
4. Links resolve: every link in the prose (after nbdev turns `name` into a link to its API page, as the site does)
   points to a page that exists, an API entry of that page, a heading of it, or a file of the repository.
5. Every exported name is documented: a function or class has a docstring (nbdev shows it with `show_doc`) and
   appears in a code cell of some notebook other than its definition (an example; an exception class needs only its
   docstring); a constant is used in an example or named in prose.
6. Every page converts to HTML (nbconvert, from the notebooks `nbdev-proc-nbs` made), and two tutorials, viewed in
   headless Chromium as a reader would, load every picture, fit the width of the window and cut nothing off
   (with `--screenshots DIR`, full-page screenshots are saved there to look at).
7. README.md is in step with nbs/index.ipynb (`python tools/readme.py --check`).
8. Every figure the prose quotes (a number with two decimals or more) comes from somewhere a reader can point to: the
   page's own stored outputs or code, a results file of `benchmarks/results/` that the page names, or the stored
   outputs of a page it links to; the README's page (index) may quote any page or results file. Versions ("Python 3.12") and goals ("at most 0.03") are not
   figures. A quoted figure whose output changed, or whose source is not named, fails, so prose cannot drift from
   its outputs unnoticed.

Each failure is printed; the last line is "N passed, N failed" (checks); the exit status is 1 if any failed.
"""
import ast, functools, importlib, inspect, json, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path
from urllib.parse import urlparse

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

DOC_HOST = 'https://pneumo-nb.github.io/pneumo_nb/'
REPO_FILE = re.compile(r'https://(?:github\.com|colab\.research\.google\.com/github)/pneumo-nb/pneumo_nb/blob/main/(\S+)')
MD_LINK = re.compile(r'\]\(([^)\s]+)\)|<(?:a|img)\b[^>]*?(?:href|src)="([^"]+)"')

def slug(heading):
    "The anchor Quarto gives a heading"
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).strip().replace(' ', '-')

def page_of(nb):
    "The page of notebook `nb` on the site (as nbdev names it: numeric prefix stripped)"
    from nbdev.config import nbpath2html
    return nbpath2html(nb.relative_to(NBS)).as_posix()

@functools.cache
def headings(nb):
    "The anchors of the headings of notebook `nb` (read once, however many links point to it)"
    cells = json.loads(nb.read_text())['cells']
    return {slug(l.lstrip('#')) for c in cells if c['cell_type'] == 'markdown' for l in ''.join(c['source']).splitlines() if re.match(r'#+ ', l)}

def page_anchors(nb, syms):
    "Anchors of a page: its headings, and the API entries of the module it exports"
    return headings(nb) | syms.get(page_of(nb), set())

def api_entries():
    "page -> anchors of the API entries documented on it, from nbdev's index of the package"
    from pneumo_nb._modidx import d
    res = {}
    for mod in d['syms'].values():
        for v in mod.values():
            page, _, anchor = v[0].partition('#')
            res.setdefault(page, set()).add(anchor)
    return res

def check_links(nb, pages, syms, lookup):
    "Links of `nb`'s prose that do not resolve"
    problems, cells = [], json.loads(nb.read_text())['cells']
    for i, c in enumerate(cells):
        if c['cell_type'] != 'markdown': continue
        for m in MD_LINK.finditer(lookup.linkify(''.join(c['source']))):
            target = m.group(1) or m.group(2)
            where, _, anchor = target.partition('#')
            if m2 := REPO_FILE.match(target):
                if not (ROOT/m2.group(1).split('#')[0]).exists(): problems.append(f'cell {i}: {target} links a file the repository lacks')
                continue
            if target.startswith(DOC_HOST):
                page = target[len(DOC_HOST):].split('#')[0]
                if page not in pages: problems.append(f'cell {i}: {target}: no page {page} on the site')
                elif anchor and anchor.lower() not in page_anchors(pages[page], syms): problems.append(f'cell {i}: {target}: {page} has no entry #{anchor}')
                continue
            if urlparse(target).scheme or target.startswith('/'): continue   # the rest of the web cannot be checked offline
            dest = (nb.parent/where).resolve() if where else nb
            if not dest.exists(): problems.append(f'cell {i}: {target}: {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest} does not exist'); continue
            if anchor and dest.suffix == '.ipynb' and anchor.lower() not in page_anchors(dest, syms):
                problems.append(f'cell {i}: {target}: no heading or API entry #{anchor} there')
    return problems

def check_documented():
    "Exported names without a docstring, without an example, or (constants) never named in prose"
    cells = [(c['cell_type'], ''.join(c['source'])) for nb in notebooks() for c in json.loads(nb.read_text())['cells']]
    code = '\n'.join(s for t, s in cells if t == 'code' and not re.search(r'^#\|\s*export', s, re.M))
    code += '\n'.join(b for t, s in cells if t == 'markdown' for b in re.findall(r'```(?:python|sh)?\n(.*?)```', s, re.S))
    prose = '\n'.join(s for t, s in cells if t == 'markdown')
    from pneumo_nb._modidx import d
    from pneumo_nb.cli import quiet_library_warnings
    quiet_library_warnings()   # importing fastai with this torch prints a deprecation notice about fastai's own code
    problems = []
    for modname in d['syms']:
        mod = importlib.import_module(modname)
        for name in getattr(mod, '__all__', []):
            obj = getattr(mod, name)
            used = re.search(rf'\b{re.escape(name)}\b', code)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                if not (obj.__doc__ or '').strip(): problems.append(f'{modname}.{name} has no docstring')
                if inspect.isclass(obj) and issubclass(obj, Exception): continue   # an error: its docstring says when it is raised
                if not used: problems.append(f'{modname}.{name} has no example: no code cell uses it')
            elif not (used or re.search(rf'`{re.escape(name)}`', prose)): problems.append(f'{modname}.{name} is neither used in an example nor named in prose')
    return problems

def to_html(nb, out):
    "Convert a (processed) notebook to an HTML page in `out`; the problem, if it fails"
    import nbformat
    from nbconvert import HTMLExporter
    try:
        node = nbformat.read(nb, as_version=4)
        front = node.cells[0] if node.cells and node.cells[0].cell_type == 'raw' and node.cells[0].source.startswith('---') else None
        if front:   # the title and description nbdev moved into Quarto's front matter, shown as Quarto shows them
            import yaml
            meta = yaml.safe_load(front.source.strip().strip('-')) or {}
            node.cells[0] = nbformat.v4.new_markdown_cell(f"# {meta.get('title', '')}\n\n{meta.get('description', '')}")
        for c in node.cells:   # nbdev's marks on the cells it ran or added show_doc to, which the notebook format does not allow
            c.pop('has_sd', None); c.metadata.pop('execution', None)
        body, _ = HTMLExporter(template_name='lab').from_notebook_node(node)
        out.parent.mkdir(parents=True, exist_ok=True); out.write_text(body)
    except Exception as e: return f'{type(e).__name__}: {str(e)[:300]}'

VIEWED = ['tutorials/03_cnn_from_scratch.ipynb', 'tutorials/04_transfer_learning.ipynb']
LAYOUT_JS = """
const width = document.documentElement.clientWidth, bad = [];
if (document.documentElement.scrollWidth > width + 1) bad.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${width} px window`);
for (const im of document.images) {
  if (/^https?:/.test(im.getAttribute('src') || '')) continue;   // the Colab badge: from the web, which this check cannot reach
  if (!im.complete || im.naturalWidth === 0) bad.push(`a picture does not load: ${im.src.slice(0, 60)}`);
  else if (im.getBoundingClientRect().right > width + 1) bad.push(`a picture is cut off at the right (${Math.round(im.getBoundingClientRect().right)} px)`);
  else if (im.naturalWidth > 200 && im.getBoundingClientRect().width < 0.5 * Math.min(im.naturalWidth, width - 100)) bad.push(`a picture is shrunk to ${Math.round(im.getBoundingClientRect().width)} px of its ${im.naturalWidth}`);
}
for (const t of document.querySelectorAll('table')) {
  const box = t.parentElement.getBoundingClientRect();
  if (t.getBoundingClientRect().width > box.width + 1) bad.push(`a table is wider (${Math.round(t.getBoundingClientRect().width)} px) than its column (${Math.round(box.width)} px)`);
}
return [bad, document.images.length, document.querySelectorAll('table').length];
"""

def view_pages(html, shots=None):
    "Open the pages in headless Chromium at 1280 x 1000; what a reader would find wrong with each"
    exe = next((e for e in ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable') if shutil.which(e)), None)
    if not (exe and shutil.which('chromedriver')): return None
    try: from selenium import webdriver
    except ImportError: return None
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions(); opts.binary_location = shutil.which(exe)
    for a in ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--window-size=1280,1000', '--hide-scrollbars']: opts.add_argument(a)
    driver, res = webdriver.Chrome(options=opts, service=Service(shutil.which('chromedriver'))), {}
    try:
        for name, page in html.items():
            driver.get(page.as_uri())
            bad, n_images, n_tables = ['the page never finished loading'], 0, 0
            for _ in range(20):   # a page read before its layout is done shows nothing: look again, for up to 10 s
                if driver.execute_script('return document.readyState') == 'complete':
                    bad, n_images, n_tables = driver.execute_script(LAYOUT_JS)
                    if n_images or n_tables: break
                time.sleep(0.5)
            if n_images == 0: bad.append('no pictures at all')
            res[name] = (bad, n_images, n_tables)
            if shots:
                h = driver.execute_script('return document.documentElement.scrollHeight')
                driver.set_window_size(1280, min(h, 16000)); Path(shots).mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(Path(shots)/(Path(name).stem + '.png'))); driver.set_window_size(1280, 1000)
    finally: driver.quit()
    return res

NUMBER = re.compile(r'(?<![\w.])(\d+\.\d{2,})(?![\w.])')
NOT_A_FIGURE = re.compile(r'(?:Python|torch|version|at most|at least|up to|below|above)\s*$', re.I)

def _numbers(text:str) -> set:
    return {float(n) for n in re.findall(r'-?\d+\.\d+', text)}

def _output_text(cell) -> str:
    parts = []
    for o in cell.get('outputs', []):
        if 'text' in o: parts.append(''.join(o['text']))
        parts += [''.join(v) for k, v in o.get('data', {}).items() if k.startswith('text')]
    return ' '.join(parts)

def check_figures() -> list:
    "Figures in the prose of each page that appear in none of its sources (check 8)"
    results = {p.name: p.read_text() for p in (ROOT/'benchmarks/results').iterdir() if p.is_file()}
    pages = {nb: json.loads(nb.read_text()) for nb in notebooks()}
    own = {nb: _numbers(' '.join(_output_text(c) + ' ' + (''.join(c['source']) if c['cell_type'] == 'code' else '') for c in d['cells']))
           for nb, d in pages.items()}
    everything = set().union(*own.values(), *map(_numbers, results.values()))
    problems = []
    for nb, d in pages.items():
        text = nb.read_text()
        linked = [o for o in pages if o != nb and re.search(rf'\]\((?:\.\./)*(?:tutorials/)?{re.escape(o.name)}', text)]   # the pages it links to
        pool = everything if nb.name == 'index.ipynb' else own[nb].union(*(_numbers(v) for k, v in results.items() if k in text), *(own[o] for o in linked))
        for c in d['cells']:
            if c['cell_type'] != 'markdown': continue
            prose = re.sub(r'\(https?://[^)]*\)|\[doi:[^\]]*\]|doi:\S+', '', ''.join(c['source']))
            for m in NUMBER.finditer(prose):
                if NOT_A_FIGURE.search(prose[max(0, m.start() - 12):m.start()]): continue
                v, nd = float(m.group(1)), len(m.group(1).split('.')[1])
                if not any(abs(round(abs(n) * k, nd) - v) < 1e-9 for n in pool for k in (1, 100)):
                    problems.append(f"nbs/{nb.relative_to(NBS)}: {m.group(1)} in \"...{prose[max(0, m.start() - 50):m.end() + 10]}...\" is in none of its outputs, its code or the results files it names")
    return problems

TYPED_FIGURE = re.compile(r'(?<![\w.\-/])(\d+\.\d+|\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?\s?%)(?!\w)')
CONVENTIONS = re.compile(r'^(?:0\.5|95%)$')   # the default threshold and the width of every interval: settings, not measurements

def check_typed_figures(page:str='benchmarks.ipynb') -> list:
    "Figures typed into the prose of `page`, whose every figure is printed by code from a results file (check 8b)"
    problems = []
    for c in json.loads((NBS/page).read_text())['cells']:
        if c['cell_type'] != 'markdown': continue
        prose = re.sub(r'```.*?```', '', ''.join(c['source']), flags=re.S)
        prose = re.sub(r'`[^`]*`|\]\([^)]*\)|\[doi:[^\]]*\]|CC BY \d\.\d', '', prose)   # code, link targets, the dataset's doi and licence
        problems += [f"nbs/{page}: {m.group(1)} typed in \"...{prose[max(0, m.start() - 50):m.end() + 10]}...\": print it from its results file"
                     for m in TYPED_FIGURE.finditer(prose) if not CONVENTIONS.match(m.group(1))]
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
    record('no machine path in benchmarks/results', [f'benchmarks/results/{f.name}: ...{t[max(0, m.start() - 40):m.end() + 30]!r}'
                                                     for f in sorted((ROOT/'benchmarks/results').iterdir()) if f.is_file()
                                                     for t in [f.read_text()] if (m := MACHINE_PATH.search(t))])
    from nbdev.doclinks import NbdevLookup
    lookup, syms = NbdevLookup(), api_entries()
    pages = {page_of(nb): nb for nb in notebooks()}
    record('links between pages and to the API reference', [f'nbs/{nb.relative_to(NBS)} {p}' for nb in notebooks() for p in check_links(nb, pages, syms, lookup)])
    record('every exported name documented, with an example', check_documented())
    out = Path(tempfile.mkdtemp())
    html = {nb.relative_to(NBS).as_posix(): out/nb.relative_to(NBS).with_suffix('.html') for nb in notebooks()}
    record('every page converts to HTML', [f'nbs/{k}: {e}' for k, v in html.items() if (e := to_html(ROOT/'_proc'/k, v))])
    shots = sys.argv[sys.argv.index('--screenshots') + 1] if '--screenshots' in sys.argv else None
    viewed = view_pages({k: html[k] for k in VIEWED if html[k].exists()}, shots)
    if viewed is None: print('skipped viewing two tutorials in a browser: Chromium, chromedriver or selenium is missing (apt-get install chromium chromium-driver; pip install selenium)')
    else:
        for k, (bad, n_images, n_tables) in viewed.items(): record(f'in Chromium: nbs/{k} ({n_images} pictures, {n_tables} tables)', bad)
    shutil.rmtree(out, ignore_errors=True)
    record('figures in the prose come from outputs or results files', check_figures())
    record('no figure typed into the prose of the Benchmarks page', check_typed_figures())
    r = subprocess.run([sys.executable, str(ROOT/'tools/readme.py'), '--check'], capture_output=True, text=True)
    record('README.md in step with nbs/index.ipynb', [] if r.returncode == 0 else [r.stdout.strip() or r.stderr.strip()])
    print(f'{sum(results)} passed, {len(results) - sum(results)} failed (site checks)')
    return 0 if all(results) else 1

if __name__ == '__main__': sys.exit(main())
