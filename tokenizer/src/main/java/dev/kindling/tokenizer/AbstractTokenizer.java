package dev.kindling.tokenizer;

import dev.kindling.tokenizer.text.Utf8;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * What every vocabulary shares: its name, BOS/EOS/stop ids and the chat template. Subclasses
 * implement the algorithm.
 */
public abstract class AbstractTokenizer implements Tokenizer {
    private final String name;
    private final int bosId;
    private final int eosId;
    private final int[] stopIds;
    private final ChatTemplate chatTemplate;

    protected AbstractTokenizer(String name, int bosId, int eosId, int[] stopIds, ChatTemplate chatTemplate) {
        this.name = name;
        this.bosId = bosId;
        this.eosId = eosId;
        this.stopIds = stopIds == null ? new int[0] : stopIds.clone();
        this.chatTemplate = chatTemplate;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public int[] stopIds() {
        return stopIds.clone();
    }

    @Override
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    /** The null check every encode entry point does, with one message. */
    protected static String requireText(String text) {
        return Objects.requireNonNull(text, "text to encode is null");
    }

    /** Checks an id before it is used as an index; the message says which range was expected. */
    protected final void checkId(int id) {
        if (id < 0 || id >= vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside 0.." + (vocabSize() - 1) + " of " + name);
        }
    }

    /** Decodes by concatenating {@link #tokenBytes} (for vocabularies without a decoder pipeline). */
    protected String concatDecode(int[] ids, boolean skipSpecialTokens, boolean stripFirstSpace) {
        byte[] buf = new byte[Math.max(16, ids.length * 8)];
        int n = 0;
        boolean first = true;
        for (int id : ids) {
            checkId(id);
            if (skipSpecialTokens && isSpecial(id)) {
                continue;
            }
            byte[] b = tokenBytes(id);
            int off = 0;
            if (first && stripFirstSpace && !isSpecial(id) && b.length > 0 && b[0] == ' ') {
                off = 1;
            }
            first = false;
            if (n + b.length > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + b.length));
            }
            System.arraycopy(b, off, buf, n, b.length - off);
            n += b.length - off;
        }
        return Utf8.decodeLossy(buf, 0, n);
    }

    /** Stop ids: EOS plus the given ids (deduplicated, -1 dropped). */
    protected static int[] stopSet(int eos, int... more) {
        return java.util.stream.IntStream.concat(java.util.stream.IntStream.of(eos), java.util.stream.IntStream.of(more))
                .filter(i -> i >= 0).distinct().toArray();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + name + ", " + vocabSize() + " ids)";
    }
}
