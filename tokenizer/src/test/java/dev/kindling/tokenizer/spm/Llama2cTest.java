package dev.kindling.tokenizer.spm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.StreamingDecoder;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llama2.c's tokenizer.bin with run.c's algorithm. */
class Llama2cTest {
    /**
     * Greedy ids of stories260K for 256 steps from an empty prompt, copied from
     * data/llama2c/PROVENANCE.md ("Greedy token ids for the first 256 steps").
     */
    static final int[] GREEDY_256 = Arrays.stream(("403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337 "
            + "410 408 419 292 411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352 266 268 388 426 338 391 266 "
            + "267 337 335 312 432 398 312 286 267 414 270 333 415 426 13 438 310 439 419 357 336 432 313 438 310 432 278 "
            + "316 439 419 298 414 267 265 282 295 433 426 436 317 286 296 418 269 279 292 416 439 413 409 416 327 263 415 "
            + "294 267 400 426 338 336 432 313 442 391 267 337 335 364 420 268 388 432 398 359 280 303 439 413 272 417 264 "
            + "312 426 436 13 438 310 286 296 418 269 279 292 416 439 413 409 416 327 263 415 294 267 400 426 338 336 432 "
            + "313 442 439 423 262 304 420 422 432 317 426 359 279 292 416 439 413 409 416 327 263 415 294 267 400 426 436 "
            + "13 438 310 279 292 416 439 413 391 267 281 421 427 311 357 432 384 358 336 432 313 442 439 423 262 304 420 "
            + "422 432 357 426 359 279 292 416 439 413 409 416 327 263 415 294 267 400 426 436 320 285 357 336 432 313 455 "
            + "289 439 413 263 304 420 422 432 317 426 410 448 411 280 303 281 421 427 364 426").split(" "))
            .mapToInt(Integer::parseInt).toArray();

    @Test
    void upstreamTestVectors() throws Exception {
        Path dir = SharedData.require("llama2c/llama2-tokenizer");
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.bin"));
        assertEquals(32000, tok.vocabSize());
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("test-vectors.json").toFile()).get("cases");
        assertEquals(5, cases.size());
        for (JsonNode c : cases) {
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).asInt();
            }
            assertArrayEquals(expected, tok.encode(c.get("text").asText(), true), c.get("text").asText());
        }
    }

    @Test
    void runCReproducesLlamaCppSpmVectors() throws Exception {
        // PROVENANCE: run.c's merge over tokenizer.bin reproduces llama-spm 46/46 (no BOS there)
        Tokenizer tok = Tokenizer.load(SharedData.require("llama2c/llama2-tokenizer/tokenizer.bin"));
        Path gguf = SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf");
        LlamaCppVectors v = LlamaCppVectors.read(Path.of(gguf + ".inp"), Path.of(gguf + ".out"));
        List<String> bad = v.mismatches(t -> tok.encode(t, false));
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void stories260kGreedyIdsDecodeToTheExpectedText() throws Exception {
        String expected = Files.readString(SharedData.require("llama2c/stories260K.expected-greedy-256steps.txt"));
        for (String file : List.of("llama2c/tok512.bin", "llama2c/stories260K.gguf")) {
            Tokenizer tok = Tokenizer.load(SharedData.require(file));
            int[] withBos = new int[GREEDY_256.length + 1];
            withBos[0] = 1;
            System.arraycopy(GREEDY_256, 0, withBos, 1, GREEDY_256.length);
            assertEquals(expected, tok.decode(withBos, true).stripTrailing(), file);
            // streaming gives the same text piece by piece
            StreamingDecoder sd = new StreamingDecoder(tok, true, true);
            StringBuilder sb = new StringBuilder();
            for (int id : withBos) {
                sb.append(sd.next(id));
            }
            sb.append(sd.flush());
            assertEquals(expected, sb.toString().stripTrailing(), file + " streamed");
            // and the text encodes back to the same ids (the tokenizer is its own inverse here)
            assertArrayEquals(withBos, Arrays.copyOf(tok.encode(tok.decode(withBos, true), true), withBos.length), file + " re-encoded");
        }
    }

    @Test
    void malformedTokenizerBinNamesTheFile(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("tokenizer.bin");
        byte[] good = Files.readAllBytes(SharedData.require("llama2c/tok512.bin"));
        Files.write(bad, Arrays.copyOf(good, good.length - 3));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Llama2cTokenizerFile.read(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("token 511"), e.getMessage());
    }
}
