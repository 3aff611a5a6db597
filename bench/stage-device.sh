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
# the modules, and inference-core's runtime classpath as Maven resolves it from the root pom: a JCuda version written
# here was left behind by a bump of jcuda.version
(cd "$root" && mvn -B -q -DskipTests -pl inference-core -am package dependency:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime.classpath)
for m in model-formats tokenizer inference-core; do
  cp "$root/$m/target/kindling-$m-0.1.0-SNAPSHOT.jar" "$dev/lib/"
done
# the classpath's jar of artifact $1 (version and classifier as resolved)
runtime_jar() {
  tr ':' '\n' < "$root/inference-core/target/runtime.classpath" | grep -E "/$1-[0-9][^/]*\.jar$" \
    || { echo "no $1 jar on inference-core's runtime classpath" >&2; exit 1; }
}
# of inference-core's runtime jars only JCuda and slf4j (+ slf4j-simple, of slf4j-api's version, so the run logs; the
# tokenizer's template engine is not needed by the check)
jcuda=$(runtime_jar jcuda)
slf4j_api=$(runtime_jar slf4j-api)
cp "$jcuda" "$slf4j_api" "$dev/lib/"
slf4j=$(basename "$slf4j_api" .jar); slf4j=${slf4j#slf4j-api-}
(cd "$root" && mvn -B -q dependency:copy -Dartifact="org.slf4j:slf4j-simple:$slf4j" -DoutputDirectory="$dev/lib") \
  || echo "no slf4j-simple $slf4j: the check runs without its log" >&2
natives=$(runtime_jar jcuda-natives | grep -- -linux-x86_64.jar)
native_version=$(basename "$natives" -linux-x86_64.jar); native_version=${native_version#jcuda-natives-}
tmp=$(mktemp -d)
(cd "$tmp" && unzip -q "$natives" "lib/libJCudaDriver-$native_version-linux-x86_64.so" \
  && jar cf "$dev/lib/jcuda-natives-driver-$native_version-linux-x86_64.jar" lib)
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
