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
//   W <cp>                   a word character to a single_word added token (tokenizers' added_vocabulary.rs, `\w` of
//                            Rust's regex crate): "c@" with "@" a single_word token does not match it
//   U <cp>                   the NFC, NFD, NFKC and NFKD normalizers (unicode-normalization's tables) do not know it:
//                            it stays as it is and nothing reorders or composes across it (alone, after U+0345 and
//                            before U+0334, between "a" and U+0301), where Node's own String.normalize (ICU, Unicode 17)
//                            changes one of those; any other difference from String.normalize stops the dump
//
//   cd ~/.cache/kindling-ref && node /path/to/tokenizer/bench/hf_unicode_rules.mjs > /tmp/hf-unicode-rules.txt   (~1 min)
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const t = require("tokenizers");
const { Tokenizer } = t;
const lower = t.lowercase();
const punct = t.punctuationPreTokenizer();
const clean = t.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const strip = t.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const stripAccents = t.stripAccentsNormalizer();
const digits = t.digitsPreTokenizer(true);
const forms = { NFC: t.nfcNormalizer(), NFD: t.nfdNormalizer(), NFKC: t.nfkcNormalizer(), NFKD: t.nfkdNormalizer() };
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
  let unknown = false;
  for (const [name, n] of Object.entries(forms)) {
    for (const probe of [s, "\u0345" + s + "\u0334", "a" + s + "\u0301"]) {
      const hf = n.normalizeString(probe);
      if (hf === probe.normalize(name)) continue;
      if (hf !== probe) throw new Error(`U+${hex(c)}: ${name} of ${JSON.stringify(probe)} is ${JSON.stringify(hf)}, not the text as it is nor Node's ${JSON.stringify(probe.normalize(name))}`);
      unknown = true;
    }
  }
  if (unknown) out.push("U " + hex(c));
}
// single_word: a tokenizer whose only added token is "@" (single_word), over every code point in batches
const word = Tokenizer.fromString(JSON.stringify({ version: "1.0", truncation: null, padding: null,
  added_tokens: [{ id: 1, content: "@", single_word: true, lstrip: false, rstrip: false, normalized: false, special: false }],
  normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null,
  model: { type: "WordLevel", vocab: { "[UNK]": 0, "@": 1 }, unk_token: "[UNK]" } }));
for (let base = 0; base <= 0x10ffff; base += 8192) {
  const cps = [];
  for (let c = base; c < Math.min(base + 8192, 0x110000); c++) if (c < 0xd800 || c > 0xdfff) cps.push(c);
  const encs = await word.encodeBatch(cps.map((c) => String.fromCodePoint(c) + "@"), { addSpecialTokens: false });
  encs.forEach((e, i) => { const ids = e.getIds(); if (!(ids.length === 2 && ids[1] === 1)) out.push("W " + hex(cps[i])); });
}
process.stdout.write(out.join("\n") + "\n");
