#!/usr/bin/env node
// Writes onig-constructs-hf.json: Split regexes (behavior Isolated) with the Oniguruma constructs whose Java reading
// differs or which Java lacks (\h, POSIX brackets, property names and scripts, \v \N \O \pL, ^ $ . and (?m) in Ruby
// syntax, intervals, case folding, \K ...), texts that hit the differences, and the ids Hugging Face tokenizers 0.23.2
// gives with a WordLevel model whose vocabulary is "[UNK]" and then every piece HF cut from the texts with any of the
// patterns, sorted; or the error HF gives when it cannot load the pattern. OnigConstructsParityTest builds the same
// tokenizer.json for each pattern:
//   {version "1.0", added_tokens [], pre_tokenizer {type Split, pattern {Regex p}, behavior Isolated, invert false},
//    model {type WordLevel, vocab, unk_token "[UNK]"}, everything else null}
//
//   cd ~/.cache/kindling-ref && node /path/to/tokenizer/src/test/resources/pretokenize/onig-constructs-hf.mjs \
//       > /path/to/tokenizer/src/test/resources/pretokenize/onig-constructs-hf.json
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const t = require("tokenizers");

const patterns = [
  "\\h+", "\\H+", "[\\h]+", "[^\\h]+",
  "[[:alpha:]]+", "[[:^alpha:]]+", "[[:alnum:]]+", "[[:upper:]]+", "[[:lower:]]+", "[[:digit:]]+", "[[:punct:]]+",
  "[[:space:]]+", "[[:blank:]]+", "[[:cntrl:]]+", "[[:graph:]]+", "[[:print:]]+", "[[:xdigit:]]+", "[[:word:]]+",
  "[[:ascii:]]+", "[^[:alpha:]\\d]+", "[[:^punct:]a]+", " ?[[:alpha:]]+| ?[[:digit:]]+|\\s+",
  "\\p{Han}+", "\\p{Hiragana}+", "\\p{Katakana}+", "\\p{Latin}+", "\\p{greek}+", "\\p{Cyrillic}+", "\\P{Latin}+",
  "\\p{^Latin}+", "[\\p{Han}\\p{Hiragana}]+", "[^\\p{Latin}]+", "\\p{Common}+", "\\p{Inherited}+", "\\p{In_Basic_Latin}+",
  "\\p{Alpha}+", "\\p{Alphabetic}+", "\\p{Punct}+", "\\p{Letter}+", "\\p{Uppercase_Letter}+", "\\p{Cased_Letter}+",
  "\\p{lu}+", "\\p{Word}+", "[\\p{Word}]+", "\\p{Any}+", "\\pL+", "\\PL+",
  "\\v", "[\\v]", "\\R", "\\X", "\\N+", "\\O",
  "^\\w+", "\\w+$", "^", "$", ".+", "(?m).+", "(?m)^\\w",
  "a|(?<=a)b", "a|\\Bb", "x|^y", "a++", "(?>a+)b", "a{,2}", "x{foo}", "a{2,}b", "\\x{41}+", "\\0",
  "(?i)k", "(?i)σ+", "(?i)[a-z]+", "(?i)ǆ", "(?i:'s|'t|'re|'ve|'m|'ll|'d)",
  // case-insensitivity in part of the pattern: "ss" where it does not apply is plain text; comments
  "(?i:k)|ss", "ss|(?i)k", "(?i)k(?-i)ss", "(?i:(?-i:ss)|k)", "[(?i)]ss", "(?#a comment)a+", "a(?#c)+", "(?#a\\)b)x",
  // Java has no equivalent: Kindling refuses these (OnigConstructsParityTest.REFUSED)
  "a\\Kb", "(?i)straße", "(?i)ss", "(?i)fi", "(?i)x|ss", "a{1,2}+", "\\y", "(?<a>x)\\g<a>", "\\101", "\\p{Emoji}+",
  // HF refuses these
  "[[:foo:]]", "(?s).+", "\\p{L&}+", "(?#x",
];
const texts = [
  "aBc 09 fG\t xyz!?,.  \u00a0\u3000 ÄÖß",
  "漢字かなカナ Latinαβγ ǅǄǆ Привет مرحبا",
  "a\r\nb\nc\rd\u2028e\u0085f\u000bg\u000ch\n",
  "e\u0301 👍🏽 🇫🇷 $+<=>^`|~_- x\u0000y\u007f",
  "aaab ab a\u00b2a x\u00b9 \u00bd AB",
  "STRASSE straße K \u212a k ΣΣσς ǅ ﬁ it's",
  "pLL pL PLL {foo} x{2} a{,2} AAA",
  // assigned or changed after Unicode 13 (Java 17's tables): Latin U+A7C0, Han U+2EBF0 and U+16FE2, Alphabetic U+0363,
  // Cyrillic and Lowercase U+1E030
  "ab xy\nxy",
  "x\uA7C0\uA7C1y \u{2EBF0}\u4E00\u{16FE2} a\u0363b \u{1E030}\u0436",
];
const tokenizerJson = (p, vocab) => ({ version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: null,
  pre_tokenizer: { type: "Split", pattern: { Regex: p }, behavior: "Isolated", invert: false },
  post_processor: null, decoder: null, model: { type: "WordLevel", vocab, unk_token: "[UNK]" } });

const pieces = new Set();
for (const p of patterns) {
  let tok;
  try { tok = t.Tokenizer.fromString(JSON.stringify(tokenizerJson(p, { "[UNK]": 0 }))); } catch (e) { continue; }
  for (const text of texts) {
    const cps = Array.from(text); // HF's offsets count code points
    for (const [s, e] of (await tok.encode(text, undefined, { addSpecialTokens: false })).getOffsets()) pieces.add(cps.slice(s, e).join(""));
  }
}
const vocab = { "[UNK]": 0 };
[...pieces].sort().forEach((piece, i) => { vocab[piece] = i + 1; });
const cases = [];
for (const p of patterns) {
  let tok;
  try { tok = t.Tokenizer.fromString(JSON.stringify(tokenizerJson(p, vocab))); } catch (e) {
    cases.push({ pattern: p, error: String(e.message || e).split("\n")[0] });
    continue;
  }
  const ids = [];
  for (const text of texts) ids.push((await tok.encode(text, undefined, { addSpecialTokens: false })).getIds());
  cases.push({ pattern: p, ids });
}
process.stdout.write(JSON.stringify({ hfTokenizers: "0.23.2", texts, vocab, cases }) + "\n");
