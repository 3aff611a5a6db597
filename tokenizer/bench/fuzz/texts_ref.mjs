#!/usr/bin/env node
// Differential tokenizer fuzzing, reference side: generate adversarial texts (deterministic per seed) and
// write what Hugging Face tokenizers (Rust, N-API), tiktoken (WASM) or llama.cpp (node-llama-cpp) make of each one.
//
//   node texts_ref.mjs --hf tokenizer.json | --tiktoken o200k_base | --gguf vocab.gguf   --out ref.jsonl
//        [--n 3000] [--seed 1] [--corpus a.jsonl,b.jsonl] [--texts texts.json (a JSON array, instead of generating)]
//        [--marks 1 (only text heavy in combining marks, see marks())] [--offsets 1 (HF only: also "offsets")]
//
// Texts: mixed scripts, emoji with ZWJ / skin tones / variation selectors, letters and digits of Unicode 14-16,
// random code points, whitespace runs (\t \n \r U+00A0 U+3000 U+2028 ...), digit runs of many lengths (also
// fullwidth, Arabic-Indic, Devanagari), contractions in odd cases, the file's added tokens glued, repeated and cut,
// lone surrogates, U+FFFD and other controls, words of 600-4097 repeated units, NFC/NFD/NFKC/NFKD variants,
// corpus slices, stacked combining marks, and mixes of all of these; and invalid UTF-8 (invalidUtf8()).
// One line per text: {"i", "kind", "text", "bytes" (base64, only for invalid UTF-8), "plain", "special", "decKeep", "decSkip", "decPlain", "rids", "ridKeep",
// "ridSkip"} where plain/special = ids without/with add_special_tokens (tiktoken: encode_ordinary /
// encode(text, "all")), decKeep/decSkip = decode(special, skip_special_tokens false/true), decPlain =
// decode(plain, false), rids = random ids (15% special ones) and ridKeep/ridSkip their decodes; with --offsets,
// "offsets" = the [start, end) code-point offsets of "special".
// Must run from a folder where `require("tokenizers")` / `require("tiktoken")` resolve (the reference copy).
process.env.RAYON_NUM_THREADS = "1";
process.env.TOKENIZERS_PARALLELISM = "false";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const require = createRequire(process.cwd() + "/");
const N = Number(args.n ?? 3000);
let seed = Number(args.seed ?? 1) >>> 0;
function rnd() { // mulberry32
    seed = (seed + 0x6D2B79F5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = (n) => Math.floor(rnd() * n);
const pick = (a) => a[ri(a.length)];

// ---- reference -----------------------------------------------------------------------------------------
let encPlain, encSpecial, encOffsets, decode, specials, randomId;
if (args.hf) {
    const { Tokenizer } = require("tokenizers");
    const tok = Tokenizer.fromFile(args.hf);
    const json = JSON.parse(readFileSync(args.hf, "utf8"));
    specials = (json.added_tokens ?? []).map((t) => t.content);
    encPlain = async (t) => Array.from((await tok.encode(t, null, { addSpecialTokens: false })).getIds());
    encSpecial = async (t) => Array.from((await tok.encode(t, null, { addSpecialTokens: true })).getIds());
    encOffsets = async (t) => (await tok.encode(t, null, { addSpecialTokens: true })).getOffsets();
    decode = async (ids, skip) => tok.decode(ids, skip);
    const n = tok.getVocabSize(true);
    const specialIds = (json.added_tokens ?? []).map((t) => t.id);
    randomId = () => { for (;;) { const id = rnd() < 0.15 && specialIds.length ? pick(specialIds) : ri(n); if (tok.idToToken(id) != null) return id; } };
} else if (args.tiktoken) {
    const { get_encoding } = require("tiktoken");
    const enc = get_encoding(args.tiktoken);
    const td = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }); // Python's bytes.decode keeps a BOM
    specials = { cl100k_base: ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"],
        o200k_base: ["<|endoftext|>", "<|endofprompt|>"], p50k_base: ["<|endoftext|>"], r50k_base: ["<|endoftext|>"] }[args.tiktoken];
    encPlain = async (t) => Array.from(enc.encode_ordinary(t));
    encSpecial = async (t) => Array.from(enc.encode(t, "all"));
    decode = async (ids, _skip) => td.decode(enc.decode(new Uint32Array(ids)));
    const n = { cl100k_base: 100256, o200k_base: 199998, p50k_base: 50256, r50k_base: 50256 }[args.tiktoken];
    randomId = () => { for (;;) { const id = ri(n); try { enc.decode_single_token_bytes(id); return id; } catch { /* a gap */ } } };
} else if (args.gguf) {
    // llama.cpp (node-llama-cpp 3.21.1, vocab-only) through its addon: tokenize(text, parse_special) is llama.cpp's
    // common_tokenize(vocab, text, add_special=false, parse_special), detokenize(ids, unparse_special) its
    // llama_detokenize(remove_special=false, unparse_special). "plain" / "special" = parse_special false / true, no BOS;
    // decKeep / ridKeep unparse special tokens, decSkip / ridSkip do not (FuzzCompare --gguf knows this).
    const { getLlama, LlamaLogLevel } = await import(process.cwd() + "/node_modules/node-llama-cpp/dist/index.js");
    const llama = await getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true, progressLogs: false,
        logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: args.gguf, gpuLayers: 0, vocabOnly: true });
    const m = model._model;
    const g = model.fileInfo.metadata.tokenizer.ggml;
    const types = g.token_type ?? [];
    const specialIds = types.flatMap((t, id) => (t === 2 || t === 3 || t === 4 ? [id] : [])); // unknown, control, user-defined
    specials = specialIds.map((id) => g.tokens[id]).filter((t) => t.length);
    encPlain = async (t) => Array.from(m.tokenize(t, false));
    encSpecial = async (t) => Array.from(m.tokenize(t, true));
    decode = async (ids, skip) => m.detokenize(Uint32Array.from(ids), !skip);
    const n = g.tokens.length;
    randomId = () => (rnd() < 0.15 && specialIds.length ? pick(specialIds) : ri(n));
} else throw new Error("--hf FILE, --tiktoken NAME or --gguf FILE");

