// Hugging Face tokenizers' (npm `tokenizers` 0.23.2, the Rust library) ids and offsets, in code points, for each
// {"id", "text"} line of a JSON Lines file: one {"id", "ids", "offsets"} line per document on stdout. Run from a folder
// where shared/tools/ref is installed (`npm ci`): node /path/to/bench/hf_offsets.mjs tokenizer.json docs.jsonl
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const tok = Tokenizer.fromFile(process.argv[2]);
for (const line of readFileSync(process.argv[3], "utf8").split("\n")) {
  if (!line.trim()) continue;
  const d = JSON.parse(line);
  const e = await tok.encode(d.text, null, { addSpecialTokens: false });
  console.log(JSON.stringify({ id: d.id, ids: e.getIds(), offsets: e.getOffsets() }));
}
