#!/usr/bin/env python3
"""Kindling's ids for SentencePiece models with a character map (precompiled_charsmap) against the real libraries'.

No such model is in shared/data, and none is committed: this trains small ones with the sentencepiece library into a
temporary folder (vocabulary 2000 on the two corpora): UNIGRAM and BPE with the default nmt_nfkc and with nfkc_cf (case
folding), a UNIGRAM one without add_dummy_prefix and remove_extra_whitespaces, and a BPE one with user-defined pieces
(full-width "ＡＢ", the ligature "ﬁ", "<sep>") and byte fallback. Each is run through `./kindling tokenize
--split-special-tokens` (sentencepiece never reads "<s>" in text as the token) on the corpora of shared/data/corpus and on
a file of hard Unicode lines written here (full-width forms, ligatures, combining marks, compatibility characters, Arabic
presentation forms, emoji with ZWJ, control characters, unpaired surrogates), and compared with sentencepiece's ids
document by document. The three go through the command as one input (one Spark start per model). An unpaired surrogate
is U+FFFD for both: sentencepiece cannot take one, and the command refuses a row that escapes one (naming the line;
the library's encode reads it as U+FFFD).

With --hf REF_DIR (a folder where shared/tools/ref is installed: `npm ci` done), the UNIGRAM nmt_nfkc model is also
written as Hugging Face's converter writes a T5/ALBERT tokenizer.json (normalizer Sequence[Precompiled, Replace(" {2,}",
" ")], Metaspace pre-tokenizer, Unigram model) and Kindling's ids for that file are compared with HF tokenizers' (Rust).

Needs the sentencepiece Python module (Debian: python3-sentencepiece), which no test uses. Prints per model and corpus
"N/M documents identical" and the first differences; exits 1 when any document differs.
Usage, from the repository root: bench/spm-charsmap-parity.py [SHARED_DIR] [--hf REF_DIR]   (default: ../shared)
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

import sentencepiece

from kindling_ids import kindling_ids, rows  # bench/, the scripts' folder, is on sys.path

ARGS = [a for a in sys.argv[1:]]
HF = None
if "--hf" in ARGS:
    HF = ARGS[ARGS.index("--hf") + 1]
    del ARGS[ARGS.index("--hf"):ARGS.index("--hf") + 2]
SHARED = ARGS[0] if ARGS else os.path.join("..", "shared")
CORPORA = {"moby-dick": "corpus/moby-dick.jsonl", "sotu": "corpus/sotu.jsonl.gz"}
MODELS = {
    "unigram-nmt_nfkc": dict(model_type="unigram"),
    "bpe-nmt_nfkc": dict(model_type="bpe"),
    "unigram-nfkc_cf": dict(model_type="unigram", normalization_rule_name="nfkc_cf"),
    "bpe-nfkc_cf": dict(model_type="bpe", normalization_rule_name="nfkc_cf"),
    "unigram-nmt_nfkc-keep-spaces": dict(model_type="unigram", add_dummy_prefix=False, remove_extra_whitespaces=False),
    "bpe-nmt_nfkc-user-defined-bytes": dict(model_type="bpe", byte_fallback=True,
                                            user_defined_symbols=["<sep>", "\uff21\uff22", "\ufb01", "a b"]),
}
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
LONE = re.compile("[\ud800-\udfff]")


def compare(name, docs, expected, got):
    """Ids per document; a blank text, which the command sets aside (read:empty_text) and writes no row for, is left
    out of the count when it has no row."""
    blank = [d for d in docs if not d["text"].strip() and d["id"] not in got]
    docs = [d for d in docs if d not in blank]
    same, tokens, diffs = 0, 0, []
    for d in docs:
        e = expected[d["id"]]
        tokens += len(e)
        ids = got.get(d["id"])
        if ids == e:
            same += 1
        elif len(diffs) < 3:
            k = next((i for i, (a, b) in enumerate(zip(ids or [], e)) if a != b), min(len(ids or []), len(e)))
            diffs.append("  %s: first difference at token %d: %s vs %s" % (d["id"], k, (ids or [])[k:k + 4], e[k:k + 4]))
    print("%s: %d/%d documents identical (%d reference tokens)%s" % (name, same, len(docs), tokens,
          ", %d blank set aside" % len(blank) if blank else ""))
    print("\n".join(diffs)) if diffs else None
    return same == len(docs)


def train(tmp):
    text = os.path.join(tmp, "train.txt")
    with open(text, "w", encoding="utf-8") as f:
        for cfile in CORPORA.values():
            for d in rows(os.path.join(SHARED, "data", cfile)):
                f.write("\n".join(l for l in d["text"].split("\n") if l.strip()) + "\n")
    models = {}
    for name, opts in MODELS.items():
        prefix = os.path.join(tmp, name)
        sentencepiece.SentencePieceTrainer.train(input=text, model_prefix=prefix, vocab_size=2000, num_threads=1,
                                                 input_sentence_size=200000, shuffle_input_sentence=True,
                                                 minloglevel=2, **opts)
        models[name] = prefix + ".model"
    return models


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


def hf_json(model_file, out):
    """The tokenizer.json transformers' SpmConverter writes for a UNIGRAM model (T5, ALBERT)."""
    sp = sentencepiece.SentencePieceProcessor(model_file=model_file)
    with open(model_file, "rb") as f:
        charsmap = field(field(f.read(), 3), 2)
    special = [i for i in range(sp.get_piece_size()) if sp.is_control(i) or sp.is_unknown(i)]
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": sp.id_to_piece(i), "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True} for i in special],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
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


def main():
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        corpora = {c: rows(os.path.join(SHARED, "data", p)) for c, p in CORPORA.items()}
        corpora["hard-unicode"] = [{"id": i, "text": line} for i, line in enumerate(HARD)]
        docs = {c: [{"id": "%s:%s" % (c, d["id"]), "text": LONE.sub("\ufffd", d["text"])} for d in ds]
                for c, ds in corpora.items()}
        everything = os.path.join(tmp, "all.jsonl")
        with open(everything, "w", encoding="utf-8") as f:
            for ds in docs.values():
                for d in ds:
                    f.write(json.dumps(d) + "\n")
        models = train(tmp)
        for mname, model in models.items():
            sp = sentencepiece.SentencePieceProcessor(model_file=model)
            got = kindling_ids(model, everything, os.path.join(tmp, "out-" + mname))
            for cname, ds in docs.items():
                expected = {d["id"]: sp.encode(d["text"]) for d in ds}
                ok &= compare("%s on %s" % (mname, cname), ds, expected, got)
        if HF:
            folder = hf_json(models["unigram-nmt_nfkc"], os.path.join(tmp, "hf-unigram-nmt_nfkc"))
            ref = os.path.join(tmp, "hf-ids.jsonl")
            subprocess.run(["node", os.path.join(HF, "hf_tokenizers.mjs"), "--tokenizer",
                            os.path.join(folder, "tokenizer.json"), "--input", everything, "--out", ref,
                            "--repeat", "1", "--warmup", "0"], check=True, stdout=subprocess.DEVNULL)
            expected = {r["id"]: r["ids"] for r in rows(ref)}
            got = kindling_ids(os.path.join(folder, "tokenizer.json"), everything, os.path.join(tmp, "out-hf"))
            for cname, ds in docs.items():
                ok &= compare("tokenizer.json (Precompiled) vs HF tokenizers 0.23.2 on %s" % cname, ds, expected, got)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
