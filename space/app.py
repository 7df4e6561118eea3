"""pneumo_nb's app as a Hugging Face Space (Gradio SDK).

Put this file, requirements.txt and README.md from this folder in the Space's repository, with a model that loads
without running code next to them, as `pneumo-train` writes it, and its model_card.md (shown in the page): model.pth and model.json (the weights-only form, with
Grad-CAM heatmaps), or model.onnx and model.json (onnxruntime, no heatmaps). A pickle (model.pkl) is never opened.
The Space runs `python app.py`. For learning, not for diagnosis.
"""
from pathlib import Path
from pneumo_nb.app import xray_app, model_card_of
from pneumo_nb.inference import load_model

here = Path(__file__).parent
demo = xray_app(load_model(here), card=model_card_of(here))   # the folder's model.pth, else its model.onnx; never a pickle

if __name__ == '__main__': demo.launch()
