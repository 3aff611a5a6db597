package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.inference.Completion;
import dev.kindling.inference.FinishReason;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stop strings and the held-back stream over scripted tokens whose bytes the test chooses: where a match is found
 * (across tokens, inside one, overlapping prefixes, two stops, at the start, next to split characters), what each
 * token streams, and that the pieces add up to the completion's text.
 */
class StopStringStreamTest {
    /** Ids below this are control tokens: 0 a plain prompt token, 1 BOS, 2 the end token. */
    static final int FIRST_PIECE = 3;
    static final int BOS = 1;
    static final int END = 2;

    /** Answers every logit row with the next token of a script (greedy picks it); computes nothing. */
    static final class Scripted extends DelegatingBackend {
        int[] script = new int[0];
        int next;

        Scripted(CpuBackend cpu) {
            super(cpu);
        }

        @Override
        public void forward(Step s) {
            int vocab = config().vocabSize();
            if (s.logits.length < s.logitCount() * vocab) {
                s.logits = new float[s.logitCount() * vocab];
            }
            Arrays.fill(s.logits, 0, s.logitCount() * vocab, 0f);
            for (int row = 0; row < s.logitCount(); row++) {
                s.logits[row * vocab + script[next++]] = 1f;
            }
        }
    }

    /** Token {@code FIRST_PIECE + i} is {@code pieces[i]}; the piece decoder counts its uses. */
    static final class Pieces implements TextSupport {
        final byte[][] pieces;
        final AtomicInteger decoded = new AtomicInteger();

        Pieces(byte[][] pieces) {
            this.pieces = pieces;
        }

        @Override
        public byte[] tokenBytes(int id) {
            return id >= FIRST_PIECE ? pieces[id - FIRST_PIECE] : new byte[0];
        }

        @Override
        public boolean isSpecial(int id) {
            return id < FIRST_PIECE;
        }

        @Override
        public boolean dropsSpaceAfterBos() {
            return true; // as SentencePiece
        }

        @Override
        public PieceDecoder newDecoder(boolean stripLeadingSpace) {
            return new PieceDecoder() {
                @Override
                public String next(int id) {
                    decoded.incrementAndGet();
                    return new String(tokenBytes(id), StandardCharsets.UTF_8);
                }

                @Override
                public String flush() {
                    return "";
                }
            };
        }
    }

    record Run(Completion completion, List<String> pieces, int decoded) {
        String text() {
            return completion.text();
        }
    }

    static Scripted backend;

    @BeforeAll
    static void open() {
        backend = new Scripted(new CpuBackend(SchedulerCloseTest.stories(), 1, 64, 16, 8L << 20));
    }

    @AfterAll
    static void close() {
        if (backend != null) {
            backend.close();
        }
    }

    /** Generates the given pieces in order (then {@code tail} control tokens) after {@code prompt}, streaming. */
    static Run run(int prompt, List<String> stops, List<byte[]> pieces, int... tail) throws Exception {
        int[] script = new int[pieces.size() + tail.length];
        for (int i = 0; i < pieces.size(); i++) {
            script[i] = FIRST_PIECE + i;
        }
        System.arraycopy(tail, 0, script, pieces.size(), tail.length);
        backend.script = script;
        backend.next = 0;
        Pieces text = new Pieces(pieces.toArray(byte[][]::new));
        List<String> streamed = new ArrayList<>();
        try (Scheduler s = new Scheduler(backend, text, new int[] {END}, BOS, 4)) {
            Completion c = s.generate(new int[] {prompt}, GenerationRequest.ofTokens(prompt).withMaxTokens(script.length)
                    .withStopStrings(stops), (i, token, piece, lp) -> streamed.add(piece)).get(30, TimeUnit.SECONDS);
            assertEquals(c.text(), String.join("", streamed), "the pieces add up to the text: " + streamed);
            assertEquals(c.tokens().length, streamed.size(), "one piece per token");
            return new Run(c, streamed, text.decoded.get());
        }
    }

