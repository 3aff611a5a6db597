#!/usr/bin/env python3
"""Kindling's ids and offsets against Hugging Face tokenizers' (0.23.2, the Rust library) through normalizer sequences.

Trains a UNIGRAM nmt_nfkc model (vocabulary 2000) on the corpora of shared/data with the sentencepiece library, as
bench/spm-charsmap-parity.py does, and writes it as transformers' converter writes tokenizer.json files whose normalizer
has steps before and after the character map: T5's (Precompiled, Replace(" {2,}", " ")), ALBERT's (Replace `` and '' by
", NFKD, StripAccents, Lowercase, Precompiled, Replace), XLNet's (ALBERT's without Lowercase), and a Replace-before-NFC
one (Replace(" {2,}", " "), Replace('' by "), NFC); also BERT's (BertNormalizer, BertPreTokenizer, WordPiece: the
wordpiece-bert.json that tokenizer/src/test/resources/offsets/make-hf-offsets.mjs built with HF from Moby Dick) and it
with NFKC after the BertNormalizer. Each runs over the Moby Dick and SOTU documents and the hard Unicode lines
(bench/kindling_ids.py) and lines where grapheme clusters of Unicode 17 (HF's) and of Java 17's \\X differ
(kindling_ids.GRAPHEMES), through bench/hf_offsets.mjs and bench/KindlingOffsets.java (the tokenizer module's
encodeWithOffsets, offsets counted in code points as HF counts them). Prints per layout and corpus the documents whose
ids are equal and those whose offsets are too, and the first differing token of a few; exits 1 when any differs.

Needs the sentencepiece Python module (Debian: python3-sentencepiece), the tokenizer module built (its classes and
dependencies: `mvn -pl tokenizer dependency:build-classpath -Dmdep.outputFile=FILE`) and shared/tools/ref installed.
Usage, from the repository root (--model: a trained model to reuse, or where to keep the one trained):
  bench/normalizer-offsets-parity.py REF_DIR CLASSPATH_FILE [SHARED_DIR] [--model FILE]   (default: ../shared)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

# bench/, the scripts' folder, is on sys.path
from kindling_ids import GRAPHEMES, charsmap, converted_json, documents, rows, train, write_rows

ARGS = sys.argv[1:]
MODEL = None
if "--model" in ARGS:
    MODEL = ARGS[ARGS.index("--model") + 1]
    del ARGS[ARGS.index("--model"):ARGS.index("--model") + 2]
REF, CLASSPATH = ARGS[0], open(ARGS[1]).read().strip()
SHARED = ARGS[2] if len(ARGS) > 2 else os.path.join("..", "shared")
BENCH = os.path.dirname(os.path.abspath(__file__))
BERT = os.path.join(BENCH, "..", "tokenizer", "src", "test", "resources", "offsets", "wordpiece-bert.json")


def replace(pattern, content, regex=False):
    return {"type": "Replace", "pattern": {"Regex" if regex else "String": pattern}, "content": content}


SPACES = replace(" {2,}", " ", regex=True)
QUOTES = [replace("``", '"'), replace("''", '"')]


def layouts(model, tmp):
    """Per layout its tokenizer.json."""
    cmap = {"type": "Precompiled", "precompiled_charsmap": charsmap(model)}
    accents = [{"type": "NFKD"}, {"type": "StripAccents"}]
    steps = {
        "t5": [cmap, SPACES],
        "albert": QUOTES + accents + [{"type": "Lowercase"}, cmap, SPACES],
        "xlnet": QUOTES + accents + [cmap, SPACES],
        "replace-nfc": [SPACES, replace("''", '"'), {"type": "NFC"}],
    }
    files = {name: os.path.join(converted_json(model, os.path.join(tmp, name), s), "tokenizer.json")
             for name, s in steps.items()}
    files["bert"] = BERT
    with open(BERT, encoding="utf-8") as f:
        bert = json.load(f)
    bert["normalizer"] = {"type": "Sequence", "normalizers": [bert["normalizer"], {"type": "NFKC"}]}
    files["bert-nfkc"] = os.path.join(tmp, "bert-nfkc.json")
    with open(files["bert-nfkc"], "w", encoding="utf-8") as f:
        json.dump(bert, f, ensure_ascii=False)
    return files


def encodings(command, out, cwd=None):
    with open(out, "w", encoding="utf-8") as f:
        subprocess.run(command, check=True, stdout=f, cwd=cwd)
    return {r["id"]: r for r in rows(out)}


def main():
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        docs = documents(SHARED)
        docs["graphemes"] = [{"id": "graphemes:%d" % i, "text": t} for i, t in enumerate(GRAPHEMES)]
        everything = write_rows(os.path.join(tmp, "all.jsonl"), docs)
        if MODEL and os.path.exists(MODEL):
            model = MODEL
        else:
            model = train(SHARED, tmp, {"unigram-nmt_nfkc": dict(model_type="unigram")})["unigram-nmt_nfkc"]
            if MODEL:
                shutil.copy(model, MODEL)
        for name, tok in layouts(model, tmp).items():
            hf = encodings(["node", os.path.join(BENCH, "hf_offsets.mjs"), os.path.abspath(tok), everything],
                           os.path.join(tmp, name + "-hf.jsonl"), cwd=REF)
            kd = encodings(["java", "-cp", CLASSPATH, os.path.join(BENCH, "KindlingOffsets.java"), tok, everything],
                           os.path.join(tmp, name + "-kindling.jsonl"))
            for corpus, ds in docs.items():
                same_ids, same, diffs = 0, 0, []
                for d in ds:
                    h, k = hf[d["id"]], kd[d["id"]]
                    same_ids += h["ids"] == k["ids"]
                    same += h["ids"] == k["ids"] and h["offsets"] == k["offsets"]
                    if (h["ids"], h["offsets"]) != (k["ids"], k["offsets"]) and len(diffs) < 3:
                        hk, kk = list(zip(h["ids"], h["offsets"])), list(zip(k["ids"], k["offsets"]))
                        i = next((i for i, (a, b) in enumerate(zip(hk, kk)) if a != b), min(len(hk), len(kk)))
                        diffs.append("  %s token %d: HF %s, Kindling %s" % (d["id"], i, hk[i:i + 2], kk[i:i + 2]))
                print("%s on %s: ids %d/%d, ids and offsets %d/%d" % (name, corpus, same_ids, len(ds), same, len(ds)))
                print("\n".join(diffs)) if diffs else None
                ok &= same == len(ds)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
