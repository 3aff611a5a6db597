// Writes graphemes-hf.jsonl: where Hugging Face tokenizers (Rust, npm `tokenizers` 0.23.2) cuts grapheme clusters in its
// Precompiled normalizer (unicode-segmentation 1.13.3's graphemes(true), Unicode 17), for PrecompiledGraphemesTest and
// tokenizer/bench/GraphemeBreakTable.java. HF maps a cluster of under 6 UTF-8 bytes whole by the first key it starts with,
// so under LEAD (a rule "#" for every byte that starts a character, but "b" and LF) "a" + X gives "#" where X joins the
// "a" and "##" where it does not; likewise X + "b" and X + U+0300. Rows:
//   {"property": "E", "ranges"}  X joins after "a" (Grapheme_Cluster_Break Extend, SpacingMark or ZWJ)
//   {"property": "P", "ranges"}  "b" joins after X, of at most 4 bytes (Prepend)
//   {"property": "C", "ranges"}  U+0300 does not join after X, of at most 3 bytes ("b" left out: Control, CR or LF)
//   {"layout", "tokenizer"}, then {"layout", "text", "special", "normalized", "ids", "offsets"} per text: "clusters" is LEAD alone
//   (each "#" token's offsets are a cluster's or a character's), "rules" a T5 layout over RULES (a few keys a cluster may
//   start with: ª, ², ¼, U+00A0, µ, ﬁ, Ω, ©, a soft hyphen, e + U+0301 and other decomposed letters, Hangul L + V)
// over lines where UAX #29 of Unicode 17 and Java 17's \X (Unicode 13) differ, and seeded random strings of the
// characters those rules turn on. The maps are the test's CharsMapBlob maps (the test checks they are). Produced with
// (from the reference install, see shared/tools/ref/README.md):
//   cd ~/.cache/kindling-ref && node /work/h5/tokenizer/src/test/resources/offsets/graphemes-hf.mjs \
//       > /work/h5/tokenizer/src/test/resources/offsets/graphemes-hf.jsonl
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const LEAD = "AAgAAAAoAAALJQIACBECAAkRAgAOPQIADyUCAAw9AgANNQIAAiECAAMhAgAAAAAAAY0BAAYhAgAHIQIABDECAAUxAgAaHQIAGyUCABgdAgAZFQIAHj0CAB8lAgAcPQIAHTUCABJdAgATJQIAEF0CABFVAgAWPQIAFyUCABQ9AgAVNQIAKh0CACslAgAoHQIAKRUCAC49AgAvJQIALD0CAC01AgAi3QIAIyUCACDdAgAh1QIAJj0CACclAgAkPQIAJTUCADodAgA7JQIAOB0CADkVAgA+PQIAPyUCADw9AgA9NQIAMl0CADMlAgAwXQIAMVUCADY9AgA3JQIAND0CADU1AgBK1QIAS90CAEjFAgBJ3QIATuUCAE/pAgBMxQIATe0CAELdAwBDDQIAQN0DAEHVAwBG9QIAR/0CAEQVAgBF/QIAWmkFAFtpBQBYaQUAWWkFAF5pBQBfaQUAXGkFAF1pBQBSaQUAU2kFAFBpBQBRaQUAVmkFAFdpBQBUaQUAVWkFAGrlBQBr7QUAaNUFAGntBQBu5QUAb+0FAGz1BQBt7QUAAAAAgGPtBQBg6QUAYekFAGblBQBn7QUAZPUFAGXtBQB6ZQUAe20FAHhVBQB5bQUAfmUFAH9tBQB8dQUAfW0FAHJlBQBzbQUAcJUFAHFtBQB2ZQUAd20FAHR1BQB1bQUAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgMrdBwDL5QcAyN0HAMnVBwDO/QcAz+UHAMz9BwDN9QcAwp0HAMPlBwAAAACAAAAAgMb9BwDH5QcAxP0HAMX1BwDaXQYA22UGANhdBgDZVQYA3n0GAN9lBgDcfQYA3XUGANKdBwDTZQYA0J0HANGVBwDWfQYA12UGANR9BgDVdQYA6t0GAOvlBgDo3QYA6dUGAO79BgDv5QYA7P0GAO31BgDinQYA4+UGAOCdBgDhlQYA5v0GAOflBgDk/QYA5fUGAAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACA8p0GAPNlBgDwnQYA8ZUGAAAAAIAAAACA9H0GAAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAIAAAACAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIwA=";
const RULES = "AAQAAAAEAAAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAADAACAAAAAAAAAAAAGAACAAAAAAAAAAAAJAACAAAAAAAAAAAAMAACAAAAAAA8AAIARAACAFQAAgBcAAIAYAACAGgAAgB0AAIAAAAAAAAAAAAAAAAAAAAAAIwAAgAAAAAAAAAAAAAAAACcAAIAqAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABBCAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAGGUAQAAAAAAAAAAAAAAAABlsAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAb4ABAG6QAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAApp0CAAAAAACBCQIAijUCAKykAgAAAAAAAAAAAIJ1AgCIJQIAgwkCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIUcAgCABAIAhOwCAAAAAACEHAIAAAAAAAAAAAAAAAAAAAAAAIEBAgCy1QIAtc0CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAvNUCAAAAAAAAAAAAAAAAAKCNAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACprQIAAAAAAAAAAACqvQIAraUCAAAAAAAAAAAAoYkCAAAAAAAAAAAAzDQDAMJIAwDMNAMAAAAAAAAAAADMLAMAAAAAAMw8AwAAAAAAAAAAAAAAAAAAAAAAzDQDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4eQDAAAAAAAAAAAA4vADAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADvIAMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADhmAMAAAAAAAAAAAAAAAAAAAAAAAAAAADDhQDDpADDqQDDsQDDtAAgAChjKQBhAAAyAM68ADHigYQ0AOqwgADOqQBmaQA=";
const tokenizer = (normalizers, vocab) => ({ version: "1.0", truncation: null, padding: null,
  added_tokens: [{ id: 0, content: "<unk>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: { type: "Sequence", normalizers },
  pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
  post_processor: null, decoder: null, model: { type: "Unigram", unk_id: 0, vocab, byte_fallback: false } });
const map = (m) => ({ type: "Precompiled", precompiled_charsmap: m });
const lead = Tokenizer.fromString(JSON.stringify(tokenizer([map(LEAD)], [["<unk>", 0]]))).getNormalizer();
const joins = (s) => lead.normalizeString(s) === "#";
const sets = { E: [], P: [], C: [] };
const add = (set, c) => {
  const last = set[set.length - 1];
  if (last && last[1] === c - 1) last[1] = c;
  else set.push([c, c]);
};
for (let c = 1; c <= 0x10ffff; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  const x = String.fromCodePoint(c);
  const n = Buffer.byteLength(x, "utf8");
  if (joins("a" + x)) add(sets.E, c);
  if (n <= 4 && c !== 0x62 && joins(x + "b")) add(sets.P, c);
  if (n <= 3 && c !== 0x62 && c !== 0x0a && !joins(x + "\u0300")) add(sets.C, c);
}
for (const [property, ranges] of Object.entries(sets)) console.log(JSON.stringify({ property, ranges }));
const lines = [
  "new marks after a mapped character: \u00aa\u1ac1 x\u00b2\u1dfa \u00bc\u0898 \u00a0\u0c3c \u00b5\u1acf \ufb01\u1ae0 \u2126\u0ece",
  "a decomposed accent, then a new mark: e\u0301\u1ac1 a\u0308\u1dfa o\u0302\u0cf3 n\u0303\u0ece A\u030a\u180f",
  "new marks in the astral planes: \u00aa\u{11f00} \u00b2\u{13440} a\u{1e4ec} b\u{1cf00}",
  "prepend: \u0600\u0661 \u0890e\u0301 \u0891\u00aa \u06dd\u0662 \u0890\u00a0x \u{110bd}1",
  "spacing marks: \u00aa\u0903 \u0915\u093e \u0d15\u0d3e x\u0e33 \u00b2\u1715 \u00bd\u1734",
  "Indic conjuncts: \u0915\u094d\u0937 \u0915\u094d\u200d\u0937 \u0924\u094d\u0930 \u0995\u09cd\u09b7 \u099c\u09cd\u099e " +
    "\u0a9c\u0acd\u0a9e \u0b37\u0b4d\u0b1f \u0c15\u0c4d\u0c37 \u0d15\u0d4d\u0d37 \u0915\u094d\u0937\u0301",
  "Hangul: \u1100\u1161\u11a8 \ud55c\u11a8 \u1100\u1100\u1161 \uac00\u0301 \u1100\u0301 \ua960\ud7b0\ud7cb",
  "emoji: \u{1f468}\u200d\u{1f469}\u200d\u{1f467} \u{1f3f3}\ufe0f\u200d\u{1f308} \u{1f44d}\u{1f3fd} \u{1fae0} " +
    "\u{1faf1}\u{1f3fb}\u200d\u{1faf2}\u{1f3ff} \u{1fa77} \u{1f426}\u200d\u{1f525} \u{1f642}\u200d\u2195\ufe0f " +
    "\u00a9\u200d\u00a9 \u00a9\ufe0f \u00ae\u200d\u2640 \u00a9\u0301\u200d\u00a9\u0301",
  "regional indicators: \u{1f1ef}\u{1f1f5}\u{1f1eb}\u{1f1f7} \u{1f1fa} \u{1f1fa}\u{1f1f8}\u{1f1ec} \u{1f1ea}\u{1f1fa}\u{1f1ea}\u0301",
  "CR LF and controls: a\r\nb \r\u0301 \n\u0301 \u0001\u0301 \u00ad\u0301 \u200b\u0301 \u2060\u0301 \ufeff\u0301 \u200c\u0301 \u2065\u0301",
  "keycaps and tags: 1\ufe0f\u20e3 #\u20e3 \u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f} \u00aa\u{e0020}",
  "new to Java 17 before a mark: \u0870\u064e \u08c9\u0301 \u0c5d\u0301 \ua7c0\u0301 \u2c2f\u0308 \u{10780}\u0301 " +
    "unassigned \u0378\u0301 \u05ff\u0301 \u10c6\u0301",
];
// random strings of the characters the rules turn on (mulberry32, seed 29)
const pool = ["a", "b", "e", " ", "\r", "\n", "\u0001", "\u0301", "\u0308", "\u200d", "\ufe0f", "\u00a9", "\u00aa", "\u00a0",
  "\u0600", "\u0890", "\u0903", "\u0915", "\u094d", "\u0937", "\u093c", "\u1100", "\u1161", "\u11a8", "\uac00", "\uac01",
  "\u{1f1ef}", "\u{1f1f5}", "\u{1f44d}", "\u{1f3fd}", "\u{1fae0}", "\u1ac1", "\u1dfa", "\u0e33", "\u00ad", "\u200b",
  "\u0378", "\u10c6", "\u{11f00}", "\u0d4e", "\u{e0020}", "\u0870", "\u064e", "\u200c", "\u{1e4ec}"];
let seed = 29;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
for (let i = 0; i < 200; i++) {
  let s = "";
  for (let n = 1 + Math.floor(random() * 8); n > 0; n--) s += pool[Math.floor(random() * pool.length)];
  lines.push(s);
}
const letters = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:()#"];
const layouts = {
  clusters: tokenizer([map(LEAD)], [["<unk>", 0], ["\u2581", -2], ["#", -3], ["b", -3], ["\n", -3]]),
  rules: tokenizer([map(RULES), { type: "Replace", pattern: { Regex: " {2,}" }, content: " " }],
    [["<unk>", 0], ["\u2581", -2], ...letters.map((c) => [c, -5]),
      ...["\u00e9", "\u00e4", "\u00f4", "\u00f1", "\u00c5", "\u03bc", "\u03a9", "fi", "(c)", "\u2044", "\uac00"].map((c) => [c, -6])]),
};
for (const [layout, json] of Object.entries(layouts)) {
  console.log(JSON.stringify({ layout, tokenizer: json }));
  const t = Tokenizer.fromString(JSON.stringify(json));
  for (const text of lines) {
    const e = await t.encode(text, null, { addSpecialTokens: false });
    const normalized = t.getNormalizer().normalizeString(text);
    console.log(JSON.stringify({ layout, text, special: false, normalized, ids: e.getIds(), offsets: e.getOffsets() }));
  }
}
