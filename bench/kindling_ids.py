"""What the SentencePiece parity scripts share: JSON Lines rows, and the ids `./kindling tokenize` gives a corpus."""
import glob
import gzip
import json
import os
import subprocess


def rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def kindling_ids(model, corpus, out):
    subprocess.run(["./kindling", "tokenize", "--no-progress", "--split-special-tokens", "--tokenizer", model,
                    "--input", corpus, "--output", out, "--format", "jsonl"], check=True, stdout=subprocess.DEVNULL)
    ids = {}
    for part in sorted(glob.glob(os.path.join(out, "part-*"))):
        for r in rows(part):
            ids[r["id"]] = r["ids"]
    return ids
