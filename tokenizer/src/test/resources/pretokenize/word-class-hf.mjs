#!/usr/bin/env node
// Writes word-class-hf.json: small WordLevel tokenizers whose Split regexes use \w and \W outside and inside
// brackets, texts with the code points where Oniguruma's \w is not Java's (U+00B2, U+00B3, U+00B9, U+00BC..U+00BE
// are word characters outside brackets alone; U+200C and U+200D never are), and the ids Hugging Face tokenizers
// 0.23.2 gives; \b and \B (word boundaries, by the \w outside brackets) too; also with HF's Whitespace pre-tokenizer (\w+|[^\w\s]+). The vocabulary holds every piece a text can split into, so the ids show the splits.
//
//   cd ~/.cache/kindling-ref && node /path/to/tokenizer/src/test/resources/pretokenize/word-class-hf.mjs \
//       > /path/to/tokenizer/src/test/resources/pretokenize/word-class-hf.json
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const t = require("tokenizers");

const probes = [0xb2, 0xb3, 0xb9, 0xbc, 0xbd, 0xbe, 0x200c, 0x200d, 0x62, 0x21, 0xaa, 0x660].map((c) => String.fromCodePoint(c));
const texts = [...probes.map((c) => "a" + c + "a"), "x\u00b2y\u200dz\u00bd!"];
const vocab = { "[UNK]": 0 };
const add = (piece) => { if (!(piece in vocab)) vocab[piece] = Object.keys(vocab).length; };
for (const c of ["a", "x", "y", "z", "!"]) add(c);
for (const c of probes) for (const piece of [c, "a" + c, c + "a", "a" + c + "a"]) add(piece);
const patterns = ["a\\b", "a\\B", "\\w+", "\\W+", "[\\w]+", "[^\\W]+", "[^\\w]+", "[\\W]+", "[a\\w]+", "\\w+|[^\\w]+"];
// and HF's Whitespace pre-tokenizer, the regex \w+|[^\w\s]+
const preTokenizers = [...patterns.map((p) => ({ type: "Split", pattern: { Regex: p }, behavior: "Isolated", invert: false })),
  { type: "Whitespace" }];
const tokenizers = [];
for (const pre_tokenizer of preTokenizers) {
  const json = { version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer,
    post_processor: null, decoder: null, model: { type: "WordLevel", vocab, unk_token: "[UNK]" } };
  const tok = t.Tokenizer.fromString(JSON.stringify(json));
  const cases = [];
  for (const text of texts) cases.push({ text, ids: (await tok.encode(text, undefined, { addSpecialTokens: false })).getIds() });
  tokenizers.push({ tokenizer: json, cases });
}
process.stdout.write(JSON.stringify({ hfTokenizers: "0.23.2", tokenizers }, null, 1) + "\n");
