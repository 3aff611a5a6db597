// Writes normalizer-sequences-hf.jsonl: Hugging Face tokenizers' (Rust, npm `tokenizers` 0.23.2) ids and offsets
// through normalizer sequences, for NormalizerSequenceOffsetsTest. One small Unigram vocabulary (Metaspace, <unk> a
// special added token, as transformers' converter writes T5 and ALBERT files) under the normalizers of ALBERT (Replace
// `` and '' by ", NFKD, StripAccents, Lowercase, Precompiled, Replace(" {2,}", " ")), XLNet (the same without
// Lowercase), T5 (Precompiled, Replace), a Replace before NFC, BertNormalizer before NFKC, and Nmt, NFKC, Lowercase,
// Strip, Replace, and a Replace whose regex also matches nothing; over hard Unicode lines (bench/kindling_ids.py's, unpaired surrogates left out), lines written here
// and slices of the shared corpora. The character map is the test's CharsMapBlob of its rules (the test checks it is
// this one). Each layout's line holds its tokenizer.json; each text's its ids and code-point offsets. Produced with
// (from the reference install, see shared/tools/ref/README.md):
//   cd ~/.cache/kindling-ref && node /work/h3/tokenizer/src/test/resources/offsets/normalizer-sequences-hf.mjs \
//       /work/shared/data > /work/h3/tokenizer/src/test/resources/offsets/normalizer-sequences-hf.jsonl
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const data = process.argv[2];
const read = (p) => (p.endsWith(".gz") ? gunzipSync(readFileSync(p)) : readFileSync(p)).toString("utf8");
const MAP = "AAQAAAAEAAAAAAAAAAAAgAAAAAABAACAAwAAgAcRAAAHAACAAAAAAAAAAIANAACAAAAAAAAAAAABAACAAAAAAAAAAAARAACAFAAAgAAAAAAWAACAAAAAABoAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAiykCAAAAAAAAAAAAgDgCAAAAAACedQIAAAAAAAAAAACAHAIAgAUCAAAAAACBeQIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKy0AgCgnQIAtt0CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKi5AgAAAAAAAAAAAKaRAgAAAAAAvpgCAAAAAAC8mAIAvYQCAAAAAAChkQIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAC95QIAAAAAAAAAAAAAAAAAAAAAAMIAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADjpAMA4pQDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADvgAMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAgzIgAMeKBhDIALi4uAGZpAEEA44KrAOOCmQA=";
const hard = ["Ｆｕｌｌ－ｗｉｄｔｈ　ＡＢＣ　１２３！", "ligatures: ﬁne ﬂow ﬀ ﬃ ﬄ ﬅ ﬆ Ĳ ǆ ﬁ\u0301",
  "combining: e\u0301 a\u0308 o\u0302\u0323 n\u0303 A\u030a \u0301lead", "compat: ½ ¼ ² ³ ™ № ℃ ㎏ ㍻ Ⅻ ⑳ ℌ ℍ …‥ ‼ ⁇ ᴬᴮ ₐₑ",
  "arabic presentation: ﻻ ﷺ ﷽ ﺍﻟﺴﻼﻡ", "emoji ZWJ: 👨\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈 👍🏽",
  "controls:\u0001\u0002x\u0007y\u001b[0m\u007f\u0085z", "tabs\tand\nnewlines\r\nand  many   spaces  ",
  "   leading and trailing   ", "\u3000\u3000ideographic\u3000space\u3000", "nbsp\u00a0here\u2009thin\u200bzero\u2028ls\u2029ps",
  "halfwidth: ｶﾞｷﾞｸﾞ ﾊﾟ ｱｲｳ", "hangul: \u1100\u1161\u11a8 한국어 ㄱㄴ", "diaeresis ¨ macron ¯ acute ´ cedilla ¸ after space",
  "Greek ΣΑΣ ς ὈΔΥΣΣΕΎΣ µ Ω K Å; German STRASSE Straße ẞ; Turkish İstanbul ı", "math 𝐀𝐁𝐂 𝔄𝔅 𝟙𝟚 ℝ circled ⓐⓑⓒ Ⓐ ㊀ ㈱",
  " ", "\u2581literal mark\u2581", "user-defined: a<sep>b ＡＢＣ ﬁne a b a  b",
  "CJK compat 兀 﨎 丽; Thai ภาษาไทย; Devanagari हिन्दी क़", "replacement \ufffd and bom \ufeff inside"];
