#!/usr/bin/env node
// Dumps, for every character class Kindling's Split regexes use, the code points Hugging Face tokenizers' regex
// engine (Oniguruma, through a Split pre-tokenizer with a Regex pattern) puts in it; SplitClassesCompare.java
// compares the dump with Kindling's classes. One line per class: the class, a tab, then "first-last" hex ranges
// (or "first" alone) separated by spaces. Each class X runs as the pattern \x01X\x02 with behavior Removed over
// texts of \x01 c \x02 triples, so the code points that no piece covers are X's; U+0001 and U+0002 themselves run
// as "a" c "a" with [aX]+ (Isolated: one piece if c is in X).
//
//   cd ~/.cache/kindling-ref && node /path/to/tokenizer/bench/split_classes_ref.mjs > /tmp/hf-split-classes.txt   (~6 min on 2 busy vCPUs)
// Classes given as arguments are dumped instead of the built-in list, e.g. every script Java 17 knows for
// ScriptAdditionsTable.java:  node .../split_classes_ref.mjs $(java ScriptAdditionsTable.java names) > /tmp/hf-scripts.txt
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const t = require("tokenizers");

const cats = ["L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe",
  "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Co"];
// each alone, and inside brackets: Oniguruma's \w outside brackets also takes U+00B2, U+00B3, U+00B9 and U+00BC..U+00BE
const simple = ["\\w", "\\W", "\\d", "\\D", "\\s", "\\S", ...cats.map((c) => "\\p{" + c + "}"), ...cats.map((c) => "\\P{" + c + "}")];
const CLASSES = process.argv.length > 2 ? process.argv.slice(2) : [...simple, ...simple.map((c) => "[" + c + "]"), "[^\\w]", "[^\\W]", "[a\\w]",
  "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]", "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]", "[^\\s\\p{L}\\p{N}]", "[^\\r\\n\\p{L}\\p{N}]",
  ...["s", "t", "r", "e", "v", "m", "l", "d"].map((c) => "(?i:" + c + ")")];

function tokenizer(pattern, behavior) {
  return t.Tokenizer.fromString(JSON.stringify({
    version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: "Split", pattern: { Regex: pattern }, behavior, invert: false },
    post_processor: null, decoder: null,
    model: { type: "WordLevel", vocab: { "[UNK]": 0, a: 1 }, unk_token: "[UNK]" } }));
}

const CHUNK = 4096;
const chunks = []; // code points of each text
let cur = [];
for (let c = 0; c <= 0x10ffff; c++) {
  if ((c >= 0xd800 && c <= 0xdfff) || c === 1 || c === 2) continue;
  cur.push(c);
  if (cur.length === CHUNK) { chunks.push(cur); cur = []; }
}
chunks.push(cur);
const texts = chunks.map((cps) => cps.map((c) => "\x01" + String.fromCodePoint(c) + "\x02").join(""));

const hex = (c) => c.toString(16).toUpperCase();
for (const cls of CLASSES) {
  const members = [];
  const encs = await tokenizer("\\x01" + cls + "\\x02", "Removed").encodeBatch(texts, false);
  const wrapped = await tokenizer("[a" + cls + "]+", "Isolated").encodeBatch(["a\x01a", "a\x02a"], false);
  for (let i = 0; i < 2; i++) {
    const n = wrapped[i].getIds().length;
    if (n !== 1 && n !== 3) throw new Error(cls + ": U+000" + (i + 1) + " in a...a gave " + n + " pieces");
    if (n === 1) members.push(i + 1);
  }
  encs.forEach((e, k) => {
    const covered = new Uint8Array(chunks[k].length);
    for (const [s, end] of e.getOffsets()) {
      if (s % 3 !== 0 || end % 3 !== 0) throw new Error(cls + ": a piece " + s + ".." + end + " cuts a triple");
      for (let j = s / 3; j < end / 3; j++) covered[j] = 1;
    }
    chunks[k].forEach((c, j) => { if (!covered[j]) members.push(c); });
  });
  members.sort((x, y) => x - y);
  const ranges = [];
  for (let i = 0; i < members.length; ) {
    let j = i;
    while (j + 1 < members.length && members[j + 1] === members[j] + 1) j++;
    ranges.push(i === j ? hex(members[i]) : hex(members[i]) + "-" + hex(members[j]));
    i = j + 1;
  }
  process.stdout.write(cls + "\t" + ranges.join(" ") + "\n");
  process.stderr.write(cls + " " + members.length + "\n");
}
