"""pneumo_nb's app as a Hugging Face Space (Gradio SDK).

Put this file, requirements.txt and README.md from this folder in the Space's repository, with the two files of a
weights-only export next to them: model.pth and model.json, as `pneumo-train` writes them. The Space runs `python app.py`.
For learning, not for diagnosis.
"""
from pathlib import Path
from pneumo_nb.app import xray_app
from pneumo_nb.inference import load_model

here = Path(__file__).parent
demo = xray_app(load_model(here/'model.pth'))

if __name__ == '__main__': demo.launch()
