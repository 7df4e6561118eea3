#!/usr/bin/env bash
# Before: cp ../shared/weights/squeezenet1_1_tv-imagenet1k-v1_fp16rounded_from-ncnn.pth .gpu/  (the SqueezeNet weights tutorial 4 fine-tunes)
# The GPU check of the speed issue, run on the lent machine with:  bash .gpu/run.sh bash benchmarks/gpu/check.sh (after bash ../shared/gpu/prepare.sh)
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
D=$PWD/.gpu/data/chest_xray_224
export PNEUMO_DATA=$D MPLBACKEND=Agg
now() { python3 -c 'import time; print(time.time())'; }
since() { python3 -c "import time; print(round(time.time() - $1, 1))"; }
{ nproc; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; python3 -c "import torch, sys; print(torch.__version__, sys.version)"; } > "$OUT/machine.txt" 2>&1
s=$(now); python3 -c "import matplotlib.pyplot" 2>/dev/null; echo "matplotlib font cache: $(since $s) s" >> "$OUT/machine.txt"
# 1. The default recipe, as pneumo-train runs it (train_speed.py calls the same train_xray), timed as a whole process too
s=$(now)
timeout 150 python3 benchmarks/train_speed.py --data "$D" --out nbs/runs/xray_cnn --record "$OUT/gpu_default_recipe.json" > "$OUT/train.log" 2>&1
echo "exit $? process wall $(since $s) s" >> "$OUT/train.log"
cp nbs/runs/xray_cnn/metrics.json "$OUT/metrics.json" 2>/dev/null
# 2. The data pipeline alone, by worker count
timeout 60 python3 benchmarks/pipeline_speed.py --data "$D" --workers 0 16 --epochs 2 --label 'GPU machine' --record "$OUT/pipeline_gpu.jsonl" > "$OUT/pipeline.log" 2>&1
echo "exit $?" >> "$OUT/pipeline.log"
# 3. Tutorial 4 and 07's cuda cells (ResNet-34, VGG-16 BN fine-tuned with mixed precision) on stand-in weights
python3 benchmarks/gpu/standin_weights.py > "$OUT/weights.log" 2>&1
timeout 170 python3 benchmarks/gpu/run_cells.py nbs/tutorials/04_transfer_learning.ipynb "$OUT" all > "$OUT/t04.log" 2>&1
echo "exit $?" >> "$OUT/t04.log"
timeout 120 python3 benchmarks/gpu/run_cells.py nbs/07_train.ipynb "$OUT" 0,1,6,7,60,64 "from pneumo_nb.train import *; from pneumo_nb.metrics import MEASURES" > "$OUT/07.log" 2>&1
echo "exit $?" >> "$OUT/07.log"
ls -la nbs/runs "$OUT" > "$OUT/files.txt" 2>&1
