package dev.kindling.tokenizer.offsets;

import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.text.HfUnicode;
import dev.kindling.tokenizer.text.Unicode;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Finds each token's {@code [start, end)} range in the input after encoding, by walking the tokens'
 * exact bytes ({@link Tokenizer#encodedBytes}) along the input's UTF-8 bytes. Every vocabulary Kindling
 * reads reproduces its input byte for byte when its tokens' bytes are concatenated, up to a few known
 * differences, handled here:
 *
 * <ul>
 *   <li>a space the tokenizer puts in front of a segment ({@link Prefix}): it belongs to the first
 *       character, as in Hugging Face {@code tokenizers};</li>
 *   <li>tokens added by the template (BOS/EOS/CLS/SEP: special tokens that are not in the text)
 *       get {@code [0, 0)};</li>
 *   <li>normalized text (lowercased, accents stripped, whitespace and control characters removed:
 *       WordPiece/BERT) is matched character by character modulo those changes, and a word-start
 *       marker ({@code ▁} in llama.cpp's WordPiece vocabularies) matches nothing;</li>
 *   <li>an unknown token covers its word (WordPiece) or the text up to where the next token matches (or to
 *       the end of the word), without what the normalizer removed at its ends; words and removed characters as the
 *       tokenizer's {@link Rules} say (llama.cpp's WordPiece vocabularies; a tokenizer.json pipeline gives the text its
 *       normalizer made, with the rules of its pre-tokenizer), else BERT's.</li>
 * </ul>
 *
 * A token holding part of a multi-byte character covers the whole character. Offsets are Java string
 * (UTF-16) indices. This runs outside the hot {@code encode} path: it allocates per call.
 *
 * <p>Whitespace is Unicode White_Space ({@link Unicode#isWhiteSpace}, Rust's {@code char::is_whitespace}, as HF's
 * normalizers and pre-tokenizers use), not {@link Character#isWhitespace}, which leaves out no-break spaces and
 * takes in U+001C..U+001F.
 */
public final class OffsetAligner {
    private OffsetAligner() {}

    /** Whether and when the tokenizer adds a space in front of a text segment (a segment = text between added tokens). */
    public enum Prefix {
        /** Never (byte-level BPE without add_prefix_space, tiktoken, Gemma 3's SentencePiece BPE). */
        NONE,
        /** In front of every segment, even one that starts with a space (SentencePiece's dummy prefix). */
        ALWAYS,
        /** In front of every segment that does not start with a space (ByteLevel {@code add_prefix_space}). */
        IF_NO_SPACE,
        /**
         * In front of every segment that does not start with a space or U+2581 (Metaspace {@code always}: it
         * replaces spaces with U+2581 first, then looks for U+2581).
         */
        IF_NO_SPACE_OR_MARK,
        /** Only in front of the first segment, when it does not start with a space or U+2581 (Metaspace {@code first}). */
        FIRST_IF_NO_SPACE
    }

    /**
     * What the tokenizer's normalizer and pre-tokenizer do to single characters, where the aligner has to know it: the
     * range of an unknown token is the text its word holds, without the characters the normalizer removed at its ends
     * (a Devanagari virama or a Thai tone mark that StripAccents dropped), and a word ends where the pre-tokenizer ends
     * it (whitespace for BERT, only the space for Metaspace). {@link #GUESS} when the tokenizer does not say.
     */
    public interface Rules {
        /** The normalizer removes {@code c}: no token holds anything of it. */
        boolean removed(int c);

        /** The pre-tokenizer ends a word before {@code c} and starts the next one after it, or with it (whitespace). */
        boolean breaksWord(int c);

        /** The pre-tokenizer makes {@code c} a word of its own (BERT's punctuation, CJK ideographs). */
        boolean isolated(int c);

        /**
         * What the normalizer makes of {@code c} alone, or null when that is not known: a token character then
         * matches a text character modulo case and accents.
         */
        String normalized(int c);

        /**
         * The id of an unknown token that stands for a whole word (WordPiece's unk_token), or -1: an unknown token
         * then covers what lies between the known tokens around it (Unigram, BPE).
         */
        int wordUnknownId();

        /**
         * BERT's rules, for tokenizers that give none (llama.cpp's WordPiece and SentencePiece vocabularies): marks,
         * controls and format characters may be removed, whitespace breaks words; an unknown token ends where the
         * next token matches.
         */
        Rules GUESS = new Rules() {
            @Override
            public boolean removed(int c) {
                return removable(c);
            }

            @Override
            public boolean breaksWord(int c) {
                return Unicode.isWhiteSpace(c);
            }

            @Override
            public boolean isolated(int c) {
                return OffsetAligner.isolated(c);
            }

            @Override
            public String normalized(int c) {
                return null;
            }

            @Override
            public int wordUnknownId() {
                return -1;
            }
        };
    }

    /**
     * Offsets for {@code ids}, the encoding of {@code text}; {@code text} must hold no unpaired
     * surrogates ({@code Utf8.scrubSurrogates}, as encode does).
     */
    public static Encoding align(Tokenizer tok, String text, int[] ids, Prefix prefix) {
        return align(tok, text, ids, prefix, Rules.GUESS);
    }

    /** As {@link #align(Tokenizer, String, int[], Prefix)}, with what the tokenizer does to single characters. */
    public static Encoding align(Tokenizer tok, String text, int[] ids, Prefix prefix, Rules rules) {
        return align(tok, text, ids, prefix, rules, -1);
    }

    /**
     * As {@link #align(Tokenizer, String, int[], Prefix, Rules)}, with the model's unknown token ({@code unknownId}, or
     * -1): it stands for text that no piece holds, so it is aligned as unknown text even where the tokenizer marks it
     * special (a SentencePiece {@code <unk>}, or the {@code <unk>} added token of a converted T5 file). As a special
     * token it was taken for one the template added: it got {@code [0, 0)} and the tokens after it lost their place.
     */
    public static Encoding align(Tokenizer tok, String text, int[] ids, Prefix prefix, Rules rules, int unknownId) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        // per byte: the UTF-16 range of the character it belongs to
        int[] charStart = new int[b.length + 1];
        int[] charEnd = new int[b.length + 1];
        int p = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            int nb = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            for (int k = 0; k < nb && p < b.length; k++, p++) {
                charStart[p] = i;
                charEnd[p] = i + n;
            }
            i += n;
        }
        charStart[b.length] = text.length();
        charEnd[b.length] = text.length();
        return new Walk(tok, text, b, charStart, charEnd, prefix, rules, unknownId).run(ids);
    }

    private static final class Walk {
        final Tokenizer tok;
        final String text;
        final byte[] b;
        final int[] charStart;
        final int[] charEnd;
        final Prefix prefix;
        final Rules rules;
        /** The model's unknown token, aligned as text though it may be special; -1: none. */
        final int unknownId;
        int p;
        boolean segmentStart = true;
        boolean firstSegment = true;
        /**
         * What is left of the text character last matched leniently when a normalizer expanded it (NFD's diaeresis
         * of ü, Lowercase's dot of İ) and the token took only its first part; the next token may start with it.
         */
        String rest = "";
        int restStart;
        int restEnd;
        /** {@link #lenientMatch}'s {@link #rest} at its end, which {@link #lenient} keeps. */
        String matchRest = "";
        int matchRestStart;
        int matchRestEnd;
        /**
         * While a group of tokens holding parts of characters is matched leniently: per UTF-16 index of the group's
         * text, the text range its character matched ({@link #lenientMatch}), -1 where it matched nothing.
         */
        int[] spanStart;
        int[] spanEnd;

        Walk(Tokenizer tok, String text, byte[] b, int[] charStart, int[] charEnd, Prefix prefix, Rules rules,
                int unknownId) {
            this.rules = rules;
            this.unknownId = unknownId;
            this.tok = tok;
            this.text = text;
            this.b = b;
            this.charStart = charStart;
            this.charEnd = charEnd;
            this.prefix = prefix;
        }

        Encoding run(int[] ids) {
            int[] starts = new int[ids.length];
            int[] ends = new int[ids.length];
            p = 0;
            for (int i = 0; i < ids.length; i++) {
                int id = ids[i];
                byte[] t = tok.encodedBytes(id);
                boolean special = tok.isSpecial(id) && id != rules.wordUnknownId() && id != unknownId;
                int from = p;
                int last = special ? i : partialCharacterGroupEnd(ids, i);
                if (last > i) {
                    // Tokens holding parts of one character (SentencePiece's byte fallback): they match together
                    // or not at all. Alone the first could match the lead bytes of another character the
                    // normalizer removed (the Tamil vowel sign ி, E0 AE BF, before ழ, E0 AE B4).
                    byte[] group = concatenatedBytes(ids, i, last);
                    boolean exactly = exact(group, from) >= 0;
                    p = from;
                    if (!exactly) {
                        String s = new String(group, StandardCharsets.UTF_8);
                        spanStart = new int[s.length()];
                        java.util.Arrays.fill(spanStart, -1);
                        spanEnd = new int[s.length()];
                        int restAt = rest.isEmpty() ? -1 : restStart;
                        long r = lenientKeepingRest(group, from);
                        boolean split = r >= 0 && s.getBytes(StandardCharsets.UTF_8).length == group.length;
                        if (r < 0) {
                            r = unknown(from, ids[i], last + 1 < ids.length ? ids[last + 1] : -1, restAt);
                        }
                        for (int k = i, at = 0; k <= last; k++) {
                            int n = tok.encodedBytes(ids[k]).length;
                            long own = split && n > 0 ? groupPart(s, at, at + n, r) : r;
                            starts[k] = (int) (own >>> 32);
                            ends[k] = (int) own;
                            at += n;
                        }
                        spanStart = null;
                        spanEnd = null;
                        if (segmentStart) {
                            firstSegment = false;
                        }
                        segmentStart = false;
                        i = last;
                        continue;
                    }
                }
                long r = -1;
                String restBefore = rest;
                int restStartBefore = restStart;
                int restEndBefore = restEnd;
                if (!rest.isEmpty() && !special && t.length > 0
                        && new String(t, StandardCharsets.UTF_8).codePointAt(0) == rest.codePointAt(0)) {
                    // the rest of the character before comes first, before the same mark standing alone after it
                    r = lenientKeepingRest(t, from);
                }
                if (r < 0) {
                    r = exact(t, from);
                    rest = "";
                    if (r < 0) {
                        rest = restBefore;
                        restStart = restStartBefore;
                        restEnd = restEndBefore;
                        if (special && rules != Rules.GUESS) {
                            // a special token of the text (no template tokens come with rules) after characters the
                            // tokenizer dropped: WordPiece drops whitespace
                            int q = skipRemoved(charStart[from]);
                            r = q > charStart[from] ? exact(t, byteAt(q)) : -1;
                        }
                        if (special && r < 0) {
                            continue; // a template token: [0, 0)
                        }
                        r = lenientKeepingRest(t, from);
                    }
                }
                if (r < 0) {
                    r = unknown(from, id, i + 1 < ids.length ? ids[i + 1] : -1, restBefore.isEmpty() ? -1 : restStartBefore);
                }
                starts[i] = (int) (r >>> 32);
                ends[i] = (int) r;
                if (special) {
                    segmentStart = true;
                    firstSegment = false;
                } else if (p > from || t.length > 0) {
                    if (segmentStart) {
                        firstSegment = false;
                    }
                    segmentStart = false;
                }
            }
            return new Encoding(ids, starts, ends);
        }

        /**
         * The range of the part of a leniently matched group that holds its UTF-8 bytes {@code [from, to)}, as HF maps
         * a byte range of the normalized text back: from the start of the text character its first byte's character
         * came from to the end of the one its last byte's came from ({@link #spanStart}). A part that holds only what
         * matched nothing of the text (a space the tokenizer added) takes the character after it, else the whole group.
         */
        private long groupPart(String s, int from, int to, long whole) {
            int first = -1;
            int last = -1;
            int after = -1;
            for (int k = 0, at = 0; k < s.length(); ) {
                int c = s.codePointAt(k);
                int n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
                if (spanStart[k] >= 0) {
                    if (at + n > from && at < to) {
                        if (first < 0) {
                            first = k;
                        }
                        last = k;
                    } else if (at >= to && after < 0) {
                        after = k;
                    }
                }
                at += n;
                k += Character.charCount(c);
            }
            if (first < 0) {
                return after < 0 ? whole : (long) spanStart[after] << 32 | spanEnd[after];
            }
            return (long) spanStart[first] << 32 | Math.max(spanStart[first], spanEnd[last]);
        }

        /**
         * The index of the last token of the group that starts at token {@code i} when {@code i} ends inside a
         * UTF-8 character: the following non-special tokens up to the end of that character (and of any character
         * a later one of them ends inside). {@code i} itself when its bytes end with a whole character.
         */
        private int partialCharacterGroupEnd(int[] ids, int i) {
            int need = 0; // continuation bytes still to come
            int k = i;
            while (true) {
                for (byte x : tok.encodedBytes(ids[k])) {
                    if ((x & 0xC0) == 0x80) {
                        need = Math.max(0, need - 1);
                    } else {
                        need = (x & 0xE0) == 0xC0 ? 1 : (x & 0xF0) == 0xE0 ? 2 : (x & 0xF8) == 0xF0 ? 3 : 0;
                    }
                }
                if (need == 0 || k + 1 >= ids.length || tok.isSpecial(ids[k + 1]) || k - i >= 16) {
                    return k;
                }
                k++;
            }
        }

        private byte[] concatenatedBytes(int[] ids, int from, int to) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (int k = from; k <= to; k++) {
                out.writeBytes(tok.encodedBytes(ids[k]));
            }
            return out.toByteArray();
        }

        /** Whether the token's leading space at {@code at} is the one the tokenizer added. */
        private boolean addedSpace(byte first, int at) {
            if (!segmentStart || first != ' ') {
                return false;
            }
            boolean textHasSpace = at < b.length && b[at] == ' '; // HF ByteLevel looks for ' '; llama.cpp and Prepend do not look
            return switch (prefix) {
                case NONE -> false;
                case ALWAYS -> true;
                case IF_NO_SPACE -> !textHasSpace;
                case IF_NO_SPACE_OR_MARK -> !textHasSpace && !spaceMark(at);
                case FIRST_IF_NO_SPACE -> firstSegment && !textHasSpace && !spaceMark(at);
            };
        }

        private long range(int fromByte, int toByte) {
            if (toByte <= fromByte) { // nothing of the text: the character here (an added space), or the end
                return (long) charStart[fromByte] << 32 | (fromByte < b.length ? charEnd[fromByte] : text.length());
            }
            return (long) charStart[fromByte] << 32 | charEnd[toByte - 1];
        }

        /** The token's bytes at {@code at} (after an added space); the range, or -1. */
        private long exact(byte[] t, int at) {
            if (t.length == 0) {
                return (long) charStart[at] << 32 | charStart[at];
            }
            int q = at;
            for (int j = addedSpace(t[0], at) ? 1 : 0; j < t.length; j++) {
                if (q < b.length && b[q] == t[j]) {
                    q++;
                } else if (t[j] == ' ' && spaceMark(q)) {
                    q += 3;
                } else {
                    return -1;
                }
            }
            p = q;
            return range(at, q);
        }

        /**
         * Whether the text holds U+2581 at byte {@code q}. A SentencePiece-style vocabulary turns spaces into
         * U+2581 before it looks anything up, so the two are the same to it and its pieces give a space for
         * either ({@link Tokenizer#encodedBytes}); a byte-level vocabulary keeps U+2581 as its own three bytes,
         * which its tokens then match exactly.
         */
        private boolean spaceMark(int q) {
            return q + 2 < b.length && b[q] == (byte) 0xE2 && b[q + 1] == (byte) 0x96 && b[q + 2] == (byte) 0x81;
        }

        /** {@link #lenient}, then {@link #rest} as the match left it ("" when it failed). */
        private long lenientKeepingRest(byte[] t, int at) {
            long r = lenient(t, at);
            rest = r >= 0 ? matchRest : "";
            restStart = matchRestStart;
            restEnd = matchRestEnd;
            return r;
        }

        /** Character by character, modulo case, accents, and whitespace/control characters a normalizer removed. */
        private long lenient(byte[] t, int at) {
            if (at < b.length && (b[at] & 0xC0) == 0x80) {
                return -1; // inside a character
            }
            String s = new String(t, StandardCharsets.UTF_8);
            int k = !s.isEmpty() && addedSpace((byte) s.charAt(0), at) ? 1 : 0;
            long r = lenientMatch(s, k, charStart[at], rest, restStart, restEnd);
            if (r >= 0) {
                p = byteAt((int) r);
            }
            return r;
        }

        /**
         * Matches {@code s} from index {@code k} leniently at UTF-16 index {@code q}: the range, or -1. {@code rest}
         * is what the text character at [{@code restStart}, {@code restEnd}) still holds for the token ({@link #rest});
         * what is left of the last character at the end goes to {@link #matchRest}.
         */
        private long lenientMatch(String s, int k, int q, String rest, int restStart, int restEnd) {
            int first = -1;
            int last = q;
            while (k < s.length()) {
                int tc = s.codePointAt(k);
                if (!rest.isEmpty() && rest.codePointAt(0) == tc) {
                    // the next part of a character the normalizer expanded: it belongs to that character
                    if (first < 0) {
                        first = restStart;
                    }
                    span(k, restStart, restEnd);
                    last = Math.max(last, restEnd);
                    k += Character.charCount(tc);
                    rest = rest.substring(Character.charCount(tc));
                    continue;
                }
                if (q >= text.length()) {
                    return -1;
                }
                int ic = text.codePointAt(q);
                String after = sameRest(tc, ic);
                if (after != null) {
                    if (first < 0) {
                        first = q;
                    }
                    rest = after;
                    restStart = q;
                    span(k, q, q + Character.charCount(ic));
                    k += Character.charCount(tc);
                    q += Character.charCount(ic);
                    restEnd = q;
                    last = q;
                } else if ((Unicode.isWhiteSpace(ic) || rules.removed(ic)) && !(Unicode.isWhiteSpace(tc) && Unicode.isWhiteSpace(ic))) {
                    // a character the normalizer dropped; a token's space may pass it (marks before the space) but
                    // not another whitespace character, which it would have matched itself had it been the same
                    q += Character.charCount(ic);
                } else if ((tc == ' ' || tc == '\u2581') && first < 0) {
                    k++; // a word-start marker the tokenizer added (llama.cpp's WPM "▁word")
                } else {
                    return -1;
                }
            }
            if (first < 0) {
                first = q;
                last = q;
            }
            matchRest = rest;
            matchRestStart = restStart;
            matchRestEnd = restEnd;
            return (long) first << 32 | last;
        }

        private void span(int k, int start, int end) {
            if (spanStart != null && k < spanStart.length) {
                spanStart[k] = start;
                spanEnd[k] = end;
            }
        }

        /**
         * When token character {@code tc} is text character {@code ic} to the tokenizer, what of {@code ic} is left
         * after {@code tc} ({@link #rest}; mostly ""); else null. With the normalizer's own answer for {@code ic}
         * ({@link Rules#normalized}) that is its first character; else {@link #same} guesses.
         */
        private String sameRest(int tc, int ic) {
            String n = rules.normalized(ic);
            if (n == null) {
                return same(tc, ic) ? expansionRest(tc, ic) : null;
            }
            if (tc == ic || ((tc == '\u2581' || tc == ' ') && Unicode.isWhiteSpace(ic))) {
                return "";
            }
            return !n.isEmpty() && n.codePointAt(0) == tc ? n.substring(Character.charCount(tc)) : null;
        }

        /**
         * An unknown token: up to where the next token matches, or the end of the text for the last
         * one (without the whitespace around it, unless it is only whitespace); when the next token
         * cannot tell (unknown too), one word. {@code restAt}: where the text character starts whose rest
         * ({@link #rest}) the token holds first, or -1.
         */
        private long unknown(int at, int id, int nextId, int restAt) {
            if (rules != Rules.GUESS) {
                return unknownInWord(at, id, nextId, restAt);
            }
            int q = charStart[at];
            int end = -1;
            if (nextId >= 0 && !tok.isSpecial(nextId)) {
                String next = new String(tok.encodedBytes(nextId), StandardCharsets.UTF_8);
                int k = next.startsWith(" ") || next.startsWith("\u2581") ? 1 : 0;
                int scan = q;
                for (int j = 0; j < 256 && scan < text.length() && k < next.length(); j++) {
                    scan += Character.charCount(text.codePointAt(scan));
                    if (startsAt(lenientMatch(next, k, scan, "", 0, 0), scan)
                            || (k == 1 && startsAt(lenientMatch(next, 0, scan, "", 0, 0), scan))) {
                        end = scan;
                        break;
                    }
                }
            }
            if (nextId < 0) { // the last token of the text: it covers the rest
                end = text.length();
            }
            int start = q;
            if (end < 0) {
                start = skipWhitespace(q);
                end = wordEnd(start);
            } else {
                int s = skipWhitespace(q);
                int e = end;
                while (e > s && Unicode.isWhiteSpace(text.codePointBefore(e))) {
                    e -= Character.charCount(text.codePointBefore(e));
                }
                if (e > s) { // not only whitespace: trim it
                    start = s;
                    end = e;
                }
            }
            p = byteAt(end);
            return (long) start << 32 | end;
        }

        /**
         * An unknown token under the tokenizer's {@link Rules}, as HF gives its range: the normalized text it stands
         * for mapped back to the input, so it starts at the first and ends with the last character that the normalizer
         * kept and the pre-tokenizer did not drop. WordPiece's unknown token is its whole word; another one ends where
         * the next token of the same word matches, or with the word. One that starts with the rest of a character the
         * normalizer expanded (the dot of U+0130 lowercased, after a token "i") starts at that character.
         */
        private long unknownInWord(int at, int id, int nextId, int restAt) {
            int start = restAt >= 0 ? restAt : skipDropped(charStart[at]);
            int word = wordEnd(start);
            int end = word;
            if (id != rules.wordUnknownId() && nextId >= 0 && !tok.isSpecial(nextId)) {
                String next = new String(tok.encodedBytes(nextId), StandardCharsets.UTF_8);
                if (!next.isEmpty() && !next.startsWith(" ") && !next.startsWith("\u2581")) { // else it starts a word
                    for (int scan = start; scan < word; ) {
                        scan += Character.charCount(text.codePointAt(scan));
                        if (scan < word && startsAt(lenientMatch(next, 0, scan, "", 0, 0), scan)) {
                            end = scan;
                            break;
                        }
                    }
                }
            }
            p = byteAt(end);
            while (end > start && dropped(text.codePointBefore(end))) {
                end -= Character.charCount(text.codePointBefore(end));
            }
            return (long) start << 32 | end;
        }

        /** A character no token holds: the normalizer removed it, or the pre-tokenizer dropped it between words. */
        private boolean dropped(int c) {
            return rules.removed(c) || rules.breaksWord(c);
        }

        private int skipRemoved(int q) {
            while (q < text.length() && rules.removed(text.codePointAt(q))) {
                q += Character.charCount(text.codePointAt(q));
            }
            return q;
        }

        private int skipDropped(int q) {
            while (q < text.length() && dropped(text.codePointAt(q))) {
                q += Character.charCount(text.codePointAt(q));
            }
            return q;
        }

        private static boolean startsAt(long range, int q) {
            return range >= 0 && (int) (range >>> 32) == q;
        }

        private int skipWhitespace(int q) {
            while (q < text.length() && Unicode.isWhiteSpace(text.codePointAt(q))) {
                q += Character.charCount(text.codePointAt(q));
            }
            return q;
        }

        /** The end of the word at {@code q}: a CJK ideograph or a punctuation character alone (as BERT splits), else up to whitespace or punctuation. */
        private int wordEnd(int q) {
            if (q >= text.length()) {
                return q;
            }
            int c = text.codePointAt(q);
            int e = q + Character.charCount(c);
            if (rules.isolated(c)) {
                return e;
            }
            while (e < text.length()) {
                int d = text.codePointAt(e);
                if (rules.breaksWord(d) || rules.isolated(d)) {
                    break;
                }
                e += Character.charCount(d);
            }
            return e;
        }

        /** The byte position of UTF-16 index {@code charIndex} (a character start). */
        private int byteAt(int charIndex) {
            int lo = 0;
            int hi = b.length;
            while (lo < hi) { // charStart is non-decreasing
                int mid = (lo + hi) >>> 1;
                if (charStart[mid] < charIndex) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /**
     * {@link Rules#GUESS}'s match of token character {@code tc} and text character {@code ic}: modulo lowercase (HF's,
     * {@link HfUnicode#toLowerCase}, the same on every JDK) and NFD. A tokenizer.json pipeline does not come here: its
     * tokens are aligned with the text its normalizer made.
     */
    private static boolean same(int tc, int ic) {
        if (tc == ic) {
            return true;
        }
        if ((tc == '\u2581' || tc == ' ') && Unicode.isWhiteSpace(ic)) {
            return true;
        }
        int lower = HfUnicode.toLowerCase(ic);
        if (lower == tc || HfUnicode.toLowerCase(tc) == lower) {
            return true;
        }
        String d = HfUnicode.normalize(new String(Character.toChars(ic)), Normalizer.Form.NFD);
        int base = d.codePointAt(0);
        return base == tc || HfUnicode.toLowerCase(base) == tc;
    }

    /**
     * When text character {@code ic} matched token character {@code tc} as the first part of its lowercase ("i\u0307"
     * for U+0130), of its NFD ("u\u0308" for ü) or of both, what follows {@code tc} there; else "".
     */
    private static String expansionRest(int tc, int ic) {
        if (tc == ic || ic < 0xC0) {
            return "";
        }
        String lower = HfUnicode.lowercaseNewerCapitals(Character.toString(ic)).toLowerCase(Locale.ROOT);
        for (String form : new String[] {lower, HfUnicode.normalize(Character.toString(ic), Normalizer.Form.NFD),
                HfUnicode.normalize(lower, Normalizer.Form.NFD)}) {
            if (form.codePointCount(0, form.length()) > 1 && form.codePointAt(0) == tc) {
                return form.substring(Character.charCount(tc));
            }
        }
        return "";
    }

    /** BERT's words of one character: its punctuation (ASCII symbols included) and the CJK ideographs it pads. */
    private static boolean isolated(int c) {
        return HfUnicode.isBertPunctuation(c) || Unicode.isChineseChar(c);
    }

    /**
     * Characters a normalizer may drop: whitespace, BERT's controls (clean_text: Cc, Cf, Co), combining marks, spacing
     * and enclosing ones too (StripAccents removes every mark, BertNormalizer the non-spacing ones). HF's classes
     * ({@link HfUnicode}, Unicode 16 marks), not the JDK's, so that the offsets are the same on every JDK.
     */
    private static boolean removable(int c) {
        return Unicode.isWhiteSpace(c) || HfUnicode.isBertControl(c) || Unicode.isMark(c) || c == 0xFFFD;
    }
}
