// Prints Hugging Face tokenizers' (Rust, npm `tokenizers` 0.23.2) ids and offsets for UnknownOffsetsTest: unknown
// tokens in text heavy in combining marks (the two files make-hf-offsets.mjs built), and the WordPiece file with
// "ⱟ" (U+2C5F, the lowercase of Unicode 14's U+2C2F) added to its vocabulary, and a tiny Unigram behind a Strip
// normalizer.
//   cd ~/.cache/kindling-ref && node /work/wt/offsets/tokenizer/src/test/resources/offsets/unknown-offsets-hf.mjs
// The texts are all in the BMP, so HF's code-point offsets are also Java string indices.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const here = new URL(".", import.meta.url).pathname;
const wordpiece = JSON.parse(readFileSync(here + "wordpiece-bert.json", "utf8"));
const newer = JSON.parse(JSON.stringify(wordpiece));
const size = Object.keys(newer.model.vocab).length;
newer.model.vocab["\u2C5F"] = size;
newer.model.vocab["##\u2C5F"] = size + 1;
const cases = {
  "wordpiece-bert": [wordpiece, ["\u091B\u093C\u0949\u092E\u091E\u094D\u092D\u0941\u0925\u092E\u0947",
    "\u0301\u0302_ ci\u0307c\u0320\u0304\u0315", "\u0936\u094D\u092D\u0942\u0902\u0917\u0901, \uD761\u0939\u0902-\u091A\u094B\uD22C",
    "\u0E29\u0E48\u0E02\u0E2A\u0E1C\u0E34\u0E4C x", "\u0634\u064F\u0643\u064C\u063E\u064D\u0646\u064D. ~/path",
    "\u1100\u1161\u11A8\u1102\u1165 a\u0301"]],
  "unigram-metaspace": [null, ["\u0E15\u0640\u0651\u062F\u0651\u062F\u064B\n\u0E43\u0E05\u0E21\u0E0D\u0E39 \u0E0F",
    "o\u031D\u0130\u0369I", "s  \u063A\u0651\nab"]],
  "wordpiece-newer": [newer, ["\u2C2F\u2C2F \u2C5F"]],
  // Strip removes a space alone, not one between letters: the unknown token keeps it
  "unigram-strip": [{ version: "1.0", truncation: null, padding: null, added_tokens: [],
    normalizer: { type: "Strip", strip_left: true, strip_right: true }, pre_tokenizer: null, post_processor: null, decoder: null,
    model: { type: "Unigram", unk_id: 0, vocab: [["<unk>", 0], ["a", -1], ["b", -2]], byte_fallback: false } },
    ["\u0436 a", " \u0436 \u0436 b "]],
};
for (const [name, [json, texts]] of Object.entries(cases)) {
  const t = json ? Tokenizer.fromString(JSON.stringify(json)) : Tokenizer.fromFile(here + name + ".json");
  for (const s of texts) {
    const e = await t.encode(s, null, { addSpecialTokens: false });
    console.log(name, JSON.stringify(s), JSON.stringify(e.getIds()), JSON.stringify(e.getOffsets()));
  }
}
