#!/usr/bin/env bash
# Prepares .device/ for bench/gpu-check.sh: everything the GPU machine needs, built here, because
# it has no Java, no Maven and no network (see ../shared/tools/gpu/README.md).
#
#   bash bench/stage-device.sh [DIR]        # default DIR: <repo>/.device (git-ignored)
#
# DIR must lie inside the checkout the device tool sends (the session's own checkout, not a
# helper's worktree), and is then passed as carry: run(command="bash .device/gpu-check.sh",
# carry=[".device"], timeout_s=600). Everything sent together must stay under 64 MiB; this
# prints the size. Contents:
#   jre/    a jlink'ed Java 17 runtime with jdk.incubator.vector (~40 MB)
#   lib/    the inference-core jar (kernels as PTX inside) and its runtime jars; JCuda's natives
#           cut down to the driver-API library (the 9.5 MB jar carries unused NVRTC/PTX-compiler libs)
#   data/   stories260K (.bin, .gguf, tok512.bin, PROVENANCE.md with llama2.c's greedy ids) and
#           llama-2-tiny-random.gguf; every other model is generated on the GPU machine
#   gpu-check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dev=${1:-$root/.device}
shared=${KINDLING_SHARED:-$root/../shared}
[ -d "$shared/data" ] || shared=/work/shared
[ -d "$shared/data" ] || { echo "no ../shared/data (set KINDLING_SHARED)" >&2; exit 1; }
mkdir -p "$dev/lib" "$dev/data/llama2c" "$dev/data/gguf-models"
rm -f "$dev/lib/"*.jar

echo "== jars"
(cd "$root" && mvn -B -q -DskipTests -pl inference-core -am package)
for m in model-formats tokenizer inference-core; do
  cp "$root/$m/target/kindling-$m-0.1.0-SNAPSHOT.jar" "$dev/lib/"
done
# inference-core's runtime jars: JCuda and slf4j (+ slf4j-simple so the run logs; the tokenizer's
# template engine is not needed by the check)
m2=$HOME/.m2/repository
slf4j=$(sed -n 's:.*<slf4j.version>\([^<]*\)</slf4j.version>.*:\1:p' "$root/pom.xml")
cp "$m2/org/jcuda/jcuda/12.6.0/jcuda-12.6.0.jar" "$m2/org/slf4j/slf4j-api/$slf4j/slf4j-api-$slf4j.jar" "$dev/lib/"
[ -f "$m2/org/slf4j/slf4j-simple/$slf4j/slf4j-simple-$slf4j.jar" ] && cp "$m2/org/slf4j/slf4j-simple/$slf4j/slf4j-simple-$slf4j.jar" "$dev/lib/"
natives=$(ls "$HOME"/.m2/repository/org/jcuda/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar)
tmp=$(mktemp -d)
(cd "$tmp" && unzip -q "$natives" lib/libJCudaDriver-12.6.0-linux-x86_64.so && jar cf "$dev/lib/jcuda-natives-driver-12.6.0-linux-x86_64.jar" lib)
rm -rf "$tmp"

echo "== runtime"
if [ ! -x "$dev/jre/bin/java" ]; then
  bash "$shared/tools/gpu/make-jre.sh" "$dev/jre"
fi

echo "== data"
for f in stories260K.bin stories260K.gguf tok512.bin PROVENANCE.md stories260K.expected-greedy-200steps.txt \
         stories260K.expected-greedy-256steps.txt; do
  cp "$shared/data/llama2c/$f" "$dev/data/llama2c/"
done
cp "$shared/data/gguf-models/llama-2-tiny-random.gguf" "$dev/data/gguf-models/"
cp "$root/bench/gpu-check.sh" "$dev/gpu-check.sh"

ls -la "$dev/lib"
size=$(du -sm "$dev" | cut -f1)
tree=$(cd "$root" && git ls-files -z | xargs -0 du -cm 2>/dev/null | tail -1 | cut -f1)
echo "staged $dev: ${size} MiB (+ ~${tree} MiB of tracked files sent with it; the limit is 64 MiB)"
[ $((size + tree)) -lt 64 ] || { echo "too large to send" >&2; exit 1; }
