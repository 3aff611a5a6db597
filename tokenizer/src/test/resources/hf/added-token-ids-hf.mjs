#!/usr/bin/env node
// Writes added-token-ids-hf.json: small WordLevel tokenizers whose added_tokens declare ids that are not the ones
// Hugging Face tokenizers 0.23.2 gives (gaps beyond the vocabulary, ids out of order, an id the model already uses,
// a content the model has under another id), texts holding those tokens, and the ids and the id -> token table HF
// gives. HF ignores a declared id: a content the model has takes the model's id, a new content the next id after
// the added ones (at least the model's vocabulary size), in the file's order (AddedVocabulary::add_tokens).
//
//   cd ~/.cache/kindling-ref && node /path/to/tokenizer/src/test/resources/hf/added-token-ids-hf.mjs \
//       > /path/to/tokenizer/src/test/resources/hf/added-token-ids-hf.json
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const t = require("tokenizers");

const vocab = { "[UNK]": 0, a: 1, b: 2 };
const token = (id, content, special = true) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
const sets = [
  [token(10, "<x>")],
  [token(3, "<x>"), token(7, "<y>", false)],
  [token(7, "<y>", false), token(3, "<x>")],
  [token(1, "<x>")],
  [token(2, "a"), token(9, "<x>")],
  [token(5, "<x>"), token(6, "b"), token(20, "<y>"), token(4, "<x>", false)],
];
const texts = ["a <x> b <y> a", "<y><x>ab"];
const tokenizers = [];
for (const added_tokens of sets) {
  const json = { version: "1.0", truncation: null, padding: null, added_tokens, normalizer: null,
    pre_tokenizer: { type: "Whitespace" }, post_processor: null, decoder: null,
    model: { type: "WordLevel", vocab, unk_token: "[UNK]" } };
  const tok = t.Tokenizer.fromString(JSON.stringify(json));
  const cases = [];
  for (const text of texts) cases.push({ text, ids: (await tok.encode(text, undefined, { addSpecialTokens: false })).getIds() });
  const idToToken = {};
  for (const [content, id] of Object.entries(tok.getVocab(true))) idToToken[id] = content;
  tokenizers.push({ tokenizer: json, vocabSize: tok.getVocabSize(true), idToToken, cases });
}
process.stdout.write(JSON.stringify({ hfTokenizers: "0.23.2", tokenizers }, null, 1) + "\n");
