"""Writes word_tokenizer_reference.tsv: for the first 1500 non-blank lines of each corpus file
(texts split on "\n", in file order), the number of tokens NLTK's NLTKWordTokenizer gives and the
first 12 hex digits of sha1("\x01".join(tokens)). Tokens themselves are not stored (they would copy
the corpus).

Run with Debian's python3-nltk (3.8):
  /usr/bin/python3 word_tokenizer_reference.py /work/shared/data/corpus > ../resources/dev/kindling/dedup/word_tokenizer_reference.tsv
"""
import gzip
import hashlib
import json
import sys

import nltk
from nltk.tokenize import NLTKWordTokenizer

tok = NLTKWordTokenizer()
root = sys.argv[1]
print(f"# nltk {nltk.__version__} NLTKWordTokenizer().tokenize(line); file<TAB>line index<TAB>tokens<TAB>sha1 prefix")
for name in ("moby-dick.jsonl", "sotu.jsonl.gz"):
    opener = gzip.open if name.endswith(".gz") else open
    k = 0
    with opener(f"{root}/{name}", "rt", encoding="utf-8") as f:
        for line in f:
            for text_line in json.loads(line)["text"].split("\n"):
                if k >= 1500:
                    break
                if not text_line.strip():
                    continue
                tokens = tok.tokenize(text_line)
                digest = hashlib.sha1("\x01".join(tokens).encode("utf-8")).hexdigest()[:12]
                print(f"{name}\t{k}\t{len(tokens)}\t{digest}")
                k += 1
