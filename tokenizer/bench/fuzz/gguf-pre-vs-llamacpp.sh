#!/usr/bin/env bash
# llama.cpp parity of the GGUF tokenizer.ggml.pre values that data/llamacpp-vocab has no vectors for: tekken,
# deepseek-v3 and default. Each is a GGUF gpt2 vocabulary written from a shared tokenizer.json by the tests'
# GgufOfTokenizerJson (tekken from GPT-4o's, as Tekken's regex is o200k's; deepseek-v3 and default from Llama 3's, whose
# added tokens are all special: what is compared is the pre-tokenizer, the vocabulary has only to be byte-level BPE),
# then encoded by llama.cpp (node-llama-cpp 3.21.1, through texts_ref.mjs) and by Kindling (FuzzCompare --gguf): every
# document of the corpus (Moby-Dick and SOTU, whole), then N adversarial texts (texts_ref.mjs's: scripts, marks, emoji,
# white space and digit runs, contractions, controls, corpus slices). Ids without and with special tokens and decodes
# are compared.
#
#   tokenizer/bench/fuzz/gguf-pre-vs-llamacpp.sh [texts per vocabulary, default 3000] [seed, default 1]
#
# Needs what fuzz-vs-reference.sh needs (the reference tools in ~/.cache/kindling-ref or KINDLING_REF, the shared data,
# node, maven; MVN="mvn -o ..." to build offline). The GGUFs and work files go to $KINDLING_FUZZ_DIR (default
# /tmp/kindling-fuzz). Prints the first mismatches and a SUMMARY line per vocabulary and text set, the known
# differences (README, tokenizer section) counted apart per check and class (known-differences=CHECK:CLASS=N); exits 1
# on any other mismatch, 0 where only known ones are left. FuzzCompare recognises each class by its own rule:
# unicode16, ids that part at a character new in Unicode 16 (a Garay letter), unassigned in llama.cpp's Unicode 15.1
# tables; regex-form, tekken's ids where GPT-4o's tokenizer.json with llama.cpp's rewritten Tekken regex in its Split
# gives llama.cpp's ids too and the same with Tekken's own regex gives Kindling's (Kindling runs Tekken's own regex;
# llama.cpp's form cuts a combining mark off the letter before it); clean_spaces, a decode that llama.cpp's clean_spaces turns into llama.cpp's.
set -euo pipefail
cd "$(dirname "$0")/../../.."
# shellcheck source=../unpack.sh
. tokenizer/bench/unpack.sh
fuzz_settings "$@"

# test-compile: GgufOfTokenizerJson is a test class
$MVN -B -q -pl tokenizer -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
    -Dmdep.includeScope=runtime -Dkindling.ptx.skip=true >/dev/null
CP=tokenizer/target/classes:tokenizer/target/test-classes:$(cat tokenizer/target/cp.txt)

[ -s "$WORK/sotu.jsonl" ] || zcat "$DATA/corpus/sotu.jsonl.gz" > "$WORK/sotu.jsonl"
CORPUS=$DATA/corpus/moby-dick.jsonl,$WORK/sotu.jsonl
# the corpus's documents as one JSON array, texts_ref.mjs's --texts
python3 -c 'import json, sys; print(json.dumps([json.loads(l)["text"] for f in sys.argv[1:] for l in open(f) if l.strip()]))' \
    "$DATA/corpus/moby-dick.jsonl" "$WORK/sotu.jsonl" > "$WORK/corpus-texts.json"

# llama-vocab.cpp's LLAMA_VOCAB_PRE_TYPE_TEKKEN regex: a letter is upper where it is no a-z, lower where no A-Z
LLAMACPP_TEKKEN='[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+'
unpack_tokenizer "$DATA" "$WORK" gpt4o
# Tekken's own regex, the one Kindling runs: Scanners.TEKKEN_PATTERN, a Java string literal unescaped
TEKKEN=$(python3 -c 'import re, sys; print(re.search(r"TEKKEN_PATTERN = \"((?:[^\"\\]|\\.)*)\";", open(sys.argv[1]).read()).group(1)
.encode().decode("unicode_escape"))' tokenizer/src/main/java/dev/kindling/tokenizer/pretokenize/Scanners.java)
# GPT-4o's tokenizer.json with regex $2 in its Split, written to $3
with_regex() {
  mkdir -p "$(dirname "$3")"
  python3 -c 'import json, sys; t = json.load(open(sys.argv[1])); t["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = sys.argv[2]
json.dump(t, open(sys.argv[3], "w"), ensure_ascii=False)' "$1" "$2" "$3"
}
with_regex "$WORK/gpt4o/tokenizer.json" "$LLAMACPP_TEKKEN" "$WORK/tekken-llamacpp-form/tokenizer.json"
with_regex "$WORK/gpt4o/tokenizer.json" "$TEKKEN" "$WORK/tekken-own/tokenizer.json"

status=0
for spec in tekken:gpt4o deepseek-v3:llama3 default:llama3; do
  pre=${spec%%:*}
  vocab=${spec#*:}
  form=()
  [ "$pre" = tekken ] && form=(--regex-form "$WORK/tekken-llamacpp-form/tokenizer.json" --regex-own "$WORK/tekken-own/tokenizer.json")
  unpack_tokenizer "$DATA" "$WORK" "$vocab"
  gguf=$WORK/pre-$pre.gguf
  java -cp "$CP" dev.kindling.tokenizer.gguf.GgufOfTokenizerJson "$WORK/$vocab/tokenizer.json" "$pre" "$gguf"
  for set in corpus texts; do
    if [ "$set" = corpus ]; then what=(--texts "$WORK/corpus-texts.json"); else what=(--n "$N" --corpus "$CORPUS"); fi
    echo "== pre $pre (vocabulary of $vocab), $set"
    (cd "$REF" && node "$HERE/texts_ref.mjs" --gguf "$gguf" --out "$WORK/ref-pre-$pre-$set.jsonl" --seed "$SEED" "${what[@]}") \
      2> >(grep -v "missing tensor\|failed to load model\|Failed simulating\|error loading model" >&2)
    java -Xmx4g -cp "$CP" "$HERE/FuzzCompare.java" texts "$gguf" "$WORK/ref-pre-$pre-$set.jsonl" --gguf "${form[@]}" || status=1
  done
done
exit $status
