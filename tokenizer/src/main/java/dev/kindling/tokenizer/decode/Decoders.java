package dev.kindling.tokenizer.decode;

import dev.kindling.tokenizer.bpe.ByteLevel;
import dev.kindling.tokenizer.text.DeepStack;
import dev.kindling.tokenizer.text.Utf8;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The decoders of Hugging Face {@code tokenizers}, each as its {@code decode_chain}. */
public final class Decoders {
    private Decoders() {}

    /** ByteLevel: byte characters back to bytes (a token with other characters keeps its UTF-8), then lossy UTF-8. */
    public static Decoder byteLevel() {
        return BYTE_LEVEL;
    }

    /** The ByteLevel decoder (a named instance so a pipeline can take its byte-concatenation fast path). */
    public static final Decoder BYTE_LEVEL = tokens -> {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String t : tokens) {
            bytes.writeBytes(byteLevelBytes(t));
        }
        return List.of(Utf8.decodeLossy(bytes.toByteArray()));
    };

    /** The bytes the ByteLevel decoder makes of one token string. */
    public static byte[] byteLevelBytes(String token) {
        byte[] b = ByteLevel.decode(token);
        return b != null ? b : token.getBytes(StandardCharsets.UTF_8);
    }

    /** Metaspace: the replacement becomes a space; in the first token it is dropped (unless prepend_scheme = never). */
    public static Decoder metaspace(char replacement, boolean stripFirst) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                StringBuilder sb = new StringBuilder(t.length());
                for (int k = 0; k < t.length(); k++) {
                    char c = t.charAt(k);
                    if (c == replacement) {
                        if (!(i == 0 && stripFirst)) {
                            sb.append(' ');
                        }
                    } else {
                        sb.append(c);
                    }
                }
                out.add(sb.toString());
            }
            return out;
        };
    }

    public static Decoder replaceLiteral(String pattern, String content) {
        return tokens -> tokens.stream().map(t -> pattern.isEmpty() ? t : t.replace(pattern, content)).toList();
    }

    /**
     * Replaces every match of a regex in each token. A token can be the whole text (after Fuse, or a run of one
     * character), so a match too deep for the stack is retried as the normalizer's is ({@link DeepStack}).
     */
    public static Decoder replaceRegex(Pattern pattern, String content) {
        return tokens -> tokens.stream().map(t -> DeepStack.replaceAll(pattern, t, content, "the decoder's Replace regex", "token")).toList();
    }

    /**
     * ByteFallback: runs of {@code <0xXX>} tokens become the text of their bytes; bytes that are not
     * valid UTF-8 become one U+FFFD per byte (as HF does).
     */
    public static Decoder byteFallback() {
        return BYTE_FALLBACK;
    }

    private static final Decoder BYTE_FALLBACK = new Decoder() {
        @Override
        public boolean joinsByteRuns() {
            return true;
        }

        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            for (String t : tokens) {
                int b = byteToken(t);
                if (b >= 0) {
                    pending.write(b);
                    continue;
                }
                flush(pending, out);
                out.add(t);
            }
            flush(pending, out);
            return out;
        }
    };

    /** The text of a run of ByteFallback's byte tokens: its UTF-8 when the whole run is valid, else a U+FFFD per byte. */
    public static String byteRunText(byte[] run, int from, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(run, from, length)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return "\uFFFD".repeat(length);
        }
    }

    private static void flush(ByteArrayOutputStream pending, List<String> out) {
        if (pending.size() == 0) {
            return;
        }
        byte[] b = pending.toByteArray();
        pending.reset();
        out.add(byteRunText(b, 0, b.length));
    }

    /** The byte a ByteFallback token {@code <0xXX>} stands for, or -1 for any other token. */
    public static int byteToken(String t) {
        if (t.length() == 6 && t.startsWith("<0x") && t.charAt(5) == '>') {
            int hi = Character.digit(t.charAt(3), 16);
            int lo = Character.digit(t.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return hi * 16 + lo;
            }
        }
        return -1;
    }

    /** Fuse: everything into one string. */
    public static Decoder fuse() {
        return tokens -> List.of(String.join("", tokens));
    }

    /** Strip: up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    public static Decoder strip(char content, int start, int stop) {
        return tokens -> tokens.stream().map(t -> {
            int a = 0;
            while (a < start && a < t.length() && t.charAt(a) == content) {
                a++;
            }
            int b = t.length();
            int cut = 0;
            while (cut < stop && b > a && t.charAt(b - 1) == content) {
                b--;
                cut++;
            }
            return t.substring(a, b);
        }).toList();
    }

    /**
     * WordPiece: tokens without the prefix get a leading space (except the first), tokens with it lose it (except the
     * first); optional cleanup, of each token on its own. Each token's text is placed ({@link Decoder#placedText}).
     */
    public static Decoder wordPiece(String prefix, boolean cleanup) {
        return new Decoder() {
            @Override
            public List<String> decodeChain(List<String> tokens) {
                List<String> out = new ArrayList<>(tokens.size());
                for (int i = 0; i < tokens.size(); i++) {
                    out.add(placedText(tokens.get(i), i == 0));
                }
                return out;
            }

            @Override
            public String placedText(String token, boolean first) {
                String t = first ? token : token.startsWith(prefix) ? token.substring(prefix.length()) : " " + token;
                return cleanup ? cleanup(t) : t;
            }
        };
    }

    /** HF's {@code cleanup}: removes spaces before punctuation and in common English contractions. */
    public static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** BPEDecoder: the end-of-word suffix becomes a space (nothing after the last token). */
    public static Decoder bpe(String suffix) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            }
            return out;
        };
    }

    public static Decoder sequence(List<Decoder> steps) {
        Decoder[] d = steps.toArray(Decoder[]::new);
        boolean joins = steps.stream().anyMatch(Decoder::joinsByteRuns);
        return new Decoder() {
            @Override
            public List<String> decodeChain(List<String> tokens) {
                for (Decoder x : d) {
                    tokens = x.decodeChain(tokens);
                }
                return tokens;
            }

            @Override
            public boolean joinsByteRuns() {
                return joins;
            }
        };
    }
}
