#!/usr/bin/env node
// Dumps, for every code point (surrogates excepted), the per-character Unicode rules of Hugging Face tokenizers
// that come from Rust crates with their own tables rather than from a regex engine, as HF applies them to the
// character alone; HfUnicodeTable.java turns the dump into the tables of dev.kindling.tokenizer.text.HfUnicode.
// One line per code point that has a rule, hex code points:
//   L <cp> <cp> [<cp> ...]   the Lowercase normalizer (Rust's char::to_lowercase) changes it to these
//   P <cp>                   BERT's punctuation (BertPreTokenizer, Punctuation: unicode_categories' is_punctuation)
//   C <cp>                   BertNormalizer's clean_text drops it (NUL, U+FFFD, unicode_categories' is_other)
//   M <cp>                   BertNormalizer's strip_accents drops it (NFD, then unicode_categories'
//                            is_mark_nonspacing on each character of the decomposition)
//   A <cp>                   the StripAccents normalizer drops it (unicode-normalization's is_combining_mark)
//   N <cp>                   the Digits pre-tokenizer splits at it (Rust's char::is_numeric)
//
//   cd ~/.cache/kindling-ref && node /path/to/tokenizer/bench/hf_unicode_rules.mjs > /tmp/hf-unicode-rules.txt   (~1 min)
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const t = require("tokenizers");
const lower = t.lowercase();
const punct = t.punctuationPreTokenizer();
const clean = t.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const strip = t.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const stripAccents = t.stripAccentsNormalizer();
const digits = t.digitsPreTokenizer(true);
const hex = (c) => c.toString(16).toUpperCase();
const out = [];
for (let c = 0; c <= 0x10ffff; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  const s = String.fromCodePoint(c);
  const l = lower.normalizeString(s);
  if (l !== s) out.push("L " + hex(c) + " " + [...l].map((x) => hex(x.codePointAt(0))).join(" "));
  const pieces = punct.preTokenizeString("a" + s + "a").map((x) => x[0]);
  if (pieces.length === 3 && pieces[1] === s) out.push("P " + hex(c));
  if (clean.normalizeString(s) === "") out.push("C " + hex(c));
  if (strip.normalizeString(s) === "") out.push("M " + hex(c));
  if (stripAccents.normalizeString(s) === "") out.push("A " + hex(c));
  const digitPieces = digits.preTokenizeString("a" + s + "a").map((x) => x[0]);
  if (digitPieces.length === 3 && digitPieces[1] === s) out.push("N " + hex(c));
}
process.stdout.write(out.join("\n") + "\n");
