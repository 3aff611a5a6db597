package dev.kindling.inference.cli;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.hf.HfModelLoader;
import dev.kindling.inference.llama2c.Llama2cLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of a local model file and tokenizer given on a command line, made before the model is opened: a usage error
 * naming the option as typed, the path and what was expected, instead of the engine's message about the file (which
 * named neither the option nor what a model file starts with) after the command had read its input.
 */
public final class LocalModel {
    private static final String EXPECTED = "expected a GGUF file (starting with the bytes \"GGUF\"), a llama2.c checkpoint "
            + "(a header of positive int32s: dim, hidden_dim, n_layers, n_heads, ...) or a Hugging Face checkpoint directory";

    private LocalModel() {}

    /**
     * An {@link IllegalArgumentException} of one line when {@code path} (given as {@code option}, e.g. {@code --model})
     * does not exist, is a 0-byte file, a file whose first bytes are neither GGUF's magic nor a llama2.c checkpoint's
     * header, or a directory that is no Hugging Face checkpoint ({@code config.json} and {@code model.safetensors}).
     */
    public static void checkLocalModel(String option, Path path) {
        if (Files.isDirectory(path)) {
            if (!HfModelLoader.isCheckpoint(path)) {
                throw new IllegalArgumentException(option + " " + path + ": the directory holds no model (config.json and "
                        + "model.safetensors, or model.safetensors.index.json and its shards); " + EXPECTED);
            }
            return;
        }
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(option + " " + path + ": no such file or directory; " + EXPECTED);
        }
        long size;
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            size = Files.size(path);
            head = in.readNBytes(4);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + path + " cannot be read: " + e);
        }
        if (size == 0) {
            // a download or a copy that wrote nothing
            throw new IllegalArgumentException(option + " " + path + " is empty (0 bytes); " + EXPECTED);
        }
        if (!GgufFile.looksLikeGguf(path) && !Llama2cLoader.looksLikeLlama2c(path)) {
            String other = Llama2cLoader.otherKind(path);
            if (other != null) {
                throw new IllegalArgumentException(option + " " + path + " is " + other);
            }
            throw new IllegalArgumentException(option + " " + path + " is not a model: it starts with " + describe(head) + "; "
                    + EXPECTED);
        }
    }

    /**
     * An {@link IllegalArgumentException} naming {@code option} (e.g. {@code --tokenizer}) when {@code path} does not
     * exist; what the file holds is read, and checked, by the tokenizer loader.
     */
    public static void checkLocalTokenizer(String option, Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(option + " " + path + ": no such file or directory; expected a tokenizer.json, "
                    + "a llama2.c tokenizer.bin, a SentencePiece tokenizer.model, a tiktoken file, a GGUF file or a directory holding "
                    + "tokenizer.json or tokenizer.model");
        }
    }

    /**
     * The vocabulary size of a local model that {@link #checkLocalModel} accepted, read from its header, GGUF metadata or
     * {@code config.json} without loading the weights: to check token ids given on a command line before the model loads.
     */
    public static int vocabularySize(Path path) {
        if (Files.isDirectory(path)) {
            return HfModelLoader.config(path).vocabSize();
        }
        if (GgufFile.looksLikeGguf(path)) {
            try (GgufFile gguf = GgufFile.open(path)) {
                return dev.kindling.inference.gguf.GgufModelLoader.config(gguf).vocabSize();
            }
        }
        return Llama2cLoader.vocabSize(path);
    }

    /** The first bytes, as hex and as text where printable: {@code 7b 22 69 64 ("{"id")}. */
    private static String describe(byte[] head) {
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (byte b : head) {
            hex.append(hex.length() > 0 ? " " : "").append(String.format("%02x", b & 0xff));
            text.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
        }
        return "the bytes " + hex + " (\"" + text + "\")";
    }
}