const own = ["``Quoted'' text  with   spaces `` and ''", "\u0007\u0007bells at the start", "İstanbul ÉCOLE naïve café",
  "a\u3000\u3000b  \u00a8  c", "\u200b\u200bzero width first", "x ¨ y ¨¨ z", "Ａ…½ﬁ", "中文 and 日本語  text"];
const corpus = [];
for (const f of ["moby-dick.jsonl", "sotu.jsonl.gz"]) {
  const lines = read(join(data, "corpus", f)).split("\n").filter((l) => l.trim());
  for (let i = 0, n = 0; i < lines.length && n < 4; i += 23) {
    const t = JSON.parse(lines[i]).text;
    const at = Math.max(0, t.indexOf("  ") - 60);
    corpus.push(t.slice(at, at + 200));
    n++;
  }
}
const letters = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"-()[]*&/"];
const words = ["the", "and", "of", "to", "a", "in", "that", "is", "it", "was", "he", "with", "for", "as", "his", "on",
  "whale", "ship", "sea", "our", "we", "will", "be", "this", "have", "are", "not", "by", "at", "from", "all", "but"];
const vocab = [["<unk>", 0], ["\u2581", -2]];
for (const c of letters) vocab.push([c, -6]);
for (const w of words) vocab.push(["\u2581" + w, -4], [w, -5]);
for (const c of ["\u0308", "\u3099", "\u30ab", "\u2044", "fi", "é", "ï"]) vocab.push([c, -7]);
const replace = (pattern, content, regex) => ({ type: "Replace", pattern: { [regex ? "Regex" : "String"]: pattern }, content });
const spaces = replace(" {2,}", " ", true);
const quotes = [replace("``", '"'), replace("''", '"')];
const map = { type: "Precompiled", precompiled_charsmap: MAP };
const accents = [{ type: "NFKD" }, { type: "StripAccents" }];
const layouts = {
  albert: [...quotes, ...accents, { type: "Lowercase" }, map, spaces],
  xlnet: [...quotes, ...accents, map, spaces],
  t5: [map, spaces],
  "replace-nfc": [spaces, replace("''", '"'), { type: "NFC" }],
  "bert-nfkc": [{ type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    { type: "NFKC" }],
  "nmt-strip": [{ type: "Nmt" }, { type: "NFKC" }, { type: "Lowercase" }, { type: "Strip", strip_left: true, strip_right: true }, spaces],
  // a regex that also matches nothing: HF (Oniguruma) skips an empty match right after a match, and steps over a character
  "empty-matches": [replace(" *", " ", true)],
};
for (const [layout, normalizers] of Object.entries(layouts)) {
  const json = { version: "1.0", truncation: null, padding: null,
    added_tokens: [{ id: 0, content: "<unk>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: { type: "Sequence", normalizers },
    pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    post_processor: null, decoder: null, model: { type: "Unigram", unk_id: 0, vocab, byte_fallback: false } };
  console.log(JSON.stringify({ layout, tokenizer: json }));
  const t = Tokenizer.fromString(JSON.stringify(json));
  for (const text of [...hard, ...own, ...corpus]) {
    const e = await t.encode(text, null, { addSpecialTokens: false });
    console.log(JSON.stringify({ layout, text, special: false, ids: e.getIds(), offsets: e.getOffsets() }));
  }
}
