package dev.kindling.tokenizer.spm;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes small SentencePiece ModelProto files for tests, with sentencepiece_model.proto's field numbers. */
final class SpmModelWriter {
    private final List<Object[]> pieces = new ArrayList<>();
    int modelType = SentencePieceModelFile.BPE;
    boolean byteFallback;
    Integer bosId;
    Integer eosId;
    String normalizerName = "identity";
    byte[] charsmap = new byte[0];
    Boolean addDummyPrefix;
    Boolean removeExtraWhitespaces;
    Boolean escapeWhitespaces;

    SpmModelWriter piece(String text, float score, int type) {
        pieces.add(new Object[] {text, score, type});
        return this;
    }

    /**
     * A BPE vocabulary: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>} (control), 3 {@code <sep>} (user-defined), then
     * normal pieces by falling score: 4 ▁ab, 5 ab, 6 ▁, 7 a, 8 b, 9 c, 10 &lt;, 11 s, 12 &gt;, 13 &lt;s (which with
     * &gt; spells the control piece {@code <s>}, never a merge result).
     */
    static SpmModelWriter small() {
        SpmModelWriter w = new SpmModelWriter();
        w.piece("<unk>", 0, SpmTokenizer.UNKNOWN).piece("<s>", 0, SpmTokenizer.CONTROL).piece("</s>", 0, SpmTokenizer.CONTROL)
                .piece("<sep>", 0, SpmTokenizer.USER_DEFINED);
        String[] normal = {"\u2581ab", "ab", "\u2581", "a", "b", "c", "<", "s", ">", "<s"};
        for (int i = 0; i < normal.length; i++) {
            w.piece(normal[i], -1 - i, SpmTokenizer.NORMAL);
        }
        return w;
    }

    byte[] bytes() {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bo);
            for (Object[] p : pieces) {
                out.writeByteArray(1, message(m -> {
                    m.writeString(1, (String) p[0]);
                    m.writeFloat(2, (Float) p[1]);
                    m.writeEnum(3, (Integer) p[2]);
                }));
            }
            out.writeByteArray(2, message(m -> {
                m.writeEnum(3, modelType);
                m.writeInt32(4, pieces.size());
                if (byteFallback) {
                    m.writeBool(35, true);
                }
                if (bosId != null) {
                    m.writeInt32(41, bosId);
                }
                if (eosId != null) {
                    m.writeInt32(42, eosId);
                }
            }));
            out.writeByteArray(3, message(m -> {
                m.writeString(1, normalizerName);
                m.writeByteArray(2, charsmap);
                if (addDummyPrefix != null) {
                    m.writeBool(3, addDummyPrefix);
                }
                if (removeExtraWhitespaces != null) {
                    m.writeBool(4, removeExtraWhitespaces);
                }
                if (escapeWhitespaces != null) {
                    m.writeBool(5, escapeWhitespaces);
                }
            }));
            out.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, bytes());
    }

    private interface Body {
        void write(CodedOutputStream m) throws IOException;
    }

    private static byte[] message(Body body) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        CodedOutputStream m = CodedOutputStream.newInstance(bo);
        body.write(m);
        m.flush();
        return bo.toByteArray();
    }
}
