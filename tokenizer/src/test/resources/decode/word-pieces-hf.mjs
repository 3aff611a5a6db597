// Writes word-pieces-hf.jsonl: Hugging Face tokenizers' (Rust, npm `tokenizers` 0.23.2) decode of id sequences through
// the WordPiece test file (offsets/wordpiece-bert.json: decoder WordPiece, prefix "##", cleanup), for
// StreamingDecoderTest: words, "##" continuations (one first), the punctuation cleanup joins (". , ? !"), and random
// sequences (seeded). Three forms of the file: "bert" as it is (its [CLS] and [SEP] are plain vocabulary), "special"
// with BERT's five bracket tokens as special added tokens (as bert-base-uncased's tokenizer.json has them), "none"
// without a decoder (HF joins the tokens with spaces). One line per sequence: {"form", "ids", "keep", "skip"}
// (decode(ids, skip_special_tokens false/true)). Produced with (npm `tokenizers` 0.23.2 installed where it runs):
//   node /path/to/tokenizer/src/test/resources/decode/word-pieces-hf.mjs \
//       /path/to/tokenizer/src/test/resources/offsets/wordpiece-bert.json > .../decode/word-pieces-hf.jsonl
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const base = JSON.parse(readFileSync(process.argv[2], "utf8"));
const forms = {
  bert: base,
  special: { ...base, added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map((t) => ({ id: base.model.vocab[t],
    content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })) },
  none: { ...base, decoder: null },
};
let s = 11;
const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const ri = (n) => Math.floor(rnd() * n);
const pick = (a) => a[ri(a.length)];
const v = base.model.vocab;
const w = (t) => v[t];
const words = Object.keys(v).filter((t) => !t.startsWith("##") && !t.startsWith("["));
const pieces = Object.keys(v).filter((t) => t.startsWith("##"));
const marks = [".", ",", "?", "!", "'", "-", "##.", "##,", "##?", "##!", "##'"];
const brackets = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
const fixed = [
  ["[CLS]", "hell", "##o", "world", ",", "is", "##n", "'", "t", "it", "?", "[SEP]"],
  ["##o", "world", "!"], // a first continuation keeps its "##"
  [".", "the", "."], // a first mark keeps no space to lose
  ["[CLS]", "##o"], // a continuation after a special token
  ["[SEP]", "world", "[SEP]"],
  ["the", "##.", "##,", ".", ",", "?", "!", "'", "##'"],
];
const seqs = fixed.map((ts) => ts.map(w));
for (let i = 0; i < 40; i++) {
  const ids = [];
  for (let j = 0, len = pick([1, 2, 3, 5, 8, 13]); j < len; j++) {
    const r = rnd();
    ids.push(w(r < 0.15 ? pick(brackets) : r < 0.35 ? pick(marks) : r < 0.6 ? pick(pieces) : pick(words)));
  }
  seqs.push(ids);
}
for (const [form, json] of Object.entries(forms)) {
  const tok = Tokenizer.fromString(JSON.stringify(json));
  for (const ids of seqs) {
    console.log(JSON.stringify({ form, ids, keep: await tok.decode(ids, false), skip: await tok.decode(ids, true) }));
  }
}
