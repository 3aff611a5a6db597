package dev.kindling.tokenizer.hf;

import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.text.HfUnicode;
import dev.kindling.tokenizer.text.StringTrie;
import dev.kindling.tokenizer.text.Unicode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The added tokens of a tokenizer.json and how Hugging Face finds them in text
 * ({@code AddedVocabulary::find_matches}): leftmost-longest matching, first the tokens with
 * {@code normalized=false} on the raw input, then those with {@code normalized=true} on each
 * normalized piece; {@code single_word} rejects matches inside a word, {@code lstrip}/{@code rstrip}
 * swallow the whitespace before/after. With special parsing off (HF {@code encode_special_tokens})
 * special tokens are not matched.
 */
public final class AddedVocabulary {
    private final List<AddedToken> tokens;
    private final Map<Integer, AddedToken> byId = new HashMap<>();
    private final Map<String, AddedToken> byContent = new HashMap<>();
    private final AddedToken[] trieTokens;
    /** The normalized content of normalized tokens, by id (HF's {@code id_to_token} for them). */
    private final Map<Integer, String> normalizedText = new HashMap<>();
    private final StringTrie raw;
    private final StringTrie normalized;

    public AddedVocabulary(List<AddedToken> tokens) {
        this(tokens, null);
    }

    /**
     * @param normalizer the tokenizer's normalizer (null: none). As in HF ({@code refresh_added_tokens}), a
     *     {@code normalized=true} token is searched for as its content after this normalizer, since it is matched
     *     against normalized text: with Llama 2's Prepend + Replace, "a b" is found as "▁a▁b"; with a lowercasing
     *     normalizer, "[NEW]" as "[new]". Its id is still looked up by the content as written, but HF's
     *     {@code id_to_token}, and so its decode, give the normalized form ({@link #text}).
     */
    public AddedVocabulary(List<AddedToken> tokens, dev.kindling.tokenizer.normalize.Normalizer normalizer) {
        this.tokens = List.copyOf(tokens);
        List<String> rawKeys = new ArrayList<>();
        List<Integer> rawVals = new ArrayList<>();
        List<String> normKeys = new ArrayList<>();
        List<Integer> normVals = new ArrayList<>();
        this.trieTokens = tokens.toArray(AddedToken[]::new);
        for (int i = 0; i < trieTokens.length; i++) {
            AddedToken t = trieTokens[i];
            byId.put(t.id(), t);
            byContent.put(t.content(), t);
            if (t.normalized()) {
                String key = normalizer == null ? t.content() : normalizer.normalize(t.content());
                normalizedText.put(t.id(), key);
                if (key.isEmpty()) {
                    continue; // normalized to nothing: it can match nothing
                }
                normKeys.add(key);
                normVals.add(i);
            } else {
                rawKeys.add(t.content());
                rawVals.add(i);
            }
        }
        this.raw = StringTrie.build(rawKeys, rawVals.stream().mapToInt(Integer::intValue).toArray());
        this.normalized = StringTrie.build(normKeys, normVals.stream().mapToInt(Integer::intValue).toArray());
    }

    public List<AddedToken> tokens() {
        return tokens;
    }

    public AddedToken byId(int id) {
        return byId.get(id);
    }

    /** The token's text as HF's {@code id_to_token} gives it (and decode uses): the normalized content of a normalized token. */
    public String text(AddedToken t) {
        return normalizedText.getOrDefault(t.id(), t.content());
    }

    public AddedToken byContent(String content) {
        return byContent.get(content);
    }

    public boolean isEmpty() {
        return tokens.isEmpty();
    }

    public boolean hasNormalizedTokens() {
        return !normalized.isEmpty();
    }

    public boolean hasRawTokens() {
        return !raw.isEmpty();
    }

    /** Splits {@code s[from, to)} by the raw (non-normalized) tokens; see {@link #split}. */
    public void splitRaw(CharSequence s, int from, int to, boolean parseSpecial, IntBuffer out) {
        split(raw, s, from, to, parseSpecial, out);
    }

    public void splitNormalized(CharSequence s, int from, int to, boolean parseSpecial, IntBuffer out) {
        split(normalized, s, from, to, parseSpecial, out);
    }

    /**
     * Appends triples {@code (start, end, id)} to {@code out}: id -1 for text, else the added token
     * (its span includes stripped whitespace). Empty text spans are left out.
     */
    private void split(StringTrie trie, CharSequence s, int from, int to, boolean parseSpecial, IntBuffer out) {
        int startOffset = from;
        int i = from;
        if (!trie.isEmpty()) {
            while (i < to) {
                if (!trie.startsKey(s.charAt(i))) {
                    i++;
                    continue;
                }
                long m = trie.longestAt(s, i, to);
                if (m < 0) {
                    i++;
                    continue;
                }
                AddedToken t = trieTokens[(int) m];
                int start = i;
                int stop = i + (int) (m >>> 32);
                i = stop; // the search continues after this match, even when it is discarded
                if (!parseSpecial && t.special()) {
                    continue;
                }
                if (t.singleWord()) {
                    boolean startSpace = start == from || !HfUnicode.isWordCharacter(Character.codePointBefore(s, start));
                    boolean stopSpace = stop == to || !HfUnicode.isWordCharacter(Character.codePointAt(s, stop));
                    if (!startSpace || !stopSpace) {
                        continue;
                    }
                }
                if (t.lstrip()) {
                    int ns = start;
                    while (ns > from && Unicode.isWhiteSpace(Character.codePointBefore(s, ns))) {
                        ns -= Character.charCount(Character.codePointBefore(s, ns));
                    }
                    start = Math.max(ns, startOffset);
                }
                if (t.rstrip()) {
                    while (stop < to && Unicode.isWhiteSpace(Character.codePointAt(s, stop))) {
                        stop += Character.charCount(Character.codePointAt(s, stop));
                    }
                    i = stop;
                }
                if (start > startOffset) {
                    out.add(startOffset);
                    out.add(start);
                    out.add(-1);
                }
                out.add(start);
                out.add(stop);
                out.add(t.id());
                startOffset = stop;
            }
        }
        if (startOffset < to) {
            out.add(startOffset);
            out.add(to);
            out.add(-1);
        }
    }
}
