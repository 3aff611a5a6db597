#!/usr/bin/env node
// For every code point (surrogates excepted): what HF tokenizers' normalizers do to it alone, and how its
// pre-tokenizers split "a" + it + "a"; only the code points that change are written, as one JSON object
// {"n_<normalizer>": {code point: result}, "p_<pre-tokenizer>": {code point: "piece|piece|..."}}.
//
//   node codepoints_ref.mjs out.json      (from the reference copy, where require("tokenizers") resolves; ~40 s)
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
const require = createRequire(process.cwd() + "/");
const t = require("tokenizers");
const norms = {
  bert: t.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }),
  bertKeepAccents: t.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false }),
  stripAccents: t.stripAccentsNormalizer(), lowercase: t.lowercase(),
  nfc: t.nfcNormalizer(), nfd: t.nfdNormalizer(), nfkc: t.nfkcNormalizer(), nfkd: t.nfkdNormalizer(), nmt: t.nmt(),
};
const pres = { bert: t.bertPreTokenizer(), punct: t.punctuationPreTokenizer(), ws: t.whitespacePreTokenizer(),
  wsSplit: t.whitespaceSplitPreTokenizer(), digits: t.digitsPreTokenizer(true) };
const out = {};
for (const k of Object.keys(norms)) out["n_" + k] = {};
for (const k of Object.keys(pres)) out["p_" + k] = {};
for (let c = 0; c <= 0x10FFFF; c++) {
  if (c >= 0xD800 && c <= 0xDFFF) continue;
  const s = String.fromCodePoint(c);
  for (const [k, n] of Object.entries(norms)) { const r = n.normalizeString(s); if (r !== s) out["n_" + k][c] = r; }
  const w = "a" + s + "a";
  for (const [k, p] of Object.entries(pres)) {
    const r = p.preTokenizeString(w).map((x) => x[0]).join("|");
    if (r !== w) out["p_" + k][c] = r;
  }
}
writeFileSync(process.argv[2], JSON.stringify(out));
for (const [k, v] of Object.entries(out)) console.error(k, Object.keys(v).length);