// ---- generators ----------------------------------------------------------------------------------------
const SCRIPTS = [
    "漢字かなカナ混じり文", "中文分词测试，标点。", "한국어 텍스트", "\u1100\u1161\u11A8\u1102\u1165", // conjoining jamo
    "\u1112\u1161\u11AB\u1100\u1173\u11AF", "العربية مع التشكيل: مُحَمَّد", "हिन्दी देवनागरी क्षत्रिय", "ภาษาไทยไม่มีช่องว่าง",
    "Ελληνικά", "Русский текст", "עברית", "ქართული", "ગુજરાતી", "தமிழ்", "বাংলা", "Tiếng Việt có dấu",
    "ﬁﬂ ligatures", "Ⅻ ① ㈱ ㎞", "𝐀𝐁𝐂 𝔸𝔹", "ꦗꦮ", "ᚠᚢᚦ", "ʻokina", "Ǆǅǆ", "İıŞş", "ß ẞ", "Å Å",
];
const EMOJI = [
    "😀", "👍🏽", "👩\u200D💻", "👨\u200D👩\u200D👧\u200D👦", "🏳️\u200D🌈", "❤️", "❤\uFE0E", "☺\uFE0F", "1\uFE0F\u20E3",
    "🇯🇵🇫🇷", "🧑🏿\u200D🦰", "👋🏻👋🏼👋🏽👋🏾👋🏿", "🫠", "\u{1F9D1}\u200D\u{1F91D}\u200D\u{1F9D1}", "#\uFE0F\u20E3", "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
    "a\uFE0F", "漢\u{E0100}", "\u200D", "\u200C", "\uFE0F\uFE0F",
];
const WS = ["\t", "\n", "\r", "\u00a0", "\u3000", "\u2028", "\u2029", " ", " ", " ", "\u000b", "\u000c", "\u0085", "\u200b", "\u1680", "\u2009", "\u202f", "\r\n"];
const WORDS = ["hello", "world", "The", "token", "izer", "don", "it", "I", "you", "they", "HELLO", "naïve", "café", "x", "_", "__init__",
    "foo.bar", "a+b=c", "http://example.com/a?b=c", "user@mail.org", "C++", "$100", "3.14", "--flag", "~/path", "<div>", "{\"k\": 1}"];