    static List<byte[]> utf8(String... pieces) {
        return Arrays.stream(pieces).map(p -> p.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** Pieces given byte for byte (each char one byte), to split UTF-8 characters between tokens. */
    static List<byte[]> raw(String... pieces) {
        return Arrays.stream(pieces).map(p -> p.getBytes(StandardCharsets.ISO_8859_1)).toList();
    }

    @Test
    void aStopStringSpanningSeveralTokens() throws Exception {
        Run r = run(0, List.of("o wor"), utf8("Hel", "lo wo", "rld!", "more"));
        assertEquals("Hell", r.text());
        assertEquals(List.of("Hel", "l", ""), r.pieces()); // "o wo" may begin the stop string: held back
        assertEquals(FinishReason.STOP, r.completion().finishReason());
    }

    @Test
    void aStopStringInsideOneTokenWithTextBeforeIt() throws Exception {
        Run r = run(0, List.of("STOP"), utf8("ab", "cdSTOPef", "gh"));
        assertEquals("abcd", r.text());
        assertEquals(List.of("ab", "cd"), r.pieces());
        assertEquals(FinishReason.STOP, r.completion().finishReason());
    }

    @Test
    void overlappingCandidatePrefixes() throws Exception {
        // "aa" may begin "aab" after "aaa" too: one "a" goes out, and the match starts at the second "a"
        Run r = run(0, List.of("aab"), utf8("a", "a", "a", "b", "c"));
        assertEquals("a", r.text());
        assertEquals(List.of("", "", "a", ""), r.pieces());
        r = run(0, List.of("aab"), utf8("x", "aaab", "c"));
        assertEquals("xa", r.text());
        assertEquals(List.of("x", "a"), r.pieces());
        r = run(0, List.of("aab"), utf8("a", "a", "a", "c"));
        assertEquals("aaac", r.text());
        assertEquals(List.of("", "", "a", "aac"), r.pieces());
        assertEquals(FinishReason.LENGTH, r.completion().finishReason());
    }

    @Test
    void twoStopStringsWhereTheLaterStartingOneEndsFirst() throws Exception {
        // token by token, "bc" is complete while "abcd" is not yet: it cuts
        Run r = run(0, List.of("abcd", "bc"), utf8("a", "b", "c", "d"));
        assertEquals("a", r.text());
        assertEquals(List.of("", "", "a"), r.pieces());
        // both complete in one token: the one that starts first cuts
        r = run(0, List.of("abcd", "bc"), utf8("x", "abcdy"));
        assertEquals("x", r.text());
        assertEquals(List.of("x", ""), r.pieces());
        r = run(0, List.of("bc", "abcd"), utf8("x", "abcdy"));
        assertEquals("x", r.text());
    }

    @Test
    void aStopStringAtTheVeryStart() throws Exception {
        Run r = run(0, List.of("STOP"), utf8("ST", "OP then", "more"));
        assertEquals("", r.text());
        assertEquals(List.of("", ""), r.pieces());
        assertEquals(FinishReason.STOP, r.completion().finishReason());
        // after BOS the leading space is not in the text: the stop string right after it is at the start
        r = run(BOS, List.of("STOP"), utf8(" STOP", "more"));
        assertEquals("", r.text());
        assertEquals(FinishReason.STOP, r.completion().finishReason());
        r = run(BOS, List.of(" Once"), utf8(" Once", " upon"));
        assertEquals("Once upon", r.text());
        assertEquals(List.of("Once", " upon"), r.pieces());
        assertEquals(FinishReason.LENGTH, r.completion().finishReason());
    }

    @Test
    void multiByteCharactersSplitAcrossTokensNearAStopString() throws Exception {
        // é is C3 A9, € E2 82 AC, è C3 A8
        Run r = run(0, List.of("€!"), raw("x\u00C3", "\u00A9\u00E2\u0082", "\u00AC!", "y"));
        assertEquals("xé", r.text());
        assertEquals(List.of("x", "é", ""), r.pieces()); // the lone C3 waits for its A9; E2 82 may begin "€!"
        // C3 may begin "é" but becomes "è"
        r = run(0, List.of("é"), raw("a\u00C3", "\u00A8b", "c"));
        assertEquals("aèbc", r.text());
        assertEquals(List.of("a", "èb", "c"), r.pieces());
        // the generation ends inside a character: the last piece carries it as U+FFFD, as the text does
        r = run(0, List.of("zz"), raw("a", "\u00E2\u0082"));
        assertEquals("a\uFFFD", r.text());
        assertEquals(List.of("a", "\uFFFD"), r.pieces());
    }

    @Test
    void anEndTokenReleasesWhatWasHeldBack() throws Exception {
        Run r = run(0, List.of("bc"), utf8("a", "ab"), END);
        assertEquals("aab", r.text());
        assertEquals(List.of("a", "a", "b"), r.pieces());
        assertEquals(FinishReason.STOP, r.completion().finishReason());
    }

    /** With stop strings the stream comes from the output bytes: decoding each token as well was thrown away. */
    @Test
    void withStopStringsThePieceDecoderIsNotUsed() throws Exception {
        Run r = run(0, List.of("zz"), utf8("a", "b", "c"));
        assertEquals("abc", r.text());
        assertEquals(0, r.decoded());
    }

    /** A long generation's stream, checked against the text piece by piece. */
    @Test
    void piecesOfALongGenerationAddUpToTheText() throws Exception {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            words.add(i % 7 == 0 ? "ab" : i % 5 == 0 ? "\u00C3" : i % 5 == 1 ? "\u00A9 a" : " b" + (i % 3));
        }
        // neither stop string occurs, but their prefixes do, over and over, and next to split characters
        Run r = run(0, List.of("aaab", " b0 b1x"), raw(words.toArray(String[]::new)));
        assertEquals(FinishReason.LENGTH, r.completion().finishReason());
        assertEquals(new String(String.join("", words).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8), r.text());
    }

    /**
     * Invalid UTF-8 becomes one U+FFFD per maximal subpart in the completion's text, as the tokenizer's decode and the
     * streamed pieces have it: the text was decoded by the JDK, which turns a surrogate's encoding (ED A0 80) into one
     * U+FFFD where the tokenizer and the stream gave three, so the pieces did not add up to the text.
     */
    @Test
    void invalidUtf8ReadsAsTheTokenizerDecodesIt() throws Exception {
        Tokenizer tok = Tokenizer.load(SharedData.require("llama2c/tok512.bin"));
        int byteToken = 3; // tok512's <0x00>; <0xNN> is 3 + NN
        int[] script = {byteToken + 'a', byteToken + 0xED, byteToken + 0xA0, byteToken + 0x80, byteToken + 'b'};
        assertEquals("a\uFFFD\uFFFD\uFFFDb", tok.decode(script, true));
        for (List<String> stops : List.of(List.<String>of(), List.of("zz"))) {
            backend.script = script;
            backend.next = 0;
            StringBuilder streamed = new StringBuilder();
            try (Scheduler s = new Scheduler(backend, TextSupport.of(tok), new int[] {END}, BOS, 4)) {
                Completion c = s.generate(new int[] {0}, GenerationRequest.ofTokens(0).withMaxTokens(script.length)
                        .withStopStrings(stops), (i, token, piece, lp) -> streamed.append(piece)).get(30, TimeUnit.SECONDS);
                assertEquals("a\uFFFD\uFFFD\uFFFDb", c.text(), "stops " + stops);
                assertEquals(c.text(), streamed.toString(), "stops " + stops);
            }
        }
    }

    /**
     * After BOS the text starts as the tokenizer decodes it: SentencePiece drops the space its first word's token begins
     * with, a byte-level BPE (DeepSeek, Llama 3, GPT-2) keeps it (Hugging Face's decode, vLLM, llama.cpp). The space was
     * dropped for every vocabulary, so a BPE model's text from an empty prompt lacked its first character.
     */
    @Test
    void theSpaceAfterBosIsDroppedOnlyWhereTheTokenizerDropsIt() throws Exception {
        for (String vocab : List.of("llama2c/tok512.bin", "llamacpp-vocab/ggml-vocab-deepseek-llm.gguf")) {
            Tokenizer tok = Tokenizer.load(SharedData.require(vocab));
            int bos = tok.bosId();
            int[] script = new int[3];
            // tokens the scripted backend can name (below the model's 512) that begin with a space
            for (int id = 0, found = 0; found < script.length; id++) {
                byte[] b = tok.tokenBytes(id);
                if (!tok.isSpecial(id) && b.length > 1 && b[0] == ' ') {
                    script[found++] = id;
                }
            }
            int[] all = {bos, script[0], script[1], script[2]};
            String expected = tok.decode(all, true);
            for (List<String> stops : List.of(List.<String>of(), List.of("zz"))) {
                backend.script = script;
                backend.next = 0;
                StringBuilder streamed = new StringBuilder();
                try (Scheduler s = new Scheduler(backend, TextSupport.of(tok), new int[0], bos, 4)) {
                    Completion c = s.generate(new int[] {bos}, GenerationRequest.ofTokens(bos).withMaxTokens(script.length)
                            .withStopStrings(stops), (i, token, piece, lp) -> streamed.append(piece)).get(30, TimeUnit.SECONDS);
                    assertEquals(expected, c.text(), vocab + ", stops " + stops);
                    assertEquals(c.text(), streamed.toString(), vocab + ", stops " + stops);
                }
            }
        }
    }
}
