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
import os
import subprocess
import sys
import tempfile

import sentencepiece

# bench/, the scripts' folder, is on sys.path
from kindling_ids import charsmap, converted_json, documents, kindling_ids, rows, train, write_rows

ARGS = [a for a in sys.argv[1:]]
HF = None
if "--hf" in ARGS:
    HF = ARGS[ARGS.index("--hf") + 1]
    del ARGS[ARGS.index("--hf"):ARGS.index("--hf") + 2]
SHARED = ARGS[0] if ARGS else os.path.join("..", "shared")
MODELS = {
    "unigram-nmt_nfkc": dict(model_type="unigram"),
    "bpe-nmt_nfkc": dict(model_type="bpe"),
    "unigram-nfkc_cf": dict(model_type="unigram", normalization_rule_name="nfkc_cf"),
    "bpe-nfkc_cf": dict(model_type="bpe", normalization_rule_name="nfkc_cf"),
    "unigram-nmt_nfkc-keep-spaces": dict(model_type="unigram", add_dummy_prefix=False, remove_extra_whitespaces=False),
    "bpe-nmt_nfkc-user-defined-bytes": dict(model_type="bpe", byte_fallback=True,
                                            user_defined_symbols=["<sep>", "\uff21\uff22", "\ufb01", "a b"]),
}


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


def hf_json(model_file, out):
    """The tokenizer.json transformers' SpmConverter writes for a UNIGRAM model (T5, XLM-R)."""
    return converted_json(model_file, out, [{"type": "Precompiled", "precompiled_charsmap": charsmap(model_file)},
                                            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}])


def main():
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        docs = documents(SHARED)
        everything = write_rows(os.path.join(tmp, "all.jsonl"), docs)
        models = train(SHARED, tmp, MODELS)
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