const CONTRACTIONS = ["'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'Ll", "'d", "'D", "’s", "’LL", "''", "'",
    "’t", "’re", "’VE", "\u02BCs", "\u2018s", "\uFF07s", "'\u017F", "'\u212A", "'\u0307s", "'s\u0301"];
const CONTROL = ["\u0000", "\u0001", "\u0007", "\u0008", "\u001b", "\u001f", "\u007f", "\u0080", "\u009f", "\u00ad", "\u200e", "\u202e", "\u2066",
    "\uFEFF", "\uFFFD", "\uFFFE", "\uFFFF", "\uE000", "\u{10FFFF}", "\u{F0000}", "\u0300", "\u0301\u0302", "\u034F", "\u061C"];
const SURR = ["\uD800", "\uDFFF", "\uDBFF", "\uDC00x", "a\uD83D", "\uDE00b"];
const ACCENTED = ["é", "ñ", "ü", "Å", "ǘ", "ệ", "한", "가", "ḱ", "ṩ", "ﬃ", "Ω", "K", "\u1E9B\u0323", "ª", "²", "ﾀ", "…", "‐"];
const corpus = [];
for (const f of (args.corpus ?? "").split(",").filter(Boolean)) {
    for (const l of readFileSync(f, "utf8").split("\n")) if (l.trim()) corpus.push(JSON.parse(l).text);
}

function digits() {
    const len = pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 31, 32, 33, 64, 100, 999, 1000, 1001]);
    let s = "";
    for (let i = 0; i < len; i++) s += String(ri(10));
    const r = rnd();
    if (r < 0.1) s = s.replace(/[0-9]/g, (d) => String.fromCharCode(0xFF10 + +d)); // fullwidth
    else if (r < 0.2) s = s.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + +d)); // Arabic-Indic
    else if (r < 0.25) s = s.replace(/[0-9]/g, (d) => String.fromCharCode(0x0966 + +d)); // Devanagari
    return s;
}
function whitespace() {
    let s = "";
    const n = pick([1, 2, 3, 4, 5, 8, 16, 33, 100, 257]);
    const pool = rnd() < 0.3 ? [pick(WS)] : WS;
    for (let i = 0; i < n; i++) s += pick(pool);
    return s;
}
function specialText() {
    if (!specials.length) return "<|endoftext|>";
    const sp = pick(specials);
    const r = rnd();
    if (r < 0.3) return sp.repeat(1 + ri(4));
    if (r < 0.5) return pick(WORDS) + sp + pick(WORDS);
    if (r < 0.6) return " " + sp + " ";
    if (r < 0.7) return sp.slice(0, Math.max(1, sp.length - 1)) + sp; // prefix then the full token
    if (r < 0.8) return "\n" + sp + "\n\n";
    return sp;
}
function longWord() {
    const unit = pick(["a", "A", "é", "字", "ก", " ", "-", "ab", "😀", "\u0301", "0", "\n", "x\u200D", "·"]);
    const n = pick([600, 1001, 1500, 2048, 4097]);
    return unit.repeat(Math.ceil(n / unit.length));
}
function corpusSlice() {
    if (!corpus.length) return pick(WORDS);
    const d = pick(corpus);
    const len = pick([1, 2, 5, 20, 100, 500, 3000]);
    const st = ri(Math.max(1, d.length - len));
    return d.slice(st, st + len);
}
function normalized() {
    let s = "";
    for (let i = 0, n = 1 + ri(8); i < n; i++) s += pick(ACCENTED) + (rnd() < 0.3 ? pick(WORDS) : "");
    return s.normalize(pick(["NFC", "NFD", "NFKC", "NFKD"]));
}
// letters, digits and emoji assigned after Unicode 13 (Java 17's tables): Arabic Extended-B (14), Toto (14),
// Kawi (15), Nag Mundari (15), CJK Ext. H (15), Latin Extended-G (14), Garay (16), emoji 14/15
const NEW_UNICODE = ["\u0870\u0871\u0889", "\u{1E290}\u{1E291}\u{1E2AD}", "\u{11F04}\u{11F05}\u{11F50}\u{11F51}", "\u{1E4D0}\u{1E4F0}\u{1E4F1}",
    "\u{31350}\u{31351}", "\u{1DF00}\u{1DF0A}", "\u{10D50}\u{10D70}\u{10D40}", "\u{1FAE8}\u{1FAF7}\u{1FA75}", "\u{1F6DC}", "\u{2EBF0}",
    "\u0C5D\u0CDD", "\u{16A70}\u{16AC0}\u{16AC9}", "\u{1E030}\u{1E08F}", "\u{11B00}", "\u{1D2C0}\u{1D2C1}\u{1D2E0}", "\u2C2F\u2C5F", "\uA7C0\uA7D0"];
