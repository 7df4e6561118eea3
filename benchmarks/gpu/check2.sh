#!/usr/bin/env bash
# Before: cp ../shared/weights/squeezenet1_1_tv-imagenet1k-v1_fp16rounded_from-ncnn.pth .gpu/  (the SqueezeNet weights tutorial 4 fine-tunes)
# Second GPU check: the data pipeline with all cores, and the `cuda` cells of tutorial 4 and 07 end to end on the bundled sample
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
export MPLBACKEND=Agg
timeout 40 python3 benchmarks/pipeline_speed.py --data "$PWD/.gpu/data/chest_xray_224" --workers 16 --epochs 2 --label 'GPU machine, 16 workers' --record "$OUT/pipeline_gpu.jsonl" > "$OUT/pipeline.log" 2>&1
echo "exit $?" >> "$OUT/pipeline.log"
python3 benchmarks/gpu/standin_weights.py > "$OUT/weights.log" 2>&1
export PNEUMO_DATA=$PWD/pneumo_nb/sample
timeout 100 python3 benchmarks/gpu/run_cells.py nbs/tutorials/04_transfer_learning.ipynb "$OUT" all > "$OUT/t04.log" 2>&1
echo "exit $?" >> "$OUT/t04.log"
timeout 120 python3 benchmarks/gpu/run_cells.py nbs/07_train.ipynb "$OUT" 0,1,6,7,60,64 "from pneumo_nb.train import *; from pneumo_nb.metrics import MEASURES" > "$OUT/t07.log" 2>&1
echo "exit $?" >> "$OUT/t07.log"
