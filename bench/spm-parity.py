#!/usr/bin/env python3
"""Kindling's ids for SentencePiece tokenizer.model files against the sentencepiece library's, document by document.

Runs `./kindling tokenize --split-special-tokens` (sentencepiece never reads `<s>` in text as the token) over the
corpora in shared/data/corpus with Llama 2's and tok512's tokenizer.model, encodes the same texts with sentencepiece
(no BOS, as the command without --add-special-tokens) and prints, per model and corpus, how many documents have
identical ids and the first difference of the others. Exits 1 when any document differs.

Needs the sentencepiece Python module (Debian: apt-get install python3-sentencepiece; pip: sentencepiece), which no
test uses. Usage, from the repository root: bench/spm-parity.py [SHARED_DIR]   (default: ../shared)
"""
import os
import sys
import tempfile

import sentencepiece

from kindling_ids import kindling_ids, rows  # bench/, the scripts' folder, is on sys.path

SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared")
DATA = os.path.join(SHARED, "data")
MODELS = {"llama2": "llama2c/llama2-tokenizer/tokenizer.model", "tok512": "llama2c/tok512.model"}
CORPORA = {"moby-dick": "corpus/moby-dick.jsonl", "sotu": "corpus/sotu.jsonl.gz"}


def main():
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for cname, cfile in CORPORA.items():
            docs = rows(os.path.join(DATA, cfile))
            for mname, mfile in MODELS.items():
                model = os.path.join(DATA, mfile)
                sp = sentencepiece.SentencePieceProcessor(model_file=model)
                got = kindling_ids(model, os.path.join(DATA, cfile), os.path.join(tmp, mname + "-" + cname))
                same, tokens, diffs = 0, 0, []
                for d in docs:
                    expected = sp.encode(d["text"])
                    tokens += len(expected)
                    ids = got.get(d["id"])
                    if ids == expected:
                        same += 1
                    elif len(diffs) < 3:
                        k = next((i for i, (a, b) in enumerate(zip(ids or [], expected)) if a != b), min(len(ids or []), len(expected)))
                        diffs.append("  %s: first difference at token %d" % (d["id"], k))
                print("%s on %s: %d/%d documents identical (%d sentencepiece tokens)" % (mname, cname, same, len(docs), tokens))
                print("\n".join(diffs)) if diffs else None
                failed |= same != len(docs)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