function randomCodePoints() {
    let s = "";
    for (let i = 0, n = 1 + ri(12); i < n; i++) {
        const r = rnd();
        const cp = r < 0.4 ? ri(0x3000) : r < 0.7 ? 0x3000 + ri(0xD800 - 0x3000) : r < 0.8 ? 0xE000 + ri(0x2000) : 0x10000 + ri(0x30000);
        s += String.fromCodePoint(cp);
        if (rnd() < 0.3) s += pick([" ", "a", "1", "'s", "\n", ""]);
    }
    return s;
}
const FRAGMENTS = [["newUnicode", () => pick(NEW_UNICODE) + (rnd() < 0.5 ? pick(WORDS) : "")], ["randcp", randomCodePoints],
    ["script", () => pick(SCRIPTS)], ["emoji", () => pick(EMOJI)], ["ws", whitespace], ["digits", digits],
    ["contraction", () => (rnd() < 0.5 ? pick(WORDS) : "") + pick(CONTRACTIONS)], ["special", specialText],
    ["control", () => pick(CONTROL)], ["surrogate", () => pick(SURR)], ["norm", normalized], ["word", () => pick(WORDS)],
    ["corpus", corpusSlice], ["marks", () => marks()[1]],
];
function mixed() {
    let s = "";
    const kinds = new Set();
    for (let i = 0, n = 1 + ri(12); i < n; i++) {
        const [k, f] = pick(FRAGMENTS);
        kinds.add(k);
        s += f();
        if (rnd() < 0.3) s += pick([" ", "", "\n", "  "]);
    }
    return ["mix:" + [...kinds].sort().join("+"), s];
}
// --marks: text heavy in combining marks, several scripts per text (Devanagari, Thai, Arabic with harakat, Latin with
// U+0300..U+036F, Hangul conjoining jamo), words of base + marks clusters, some English words and punctuation between
const cp = (lo, hi) => String.fromCodePoint(lo + ri(hi - lo + 1));
const MARK_CLUSTERS = [
    () => cp(0x0915, 0x0939) + (rnd() < 0.2 ? "\u093C" : "") + (rnd() < 0.3 ? "\u094D" + cp(0x0915, 0x0939) : "")
        + (rnd() < 0.6 ? cp(0x093E, 0x094C) : "") + (rnd() < 0.2 ? pick(["\u0902", "\u0901", "\u094D"]) : ""),
    () => (rnd() < 0.2 ? cp(0x0E40, 0x0E44) : "") + cp(0x0E01, 0x0E2E) + (rnd() < 0.5 ? pick(["\u0E31", "\u0E34", "\u0E35",
        "\u0E36", "\u0E37", "\u0E38", "\u0E39", "\u0E3A", "\u0E47"]) : "") + (rnd() < 0.4 ? cp(0x0E48, 0x0E4C) : ""),
    () => cp(0x0628, 0x064A) + (rnd() < 0.7 ? cp(0x064B, 0x0652) : "") + (rnd() < 0.2 ? "\u0651" : ""),
    () => pick(["a", "e", "i", "o", "u", "n", "c", "A", "E", "I", "O", "s", "z", "\u0131", "\u0130", "\u03A3", "\u03C3"])
        + Array.from({ length: ri(4) }, () => cp(0x0300, 0x036F)).join(""),
    () => cp(0x1100, 0x1112) + cp(0x1161, 0x1175) + (rnd() < 0.5 ? cp(0x11A8, 0x11C2) : ""),
];
function marks() {
    let s = "";
    for (let w = 0, n = 1 + ri(8); w < n; w++) {
        if (w) s += pick([" ", " ", " ", "  ", ", ", ". ", "\n", "-", ""]);
        if (rnd() < 0.15) { s += pick(WORDS); continue; }
        const cluster = rnd() < 0.7 ? pick(MARK_CLUSTERS) : null; // one script per word, or mixed
        for (let c = 0, m = 1 + ri(5); c < m; c++) s += (cluster ?? pick(MARK_CLUSTERS))();
    }
    if (rnd() < 0.2) s = pick(CONTROL.filter((c) => /\p{M}/u.test(c))) + s;
    return ["marks", rnd() < 0.15 ? s.normalize(pick(["NFC", "NFD"])) : s];
}
// invalid UTF-8 for the byte entry point: a generated text's UTF-8 with stray continuation bytes, cut sequences,
// overlong forms, encoded surrogates, code points past U+10FFFF and bytes F5..FF put in; "text" is what the WHATWG
// decoder (the maximal-subpart replacement of Rust's from_utf8_lossy) makes of "bytes"
const BAD_UTF8 = [[0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xE0, 0x80, 0x80], [0xE0, 0xA0], [0xED, 0xA0, 0x80],
    [0xED, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x9F, 0x98], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xFE], [0xFF],
    [0xE2, 0x82], [0xF0, 0x9F], [0xC3, 0x28], [0xE2, 0x28, 0xA1], [0x00]];
