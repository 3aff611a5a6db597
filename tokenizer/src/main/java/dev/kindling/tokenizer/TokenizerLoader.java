package dev.kindling.tokenizer;

import dev.kindling.formats.InterruptedRead;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.tokenizer.hf.HfTokenizerJson;
import dev.kindling.tokenizer.spm.Llama2cTokenizerFile;
import dev.kindling.tokenizer.spm.SentencePieceModelFile;
import dev.kindling.tokenizer.tiktoken.TiktokenTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Format detection behind {@link Tokenizer#load}. */
final class TokenizerLoader {
    private TokenizerLoader() {}

    static Tokenizer load(Path path) {
        if (path == null) {
            throw new IllegalArgumentException("tokenizer path is null");
        }
        // a good .gguf's magic read on an interrupted thread was none: "unrecognised tokenizer format"
        return InterruptedRead.of(path, "loading the tokenizer", () -> detect(path));
    }

    private static Tokenizer detect(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path, "no such file or directory");
        }
        if (Files.isDirectory(path)) {
            for (String f : new String[] {"tokenizer.json", "tokenizer.json.gz"}) {
                if (Files.exists(path.resolve(f))) {
                    return HfTokenizerJson.load(path.resolve(f));
                }
            }
            // the checkpoints that ship only SentencePiece's file (Llama 2, Mistral v0.1, older repositories)
            if (Files.exists(path.resolve("tokenizer.model"))) {
                return SentencePieceModelFile.read(path.resolve("tokenizer.model"));
            }
            throw new ModelFormatException(path, "directory holds no tokenizer.json, tokenizer.json.gz or tokenizer.model");
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (GgufFile.looksLikeGguf(path)) {
            try (GgufFile gguf = GgufFile.open(path)) {
                return Tokenizer.fromGguf(gguf);
            }
        }
        if (name.endsWith(".json") || name.endsWith(".json.gz") || (!name.endsWith(".bin") && !name.endsWith(".tiktoken")
                && HfTokenizerJson.looksLike(path))) {
            return HfTokenizerJson.load(path);
        }
        if (name.endsWith(".tiktoken")) {
            return TiktokenTokenizer.load(path);
        }
        if (name.endsWith(".bin") && Llama2cTokenizerFile.looksLike(path)) {
            return Llama2cTokenizerFile.read(path);
        }
        // by content: tokenizer.model, spiece.model, tok512.model, or the same bytes under another name
        if (SentencePieceModelFile.looksLike(path)) {
            return SentencePieceModelFile.read(path);
        }
        throw new ModelFormatException(path, "unrecognised tokenizer format: expected tokenizer.json(.gz), a .gguf, "
                + "a .tiktoken rank file, a llama2.c tokenizer.bin or a SentencePiece tokenizer.model");
    }
}
