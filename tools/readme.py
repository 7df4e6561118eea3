#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb where Quarto (and so `nbdev-readme`) is not available.

    python tools/readme.py           # write README.md and README_files/
    python tools/readme.py --check   # exit 1 if README.md or README_files/ differ from what index.ipynb gives

Keeps what the documentation site shows: markdown cells as they are, code cells as Python blocks with their text
outputs, and pictures saved under README_files/. Cells marked `#| hide` and the `#|` directive lines are left out.
"""
import base64, json, re, shutil, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
media = root/'README_files'

def output_md(o, name, files):
    data = o.get('data', {})
    for mime, ext in (('image/png', 'png'), ('image/jpeg', 'jpg')):
        if mime in data:
            files[f'{name}.{ext}'] = base64.b64decode(''.join(data[mime]))
            return f'![]({media.name}/{name}.{ext})'
    text = ''.join(o.get('text', '') or data.get('text/plain', ''))
    return '```\n' + text.rstrip('\n') + '\n```' if text.strip() else ''

def render() -> tuple:
    "The text of README.md and the pictures of README_files/ ({name: bytes}) that nbs/index.ipynb gives"
    parts, files = [], {}
    for c in json.loads((root/'nbs/index.ipynb').read_text())['cells']:
        src = ''.join(c['source'])
        if re.search(r'^#\|\s*hide\s*$', src, re.M): continue
        src = re.sub(r'^#\|.*\n?', '', src, flags=re.M).strip('\n')
        if c['cell_type'] == 'markdown':   # links relative to nbs/ (pages, pictures) from the repository's root
            parts.append(re.sub(r'(\]\()(?![a-z]+:|#|/)', r'\1nbs/', src)); continue
        parts.append(f'```python\n{src}\n```')
        parts += [md for i, o in enumerate(c.get('outputs', [])) if (md := output_md(o, f"{c['id']}-{i}", files))]
    return '\n\n'.join(parts) + '\n', files

if __name__ == '__main__':
    text, files = render()
    if '--check' in sys.argv:
        have = {f.name: f.read_bytes() for f in media.iterdir()} if media.is_dir() else {}
        same = (root/'README.md').read_text() == text and have == files
        print('README.md is in step with nbs/index.ipynb' if same else
              'README.md or README_files/ differ from nbs/index.ipynb: run python tools/readme.py')
        sys.exit(0 if same else 1)
    shutil.rmtree(media, ignore_errors=True)
    if files: media.mkdir()
    for name, data in files.items(): (media/name).write_bytes(data)
    (root/'README.md').write_text(text)
    print('README.md written')