function invalidUtf8() {
    const good = Buffer.from(pick(FRAGMENTS)[1](), "utf8");
    const parts = [];
    let at = 0;
    for (let k = 0, n = 1 + ri(4); k < n; k++) {
        const cut = at + ri(good.length - at + 1);
        parts.push(good.subarray(at, cut), Buffer.from(pick(BAD_UTF8)));
        at = cut;
    }
    parts.push(good.subarray(at));
    const bytes = Buffer.concat(parts);
    return ["bytes", new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes), bytes.toString("base64")];
}
function generate(i) {
    if (args.marks) return marks();
    const r = rnd();
    if (r > 0.95) return invalidUtf8();
    if (r < 0.05) return ["long", longWord()];
    if (r < 0.15) return ["corpus", corpusSlice()];
    if (r < 0.45) { const [k, f] = pick(FRAGMENTS); return [k, f()]; }
    if (r < 0.55) { let t = ""; for (let j = 0, n = 1 + ri(6); j < n; j++) t += specialText() + (rnd() < 0.5 ? pick(WS) : ""); return ["specials", t]; }
    return mixed();
}

const FIXED = [
    "", " ", "  ", "\n", "\t", "a", "'s", "'S", "'LL", "I'M", "WE'LL", "he's", "HE'S", "Don'T", "it'S'S", "'s'll'd",
    "1", "12", "123", "1234", "12345", "123456", "1234567", "\u00a0", "\u3000", "\u2028", " \u00a0 ", "\t\n\r\u00a0\u3000\u2028",
    "\r\n\r\n", "   \n", "\n   ", "a \n b", "\uFFFD", "\uD800", "\uDC00", "\uD800\uD800", "a\uD800b", "\u0000", "\u0000a\u0000",
];

const out = [];
const given = args.texts ? JSON.parse(readFileSync(args.texts, "utf8")) : null; // a JSON array of texts instead of generated ones
const fixed = args.marks ? [] : FIXED;
const total = given ? given.length : N + fixed.length;
for (let i = 0; i < total; i++) {
    const [kind, text, bytes] = given ? ["given", given[i]] : i < fixed.length ? ["fixed", fixed[i]] : generate(i);
    const plain = await encPlain(text);
    const special = await encSpecial(text);
    const rids = [];
    for (let j = 0, n = pick([1, 2, 3, 5, 8, 20]); j < n; j++) rids.push(randomId());
    const offsets = args.offsets ? (await encOffsets(text)) : undefined;
    out.push(JSON.stringify({ i, kind, text, bytes, plain, special, offsets,
        decKeep: await decode(special, false), decSkip: await decode(special, true), decPlain: await decode(plain, false),
        rids, ridKeep: await decode(rids, false), ridSkip: await decode(rids, true) }));
}
writeFileSync(args.out, out.join("\n") + "\n");
console.error(`${args.out}: ${total} texts`);
