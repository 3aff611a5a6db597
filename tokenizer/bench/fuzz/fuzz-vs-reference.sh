#!/usr/bin/env bash
# Differential fuzz of Kindling's tokenizers against Hugging Face tokenizers 0.23.2 and tiktoken 1.0.22: adversarial
# texts (texts_ref.mjs lists them) through every shared tokenizer.json, the wordpiece/unigram test files and the four
# tiktoken rank files, ids with and without special tokens and decodes compared; the same texts through llama.cpp's
# vocab GGUFs (llamacpp-vocab/) against llama.cpp (node-llama-cpp); then every code point through HF's
# normalizers and pre-tokenizers (codepoints_ref.mjs). Deterministic per seed.
#
#   tokenizer/bench/fuzz/fuzz-vs-reference.sh [texts per tokenizer, default 3000] [seed, default 1] [--no-codepoints]
#   KINDLING_FUZZ_MARKS=1 tokenizer/bench/fuzz/fuzz-vs-reference.sh 300   # offsets too, on text heavy in combining
#       marks (Devanagari, Thai, Arabic harakat, Latin + U+0300..U+036F, Hangul jamo), tokenizer.json files only
#
# Needs: the reference tools in ~/.cache/kindling-ref (bash shared/tools/ref/setup.sh), the shared data in
# ../shared/data (or KINDLING_SHARED=<dir holding data/>), node, maven (MVN="mvn -o ..." to build offline). Work files
# go to $KINDLING_FUZZ_DIR (default /tmp/kindling-fuzz). Prints the first mismatches and a SUMMARY line per tokenizer;
# exits 1 on any mismatch. Known differences against llama.cpp (README "Exactness"): a bert vocabulary (bert-bge)
# normalises and decodes as HF's BertNormalizer and WordPiece decoder, user-defined tokens that look like end or
# fill-in-the-middle markers stay user-defined (deepseek-coder's FIM markers, phi-3's </s>), Unicode 16 letters and
# digits (Garay, U+10D40) are letters and digits to Kindling, deepseek-llm's and deepseek-coder's ranges hold the
# white space in them (U+1680, U+2029, U+3000, ...) as in HF, and decode does not apply llama.cpp's clean_spaces.
# FuzzCompare counts the last four apart, each by its rule (known-differences=CHECK:control-looking, :unicode16,
# :ranged-white-space, :clean_spaces), and exits 1 on any other difference.
set -euo pipefail
cd "$(dirname "$0")/../../.."
# shellcheck source=../unpack.sh
. tokenizer/bench/unpack.sh
fuzz_settings "$@"

$MVN -B -q -pl tokenizer -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
    -Dmdep.includeScope=runtime >/dev/null
CP=tokenizer/target/classes:$(cat tokenizer/target/cp.txt)

[ -s "$WORK/sotu.jsonl" ] || zcat "$DATA/corpus/sotu.jsonl.gz" > "$WORK/sotu.jsonl"
CORPUS=$DATA/corpus/moby-dick.jsonl,$WORK/sotu.jsonl
for t in llama3 qwen3 gemma3 gpt4o llama2; do
  unpack_tokenizer "$DATA" "$WORK" "$t"
done
mkdir -p "$WORK/wordpiece" "$WORK/unigram"
cp -f tokenizer/src/test/resources/offsets/wordpiece-bert.json "$WORK/wordpiece/tokenizer.json"
cp -f tokenizer/src/test/resources/offsets/unigram-metaspace.json "$WORK/unigram/tokenizer.json"

status=0
MARKS=()
[ "${KINDLING_FUZZ_MARKS:-}" = 1 ] && MARKS=(--marks 1 --offsets 1)
for t in llama3 qwen3 gemma3 gpt4o llama2 wordpiece unigram; do
  (cd "$REF" && node "$HERE/texts_ref.mjs" --hf "$WORK/$t/tokenizer.json" --out "$WORK/ref-$t.jsonl" --n "$N" --seed "$SEED" --corpus "$CORPUS" "${MARKS[@]}")
  java -Xmx4g -cp "$CP" "$HERE/FuzzCompare.java" texts "$WORK/$t/tokenizer.json" "$WORK/ref-$t.jsonl" || status=1
done
[ ${#MARKS[@]} -gt 0 ] && exit $status
for enc in o200k_base cl100k_base p50k_base r50k_base; do
  (cd "$REF" && node "$HERE/texts_ref.mjs" --tiktoken "$enc" --out "$WORK/ref-$enc.jsonl" --n "$N" --seed "$SEED" --corpus "$CORPUS")
  java -cp "$CP" "$HERE/FuzzCompare.java" texts "$DATA/tokenizers/tiktoken/$enc.tiktoken" "$WORK/ref-$enc.jsonl" --tiktoken || status=1
done
# llama.cpp's vocabularies (every ggml-vocab-*.gguf) against llama.cpp itself (node-llama-cpp 3.21.1), no BOS,
# parse_special false and true; skip KINDLING_FUZZ_GGUF=0
if [ "${KINDLING_FUZZ_GGUF:-1}" = 1 ]; then
  for g in "$DATA"/llamacpp-vocab/ggml-vocab-*.gguf; do
    name=$(basename "$g" .gguf)
    (cd "$REF" && node "$HERE/texts_ref.mjs" --gguf "$g" --out "$WORK/ref-$name.jsonl" --n "$N" --seed "$SEED" --corpus "$CORPUS") \
      2> >(grep -v "missing tensor\|failed to load model\|Failed simulating" >&2)
    java -cp "$CP" "$HERE/FuzzCompare.java" texts "$g" "$WORK/ref-$name.jsonl" --gguf || status=1
  done
fi
if [ "${3:-}" != "--no-codepoints" ]; then
  (cd "$REF" && node "$HERE/codepoints_ref.mjs" "$WORK/codepoints.json")
  java -Xmx3g -cp "$CP" "$HERE/FuzzCompare.java" codepoints "$WORK/codepoints.json" || status=1
fi
exit $status
