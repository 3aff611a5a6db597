"""What the SentencePiece parity scripts share: JSON Lines rows, the ids `./kindling tokenize` gives a corpus, the
documents they compare (the corpora of shared/data and hard Unicode lines), small models trained on the corpora with the
sentencepiece library, and the tokenizer.json transformers' converter writes for one."""
import base64
import glob
import gzip
import json
import os
import re
import subprocess

CORPORA = {"moby-dick": "corpus/moby-dick.jsonl", "sotu": "corpus/sotu.jsonl.gz"}
HARD = [
    "Ｆｕｌｌ－ｗｉｄｔｈ　ＡＢＣ　１２３！",
    "ligatures: ﬁne ﬂow ﬀ ﬃ ﬄ ﬅ ﬆ Ĳ ǆ ﬁ\u0301",
    "combining: e\u0301 a\u0308 o\u0302\u0323 n\u0303 A\u030a \u0301lead",
    "compat: ½ ¼ ² ³ ™ № ℃ ㎏ ㍻ Ⅻ ⑳ ℌ ℍ …‥ ‼ ⁇ ᴬᴮ ₐₑ",
    "arabic presentation: ﻻ ﷺ ﷽ ﺍﻟﺴﻼﻡ",
    "emoji ZWJ: 👨\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈 👍🏽",
    "controls:\u0001\u0002x\u0007y\u001b[0m\u007f\u0085z",
    "tabs\tand\nnewlines\r\nand  many   spaces  ",
    "   leading and trailing   ",
    "\u3000\u3000ideographic\u3000space\u3000",
    "nbsp\u00a0here\u2009thin\u200bzero\u2028ls\u2029ps",
    "halfwidth: ｶﾞｷﾞｸﾞ ﾊﾟ ｱｲｳ",
    "hangul: \u1100\u1161\u11a8 한국어 ㄱㄴ",
    "diaeresis ¨ macron ¯ acute ´ cedilla ¸ after space",
    "Greek ΣΑΣ ς ὈΔΥΣΣΕΎΣ µ Ω K Å; German STRASSE Straße ẞ; Turkish İstanbul ı",
    "math 𝐀𝐁𝐂 𝔄𝔅 𝟙𝟚 ℝ circled ⓐⓑⓒ Ⓐ ㊀ ㈱",
    "surrogates \ud800 alone \udfff and \ud83d",
    "",
    " ",
    "\u2581literal mark\u2581",
    "user-defined: a<sep>b ＡＢＣ ﬁne a b a  b",
    "CJK compat 兀 﨎 丽; Thai ภาษาไทย; Devanagari हिन्दी क़",
    "replacement \ufffd and bom \ufeff inside",
]
# Where grapheme clusters (UAX #29) of Unicode 17, Rust's unicode-segmentation 1.13 that HF tokenizers 0.23.2 walks in
# its Precompiled normalizer, differ from Java 17's \X (Unicode 13): marks, prepend characters and spacing marks of
# Unicode 14 to 17 after a character the map has a key for, Indic conjuncts (GB9c), Hangul, emoji sequences, regional
# indicators, CR LF and controls before a mark, characters Java 17 does not know before a mark
GRAPHEMES = [
    "new marks after a mapped character: \u00aa\u1ac1 x\u00b2\u1dfa \u00bc\u0898 \u00a0\u0c3c \u00b5\u1acf \ufb01\u1ae0 \u2126\u0ece",
    "a decomposed accent, then a new mark: e\u0301\u1ac1 a\u0308\u1dfa o\u0302\u0cf3 n\u0303\u0ece A\u030a\u180f",
    "new marks in the astral planes: \u00aa\U00011f00 \u00b2\U00013440 \u00b3\U0001e4ec \u00b9\U0001cf00",
    "prepend: \u0600\u0661 \u0890e\u0301 \u0891\u00aa \u06dd\u0662 \u0890\u00a0x \U000110bd1",
    "spacing marks: \u00aa\u0903 \u0915\u093e \u0d15\u0d3e x\u0e33 \u00b2\u1715 \u00bd\u1734",
    "Indic conjuncts: \u0915\u094d\u0937 \u0915\u094d\u200d\u0937 \u0924\u094d\u0930 \u0995\u09cd\u09b7 "
    "\u099c\u09cd\u099e \u0a9c\u0acd\u0a9e \u0b37\u0b4d\u0b1f \u0c15\u0c4d\u0c37 \u0d15\u0d4d\u0d37 \u0915\u094d\u0937\u0301",
    "Hangul: \u1100\u1161\u11a8 \ud55c\u11a8 \u1100\u1100\u1161 \uac00\u0301 \u1100\u0301 \ua960\ud7b0\ud7cb",
    "emoji: \U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f3f3\ufe0f\u200d\U0001f308 \U0001f44d\U0001f3fd "
    "\U0001fae0 \U0001faf1\U0001f3fb\u200d\U0001faf2\U0001f3ff \U0001fa77 \U0001f426\u200d\U0001f525 "
    "\U0001f642\u200d\u2195\ufe0f \u00a9\u200d\u00a9 \u00a9\ufe0f \u00ae\u200d\u2640 \u00a9\u0301\u200d\u00a9\u0301",
    "regional indicators: \U0001f1ef\U0001f1f5\U0001f1eb\U0001f1f7 \U0001f1fa \U0001f1fa\U0001f1f8\U0001f1ec "
    "\U0001f1ea\U0001f1fa\U0001f1ea\u0301",
    "CR LF and controls: a\r\nb \r\u0301 \n\u0301 \u0001\u0301 \u00ad\u0301 \u200b\u0301 \u2060\u0301 "
    "\ufeff\u0301 \u200c\u0301 \u2065\u0301",
    "keycaps and tags: 1\ufe0f\u20e3 #\u20e3 \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f "
    "\u00aa\U000e0020",
    "new to Java 17 before a mark: \u0870\u064e \u08c9\u0301 \u0c5d\u0301 \ua7c0\u0301 \u2c2f\u0308 "
    "\U00010780\u0301 unassigned \u0378\u0301 \u05ff\u0301",
]
LONE = re.compile("[\ud800-\udfff]")


def rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def documents(shared):
    """Per corpus (moby-dick, sotu, hard-unicode) its documents, ids prefixed by the corpus; an unpaired surrogate is
    U+FFFD (sentencepiece cannot take one, and the command refuses a row that escapes one)."""
    corpora = {c: rows(os.path.join(shared, "data", p)) for c, p in CORPORA.items()}
    corpora["hard-unicode"] = [{"id": i, "text": line} for i, line in enumerate(HARD)]
    return {c: [{"id": "%s:%s" % (c, d["id"]), "text": LONE.sub("\ufffd", d["text"])} for d in ds]
            for c, ds in corpora.items()}


def write_rows(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for ds in docs.values():
            for d in ds:
                f.write(json.dumps(d) + "\n")
    return path


def train(shared, tmp, models):
    """sentencepiece models (vocabulary 2000) trained on the corpora, one per name: its trainer options."""
    import sentencepiece
    text = os.path.join(tmp, "train.txt")
    with open(text, "w", encoding="utf-8") as f:
        for cfile in CORPORA.values():
            for d in rows(os.path.join(shared, "data", cfile)):
                f.write("\n".join(l for l in d["text"].split("\n") if l.strip()) + "\n")
    files = {}
    for name, opts in models.items():
        prefix = os.path.join(tmp, name)
        sentencepiece.SentencePieceTrainer.train(input=text, model_prefix=prefix, vocab_size=2000, num_threads=1,
                                                 input_sentence_size=200000, shuffle_input_sentence=True,
                                                 minloglevel=2, **opts)
        files[name] = prefix + ".model"
    return files


def kindling_ids(model, corpus, out):
    subprocess.run(["./kindling", "tokenize", "--no-progress", "--split-special-tokens", "--tokenizer", model,
                    "--input", corpus, "--output", out, "--format", "jsonl"], check=True, stdout=subprocess.DEVNULL)
    ids = {}
    for part in sorted(glob.glob(os.path.join(out, "part-*"))):
        for r in rows(part):
            ids[r["id"]] = r["ids"]
    return ids


def field(data, number):
    """The bytes of the first length-delimited field `number` of a protobuf message (enough for ModelProto)."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        wire = key & 7
        if wire == 0:
            _, i = varint(data, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = varint(data, i)
            if key >> 3 == number:
                return data[i:i + n]
            i += n
        else:
            raise ValueError("wire type %d" % wire)
    return b""


def varint(data, i):
    v, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, i


def charsmap(model_file):
    """The model's normalizer_spec.precompiled_charsmap, base64 as a tokenizer.json holds it."""
    with open(model_file, "rb") as f:
        return base64.b64encode(field(field(f.read(), 3), 2)).decode("ascii")


def converted_json(model_file, out, normalizers):
    """The tokenizer.json transformers' SpmConverter writes for a UNIGRAM model, with the given normalizer steps (T5 and
    XLM-R: Precompiled, Replace; ALBERT and XLNet have more before the map), in folder `out`."""
    import sentencepiece
    sp = sentencepiece.SentencePieceProcessor(model_file=model_file)
    special = [i for i in range(sp.get_piece_size()) if sp.is_control(i) or sp.is_unknown(i)]
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": sp.id_to_piece(i), "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True} for i in special],
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": None,
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": sp.unk_id(), "byte_fallback": False,
                  "vocab": [[sp.id_to_piece(i), sp.get_score(i)] for i in range(sp.get_piece_size())]},
    }
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    return out
