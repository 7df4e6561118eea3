__version__ = "0.0.1"

import warnings as _warnings
# PyTorch 2.11 to 2.14 deprecate `torch.jit.script` (2.11 `torch.jit.script_method` too), which fastai's layers call
# while fastai is imported: a notice about fastai's code that a user of pneumo_nb cannot act on, printed by every
# `import pneumo_nb...` (each module imports fastai). These two messages are hidden from the start, whatever their
# category (FutureWarning in one release, DeprecationWarning in another); every other warning, pneumo_nb's own
# included, still shows. The commands and notebooks hide a few more (`pneumo_nb.cli.LIBRARY_NOISE`).
for _message in (r'`torch\.jit\.script` is deprecated', r'`torch\.jit\.script_method` is deprecated'):
    _warnings.filterwarnings('ignore', message=_message)
del _message
