#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb where Quarto (and so `nbdev-readme`) is not available.

    python tools/readme.py

Keeps what the documentation site shows: markdown cells as they are, code cells as Python blocks with their text
outputs, and pictures saved under README_files/. Cells marked `#| hide` and the `#|` directive lines are left out.
"""
import base64, json, re, shutil
from pathlib import Path

root = Path(__file__).resolve().parents[1]
media = root/'README_files'
shutil.rmtree(media, ignore_errors=True)

def output_md(o, name):
    data = o.get('data', {})
    for mime, ext in (('image/png', 'png'), ('image/jpeg', 'jpg')):
        if mime in data:
            media.mkdir(exist_ok=True)
            (media/f'{name}.{ext}').write_bytes(base64.b64decode(''.join(data[mime])))
            return f'![]({media.name}/{name}.{ext})'
    text = ''.join(o.get('text', '') or data.get('text/plain', ''))
    return '```\n' + text.rstrip('\n') + '\n```' if text.strip() else ''

parts = []
for c in json.loads((root/'nbs/index.ipynb').read_text())['cells']:
    src = ''.join(c['source'])
    if re.search(r'^#\|\s*hide\s*$', src, re.M): continue
    src = re.sub(r'^#\|.*\n?', '', src, flags=re.M).strip('\n')
    if c['cell_type'] == 'markdown': parts.append(src); continue
    parts.append(f'```python\n{src}\n```')
    parts += [md for i, o in enumerate(c.get('outputs', [])) if (md := output_md(o, f"{c['id']}-{i}"))]
(root/'README.md').write_text('\n\n'.join(parts) + '\n')
print('README.md written')
