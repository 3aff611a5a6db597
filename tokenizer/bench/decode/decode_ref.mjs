// Hugging Face tokenizers' (npm `tokenizers` 0.23.2, the Rust library) decode of id sequences, for DecodeCompare.java:
// one {"kind", "ids", "keep", "skip", "stream"} line per sequence on stdout, keep/skip = decode(ids,
// skip_special_tokens false/true), stream = the pieces of HF's DecodeStream (tokenizers >= 0.21, skip true), which the
// Node binding lacks and which is rebuilt here from decode exactly as tokenizers' step_decode_stream does it. Sequences:
// slices of the shared corpus ids (reference-ids/), random ids (special, added and byte tokens among them, runs of
// byte tokens that start a multi-byte character and stop short of it), the empty sequence; and every document of the
// reference-ids files whole ("corpus-doc", its stream over the first 256 ids only). Run from a folder where
// shared/tools/ref is installed (`npm ci`):
//   node /path/to/decode_ref.mjs tokenizer.json [reference-ids.jsonl.gz[,more.jsonl.gz...]] [n random, default 300]
//        [seed, default 1]
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const [file, refIds, nArg, seedArg] = process.argv.slice(2);
const tok = Tokenizer.fromFile(file);
let s = Number(seedArg ?? 1) >>> 0;
const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const ri = (n) => Math.floor(rnd() * n);
const pick = (a) => a[ri(a.length)];
const n = tok.getVocabSize(true);
const json = JSON.parse(readFileSync(file, "utf8"));
const added = (json.added_tokens ?? []).map((a) => a.id);
// single-byte tokens: SentencePiece's <0xXX>, byte-level BPE's one-character tokens of GPT-2's byte alphabet
const byteChar = (b) => { const keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  if (keep) return String.fromCharCode(b); let k = 0; for (let x = 0; x < b; x++) if (!((x >= 33 && x <= 126) ||
  (x >= 161 && x <= 172) || (x >= 174 && x <= 255))) k++; return String.fromCharCode(256 + k); };
const byteId = (b) => { const hex = "<0x" + b.toString(16).toUpperCase().padStart(2, "0") + ">";
  return tok.tokenToId(hex) ?? tok.tokenToId(byteChar(b)) ?? null; };
const partial = () => { // the first bytes of a 2-, 3- or 4-byte character, or a stray continuation byte
  const lead = pick([0xc3, 0xd0, 0xe2, 0xe4, 0xe6, 0xf0, 0xf0, 0x80, 0xbf, 0xed, 0xf4, 0xc0, 0xff]);
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  const out = [lead]; for (let k = 0, m = ri(need + 2); k < m; k++) out.push(0x80 + ri(64));
  return out.map(byteId).filter((x) => x != null); };
const randomSeq = () => { const ids = [];
  for (let j = 0, len = pick([1, 1, 2, 3, 5, 8, 20, 40]); j < len; j++) {
    const r = rnd();
    if (r < 0.12 && added.length) ids.push(pick(added));
    else if (r < 0.3) ids.push(...partial());
    else for (;;) { const id = ri(n); if (tok.idToToken(id) != null) { ids.push(id); break; } }
  }
  return ids; };
async function stream(ids) { // tokenizers' DecodeStream::step, skip_special_tokens true
  let window = [], prefix = "", prefixIndex = 0; const out = [];
  for (const id of ids) {
    window.push(id);
    const str = await tok.decode(window, true);
    if (str.length > prefix.length && !str.endsWith("\ufffd")) {
      if (!str.startsWith(prefix)) { out.push({ error: "InvalidPrefix" }); return out; }
      out.push(str.slice(prefix.length));
      const newPrefixIndex = window.length - prefixIndex;
      window = window.slice(prefixIndex);
      prefix = await tok.decode(window, true);
      prefixIndex = newPrefixIndex;
    } else out.push(null);
  }
  return out; }
const seqs = [["empty", []]];
const files = (refIds ?? "").split(",").filter((f) => f);
files.forEach((f, k) => {
  const docs = gunzipSync(readFileSync(f)).toString("utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l).ids);
  for (let i = 0; k === 0 && i < Math.min(40, docs.length); i++) {
    const d = docs[ri(docs.length)]; const at = ri(d.length); seqs.push(["corpus", d.slice(at, at + 1 + ri(64))]);
  }
  for (const d of docs) seqs.push(["corpus-doc", d]);
});
for (let i = 0, m = Number(nArg ?? 300); i < m; i++) seqs.push(["random", randomSeq()]);
for (const [kind, ids] of seqs) {
  console.log(JSON.stringify({ kind, ids, keep: await tok.decode(ids, false), skip: await tok.decode(ids, true),
    stream: await stream(kind === "corpus-doc" ? ids.slice(0, 256) : ids) }));
}
