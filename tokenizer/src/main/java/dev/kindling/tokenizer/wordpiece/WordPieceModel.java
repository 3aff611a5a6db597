package dev.kindling.tokenizer.wordpiece;

import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.VocabMap;
import dev.kindling.tokenizer.bpe.Workspace;
import dev.kindling.tokenizer.hf.Model;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Hugging Face's WordPiece model (BERT, BGE): greedy longest-match-first from the start of the
 * piece, later sub-words looked up with the continuing-subword prefix ({@code ##}); a piece that
 * cannot be covered, or is longer than {@code max_input_chars_per_word} characters, becomes the
 * unknown token.
 */
public final class WordPieceModel implements Model {
    /** Pieces are looked up in the text itself ({@link VocabMap#getConcat}), building no string per try. */
    private final VocabMap vocab;
    private final String[] tokens;
    private final int unkId;
    private final String unkToken;
    private final String prefix;
    private final int maxInputCharsPerWord;
    /** The longest key of the vocabulary, in chars: no longer piece can match, so none is looked up. */
    private final int maxKeyChars;

    public WordPieceModel(Map<String, Integer> vocab, String unkToken, String continuingSubwordPrefix, int maxInputCharsPerWord) {
        this.vocab = VocabMap.of(vocab);
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        this.tokens = new String[size];
        vocab.forEach((k, v) -> tokens[v] = k);
        int longest = 0;
        for (String k : vocab.keySet()) {
            longest = Math.max(longest, k.length());
        }
        this.maxKeyChars = longest;
        int unk = this.vocab.get(unkToken);
        if (unk < 0) {
            throw new IllegalArgumentException("unk_token \"" + unkToken + "\" is not in the vocab");
        }
        this.unkId = unk;
        this.unkToken = unkToken;
        this.prefix = continuingSubwordPrefix == null ? "##" : continuingSubwordPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
    }

    public String prefix() {
        return prefix;
    }

    @Override
    public void encode(CharSequence text, int from, int to, IntBuffer out, Workspace ws) {
        if (from >= to) {
            return;
        }
        if (Character.codePointCount(text, from, to) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int start = from;
        while (start < to) {
            // the match is tried from the longest piece down, but none longer than a key: a word of n characters took
            // n²/2 lookups of as many new strings (BERT on 10 MB of base64: 12 s and 24 GB allocated)
            int end = (int) Math.min(to, (long) start + maxKeyChars);
            if (end < to && Character.isLowSurrogate(text.charAt(end)) && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--; // not inside a surrogate pair
            }
            int found = -1;
            while (start < end) {
                found = vocab.getConcat(start > from ? prefix : "", text, start, end);
                if (found >= 0) {
                    break;
                }
                boolean pair = end - 1 > from && Character.isLowSurrogate(text.charAt(end - 1)) && Character.isHighSurrogate(text.charAt(end - 2));
                end -= pair ? 2 : 1; // one code point of the word shorter
            }
            if (found < 0) {
                // one uncovered position makes the whole word unknown
                out.truncate(mark);
                out.add(unkId);
                return;
            }
            out.add(found);
            start = end;
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
        return vocab.get(token);
    }

    @Override
    public byte[] tokenBytes(int id) {
        String t = idToToken(id);
        if (t == null) {
            return null;
        }
        return (t.startsWith(prefix) ? t.substring(prefix.length()) : t).getBytes(StandardCharsets.UTF_8);
    }

    public String unkToken() {
        return unkToken;
    }
}
