#!/usr/bin/env node
// Dumps, for every code point (surrogates excepted), the per-character Unicode rules of Hugging Face tokenizers
// that come from Rust's own tables rather than from a regex engine, as HF applies them to the character alone;
// HfUnicodeTable.java turns the dump into the tables of dev.kindling.tokenizer.text.HfUnicode.
// One line per code point that has a rule, hex code points:
//   L <cp> <cp> [<cp> ...]   the Lowercase normalizer (Rust's char::to_lowercase) changes it to these
//
//   cd ~/.cache/kindling-ref && node /path/to/tokenizer/bench/hf_unicode_rules.mjs > /tmp/hf-unicode-rules.txt   (~1 min)
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const t = require("tokenizers");
const lower = t.lowercase();
const hex = (c) => c.toString(16).toUpperCase();
const out = [];
for (let c = 0; c <= 0x10ffff; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  const s = String.fromCodePoint(c);
  const l = lower.normalizeString(s);
  if (l !== s) out.push("L " + hex(c) + " " + [...l].map((x) => hex(x.codePointAt(0))).join(" "));
}
process.stdout.write(out.join("\n") + "\n");
