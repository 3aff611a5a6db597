#!/usr/bin/env bash
# Issue 7's checks on the GPU machine, in one run; builds nothing (bench/stage-device.sh made
# .device/ here). From the repository root:
#
#   bash .device/gpu-check.sh [--skip timing] [--budget-seconds 480]
#
# Writes $OUT/results.jsonl (one JSON object per check, as it finishes), $OUT/gpu-check.log and
# $OUT/nvidia-smi.csv; prints the table last. Exit 0 only when every check passed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dev=${DEVICE_DIR:-$here}
[ -x "$dev/jre/bin/java" ] || dev=.device
out=${OUT:-gpu-check-out}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.sm,clocks.mem,temperature.gpu \
    --format=csv > "$out/nvidia-smi.csv" 2>&1 || true
cat "$out/nvidia-smi.csv"
"$dev/jre/bin/java" --add-modules jdk.incubator.vector -Xmx48g -Xss4m -Djava.io.tmpdir=/tmp \
    -Dorg.slf4j.simpleLogger.logFile=System.out -Dorg.slf4j.simpleLogger.showDateTime=true \
    -cp "$dev/lib/*" dev.kindling.inference.cuda.GpuCheck --data "$dev/data" --out "$out" "$@" 2>&1 | tee "$out/gpu-check.log"
exit "${PIPESTATUS[0]}"
