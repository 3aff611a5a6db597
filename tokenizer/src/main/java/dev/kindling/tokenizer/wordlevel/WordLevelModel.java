package dev.kindling.tokenizer.wordlevel;

import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.Workspace;
import dev.kindling.tokenizer.hf.Model;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Hugging Face's WordLevel model: each piece is one vocabulary entry, or the unknown token. */
public final class WordLevelModel implements Model {
    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final int unkId;

    public WordLevelModel(Map<String, Integer> vocab, String unkToken) {
        this.vocab = vocab;
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        this.tokens = new String[size];
        vocab.forEach((k, v) -> tokens[v] = k);
        Integer unk = unkToken == null ? null : vocab.get(unkToken);
        this.unkId = unk == null ? -1 : unk;
    }

    @Override
    public void encode(CharSequence text, int from, int to, IntBuffer out, Workspace ws) {
        if (from >= to) {
            return;
        }
        Integer id = vocab.get(text.subSequence(from, to).toString());
        if (id != null) {
            out.add(id);
        } else if (unkId >= 0) {
            out.add(unkId);
        } else {
            throw new IllegalArgumentException("WordLevel: \"" + text.subSequence(from, to) + "\" is not in the vocab and there is no unk_token");
        }
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    @Override
    public int tokenToId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public byte[] tokenBytes(int id) {
        String t = idToToken(id);
        return t == null ? null : t.getBytes(StandardCharsets.UTF_8);
    }
}
