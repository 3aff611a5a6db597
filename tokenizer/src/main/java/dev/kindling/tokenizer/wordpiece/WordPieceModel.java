package dev.kindling.tokenizer.wordpiece;

import dev.kindling.tokenizer.bpe.IntBuffer;
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
    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final int unkId;
    private final String unkToken;
    private final String prefix;
    private final int maxInputCharsPerWord;
    /** The longest key of the vocabulary, in chars: no longer piece can match, so none is looked up. */
    private final int maxKeyChars;

    public WordPieceModel(Map<String, Integer> vocab, String unkToken, String continuingSubwordPrefix, int maxInputCharsPerWord) {
        this.vocab = vocab;
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
        Integer unk = vocab.get(unkToken);
        if (unk == null) {
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
        String word = text.subSequence(from, to).toString();
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            // the match is tried from the longest piece down, but none longer than a key: a word of n characters took
            // n²/2 lookups of as many new strings (BERT on 10 MB of base64: 12 s and 24 GB allocated)
            int end = (int) Math.min(word.length(), (long) start + maxKeyChars);
            if (end < word.length() && Character.isLowSurrogate(word.charAt(end)) && Character.isHighSurrogate(word.charAt(end - 1))) {
                end--; // not inside a surrogate pair
            }
            int found = -1;
            while (start < end) {
                String sub = word.substring(start, end);
                Integer id = vocab.get(start > 0 ? prefix + sub : sub);
                if (id != null) {
                    found = id;
                    break;
                }
                end -= Character.charCount(word.codePointBefore(end));
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
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
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
