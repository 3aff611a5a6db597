package dev.kindling.inference.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.FinishReason;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.arch.TinyArchs;
import dev.kindling.inference.sample.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face checkpoint directory as users bring it: weights in one file or in shards with an
 * index, {@code tokenizer.json} + {@code tokenizer_config.json} (BOS, chat template) and
 * {@code generation_config.json} (sampling defaults, end tokens), opened with {@link Engine#open}.
 */
public class HfDirectoryTest {
    @TempDir
    Path dir;

    static final int[] PROMPT = {1, 300, 261, 287, 13, 299};

    static float[] lastLogits(Path model) {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            return e.logits(PROMPT);
        }
    }

    /**
     * A tensor a listed shard holds but the index's weight_map leaves out is still the checkpoint's, as transformers and
     * vLLM load every tensor of each shard (it was reported missing).
     */
    @Test
    void aTensorTheIndexLeavesOutIsStillLoaded() throws Exception {
        TinyArchs.Case c = TinyArchs.byName("llama");
        Path single = dir.resolve("single-unlisted");
        Path sharded = dir.resolve("sharded-unlisted");
        TinyArchs.write(c, single, null);
        TinyArchs.writeSharded(c, sharded);
        Path index = sharded.resolve("model.safetensors.index.json");
        com.fasterxml.jackson.databind.node.ObjectNode root =
                (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(index.toFile());
        assertNotNull(((com.fasterxml.jackson.databind.node.ObjectNode) root.get("weight_map")).remove("model.norm.weight"));
        Files.writeString(index, root.toPrettyString());
        assertArrayEquals(lastLogits(single), lastLogits(sharded));
    }

    @Test
    void shardedEqualsSingleFile() throws Exception {
        TinyArchs.Case c = TinyArchs.byName("mixtral");
        Path single = dir.resolve("single");
        Path sharded = dir.resolve("sharded");
        TinyArchs.write(c, single, null);
        TinyArchs.writeSharded(c, sharded);
        assertFalse(Files.exists(sharded.resolve("model.safetensors")));
        assertTrue(Files.exists(sharded.resolve("model-00002-of-00002.safetensors")));
        assertArrayEquals(lastLogits(single), lastLogits(sharded));
    }

    /** A llama2-style tokenizer.json over the tiny vocabulary: Prepend/Replace ▁, BPE with byte fallback, one merge. */
    public static void writeTokenizer(Path dir) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode t = m.createObjectNode();
        t.put("version", "1.0");
        ArrayNode added = t.putArray("added_tokens");
        String[] vocab = TinyArchs.vocabulary();
        for (int id = 0; id < 3; id++) {
            added.addObject().put("id", id).put("content", vocab[id]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode norm = t.putObject("normalizer").put("type", "Sequence");
        norm.putArray("normalizers").add(m.createObjectNode().put("type", "Prepend").put("prepend", "\u2581"))
                .add(m.readTree("{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\u2581\"}"));
        t.putNull("pre_tokenizer");
        t.set("post_processor", m.readTree("{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
                + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"pair\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
                + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}],"
                + "\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[1],\"tokens\":[\"<s>\"]}}}"));
        t.set("decoder", m.readTree("{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\u2581\"},"
                + "\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}"));
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE").putNull("dropout").put("unk_token", "<unk>").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        for (int id = 0; id < vocab.length; id++) {
            v.put(vocab[id], id);
        }
        model.putArray("merges").add("\u2581 a");
        Files.writeString(dir.resolve("tokenizer.json"), t.toPrettyString());
        Files.writeString(dir.resolve("tokenizer_config.json"), m.createObjectNode().put("add_bos_token", true)
                .put("add_eos_token", false).put("bos_token", "<s>").put("eos_token", "</s>")
                .put("chat_template", "{% for m in messages %}{{ bos_token }}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}")
                .toPrettyString());
    }

    /**
     * A checkpoint whose only tokenizer file is SentencePiece's tokenizer.model (older Llama 2 and Mistral repositories)
     * reads text with it: the engine looked for tokenizer.json alone and said the checkpoint had no tokenizer.
     */
    @Test
    void aCheckpointWithOnlyTokenizerModelReadsText() throws Exception {
        Path model = dir.resolve("llama-spm");
        TinyArchs.write(TinyArchs.byName("llama"), model, null);
        String[] vocab = TinyArchs.vocabulary();
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(file);
        for (int id = 0; id < vocab.length; id++) { // ModelProto.pieces: piece, score, type (UNKNOWN, CONTROL, BYTE, NORMAL)
            java.io.ByteArrayOutputStream piece = new java.io.ByteArrayOutputStream();
            com.google.protobuf.CodedOutputStream p = com.google.protobuf.CodedOutputStream.newInstance(piece);
            p.writeString(1, vocab[id]);
            p.writeFloat(2, -id);
            p.writeEnum(3, id == 0 ? 2 : id < 3 ? 3 : id < 259 ? 6 : 1);
            p.flush();
            out.writeByteArray(1, piece.toByteArray());
        }
        out.writeByteArray(2, new byte[] {0x18, 0x02, (byte) 0x98, 0x02, 0x01}); // trainer_spec: model_type BPE, byte_fallback
        out.writeByteArray(3, new byte[] {0x0A, 0x08, 'i', 'd', 'e', 'n', 't', 'i', 't', 'y'}); // normalizer_spec: name identity
        out.flush();
        Files.write(model.resolve("tokenizer.model"), file.toByteArray());
        assertFalse(Files.exists(model.resolve("tokenizer.json")));
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            assertTrue(e.hasTokenizer());
            assertArrayEquals(new int[] {1, 286, 287}, e.tokenizer().orElseThrow().encode("a b", true)); // <s> ▁a ▁b
            assertEquals(4, e.generate(GenerationRequest.of("a b").withMaxTokens(4).withIgnoreEos(true)).tokens().length);
        }
    }

    /**
     * Without generation_config.json the end ids come from config.json's eos_token_id, as Transformers derives its
     * generation config (Llama 3's config.json lists three end ids where the tokenizer names one).
     */
    @Test
    void withoutGenerationConfigTheModelConfigsEndIdsStop() throws Exception {
        Path model = dir.resolve("llama-eos");
        TinyArchs.write(TinyArchs.byName("llama"), model, null);
        writeTokenizer(model);
        int[] greedy;
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            greedy = e.generate(GenerationRequest.of("a b").withMaxTokens(8).withIgnoreEos(true)).tokens();
        }
        int at = firstNewToken(greedy);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
                model.resolve("config.json").toFile());
        config.putArray("eos_token_id").add(2).add(greedy[at]);
        json.writeValue(model.resolve("config.json").toFile(), config);
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            assertArrayEquals(new int[] {2, greedy[at]}, e.generationConfig().eosTokenIds());
            Completion c = e.generate(GenerationRequest.of("a b").withMaxTokens(8));
            assertEquals(FinishReason.STOP, c.finishReason());
            assertTrue(c.tokens().length <= at + 1, java.util.Arrays.toString(c.tokens()));
        }
    }

    /**
     * A checkpoint without tokenizer.json, prompted with token ids, stops at generation_config.json's end ids as
     * Transformers' generate does: they were added to the tokenizer's, and without one they were dropped, so every
     * generation ran to its max tokens.
     */
    @Test
    void withoutATokenizerTheGenerationConfigsEndIdsStillStop() throws Exception {
        Path model = dir.resolve("llama-ids");
        TinyArchs.write(TinyArchs.byName("llama"), model, null);
        assertFalse(Files.exists(model.resolve("tokenizer.json")));
        int[] greedy;
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            greedy = e.generate(GenerationRequest.ofTokens(PROMPT).withMaxTokens(8).withIgnoreEos(true)).tokens();
        }
        int at = firstNewToken(greedy);
        Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [2, " + greedy[at] + "]}");
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            assertFalse(e.hasTokenizer());
            Completion c = e.generate(GenerationRequest.ofTokens(PROMPT).withMaxTokens(8));
            assertEquals(FinishReason.STOP, c.finishReason(), java.util.Arrays.toString(c.tokens()));
            assertTrue(c.tokens().length <= at + 1, java.util.Arrays.toString(c.tokens()));
            assertEquals(8, e.generate(GenerationRequest.ofTokens(PROMPT).withMaxTokens(8).withIgnoreEos(true)).tokens().length);
        }
    }

    /** The end ids come from config.json as the model loader parsed it: the file is not read a second time. */
    @Test
    void generationDefaultsFromAParsedModelConfig() throws Exception {
        Path absent = dir.resolve("no-such-dir").resolve("config.json");
        dev.kindling.inference.arch.HfConfig config = new dev.kindling.inference.arch.HfConfig(absent,
                new ObjectMapper().readTree("{\"model_type\": \"llama\", \"eos_token_id\": [2, 7]}"));
        GenerationConfig g = GenerationConfig.fromModelConfig(config);
        assertArrayEquals(new int[] {2, 7}, g.eosTokenIds());
        assertFalse(g.doSample());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GenerationConfig.fromModelConfig(
                new dev.kindling.inference.arch.HfConfig(absent, new ObjectMapper().readTree("{\"eos_token_id\": \"</s>\"}"))));
        assertTrue(e.getMessage().contains(absent.toString()) && e.getMessage().contains("eos_token_id"), e.getMessage());
    }

    @Test
    void tokenizerChatTemplateAndGenerationConfig() throws Exception {
        Path model = dir.resolve("llama");
        TinyArchs.write(TinyArchs.byName("llama"), model, null);
        writeTokenizer(model);
        int[] greedy;
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            assertTrue(e.hasTokenizer());
            assertEquals(GenerationConfig.NONE, e.generationConfig());
            // "a b" -> "▁a▁b": the merge makes ▁a (286); ▁ (259) and b (261) stay apart; BOS first
            assertArrayEquals(new int[] {1, 286, 259, 261}, e.encode("a b"));
            assertEquals("a b", e.decode(new int[] {1, 286, 259, 261}));
            String chat = e.tokenizer().orElseThrow().chatTemplate().orElseThrow()
                    .render(List.of(Map.of("role", "user", "content", "hi")), false);
            assertEquals("<s>user: hi\n", chat);
            greedy = e.generate(GenerationRequest.of("a b").withMaxTokens(8).withIgnoreEos(true)).tokens();
        }
        // the author's end token: the first greedy token after the first that did not come before
        // now ends the generation there
        int at = firstNewToken(greedy);
        int stop = greedy[at];
        Files.writeString(model.resolve("generation_config.json"),
                "{\"bos_token_id\": 1, \"eos_token_id\": [2, " + stop + "], \"do_sample\": true, \"temperature\": 0.7,"
                        + " \"top_p\": 0.9, \"top_k\": 20, \"max_new_tokens\": 32, \"transformers_version\": \"4.40.0\"}");
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            GenerationConfig g = e.generationConfig();
            assertArrayEquals(new int[] {2, stop}, g.eosTokenIds());
            assertEquals(32, g.maxNewTokens());
            SamplingParams s = g.sampling(7L);
            assertEquals(0.7f, s.temperature());
            assertEquals(0.9f, s.topP());
            assertEquals(20, s.topK());
            Completion c = e.generate(GenerationRequest.of("a b").withMaxTokens(8));
            assertEquals(FinishReason.STOP, c.finishReason());
            assertEquals(greedy[0], c.tokens()[0]);
            assertTrue(c.tokens().length <= at + 1, java.util.Arrays.toString(c.tokens()));
        }
        // the engine's generate command without sampling options decodes with kindling generate's defaults (greedy, 256
        // tokens), not the author's do_sample, temperature, top_k and max_new_tokens: the Spark job and kindling generate
        // --prompt never read those, and a prompt gets the same text from each
        Files.writeString(model.resolve("generation_config.json"),
                "{\"eos_token_id\": 2, \"do_sample\": true, \"temperature\": 0.9, \"top_k\": 20, \"max_new_tokens\": 12}");
        // (rows mode: the whole completion decoded at once; random weights emit stray byte tokens, which
        // streamed printing renders piece by piece)
        Path in = dir.resolve("prompts.jsonl");
        Files.writeString(in, "{\"id\": \"p0\", \"prompt\": \"a b\"}\n");
        String[] common = {"--model", model.toString(), "--input", in.toString(), "--seed", "5", "--threads", "1"};
        // what kindling generate --prompt passes this command when no sampling option is typed (its option defaults)
        String[] kindlingDefaults = {"--max-tokens", "256", "--temperature", "0.0", "--top-p", "1.0", "--top-k", "0", "--min-p", "0.0",
                "--repetition-penalty", "1.0", "--frequency-penalty", "0.0", "--presence-penalty", "0.0"};
        com.fasterxml.jackson.databind.JsonNode bare = generatedRow(common, new String[0], dir.resolve("bare.jsonl"));
        com.fasterxml.jackson.databind.JsonNode explicit = generatedRow(common, kindlingDefaults, dir.resolve("explicit.jsonl"));
        assertEquals(explicit, bare);
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            long seed = dev.kindling.inference.sample.RowSeeds.ofText(5L, "a b", 0);
            Completion authors = e.generate(GenerationRequest.of("a b").withSampling(e.generationConfig().sampling(seed)).withMaxTokens(12));
            Completion greedyNow = e.generate(GenerationRequest.of("a b").withMaxTokens(256));
            assertEquals(greedyNow.text(), bare.get("completion").asText());
            assertEquals(greedyNow.tokens().length, bare.get("n_tokens").asInt());
            assertFalse(java.util.Arrays.equals(authors.tokens(), greedyNow.tokens()), "the author's sample equals the greedy text");
        }
    }

    /**
     * {@code --generation-config auto} (vLLM's flag): the sampling options not given take the generation_config.json's
     * temperature, top_k, top_p, min_p, repetition_penalty and max_new_tokens, as if typed, and stderr says which; a given
     * option wins; {@code none}, the default, reads none. A GGUF has no such file (vLLM reads none beside one): Kindling's
     * defaults, and stderr says so. A value the file holds that the option would refuse names the file and key.
     */
    @Test
    void generationConfigAutoTakesTheAuthorsSamplingDefaults() throws Exception {
        Path model = dir.resolve("authored");
        TinyArchs.write(TinyArchs.byName("llama"), model, null);
        writeTokenizer(model);
        Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": 2, \"do_sample\": true, \"temperature\": 0.9,"
                + " \"top_k\": 20, \"top_p\": null, \"max_new_tokens\": 12}");
        Path in = dir.resolve("authored-prompts.jsonl");
        Files.writeString(in, "{\"id\": \"p0\", \"prompt\": \"a b\"}\n");
        String[] common = {"--model", model.toString(), "--input", in.toString(), "--seed", "5", "--threads", "1"};
        // given as a path not normalised (a launcher's $PWD/../shared/...): the line names it normalised
        String[] unnormalised = common.clone();
        unnormalised[1] = model.resolve("..").resolve("authored").toString();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        com.fasterxml.jackson.databind.JsonNode auto = generatedRow(unnormalised, new String[] {"--generation-config", "auto"},
                dir.resolve("auto.jsonl"), err);
        assertEquals("generate: --generation-config auto: --temperature 0.9, --top-k 20, --max-tokens 12 from " + model
                + "/generation_config.json", err.toString().strip());
        com.fasterxml.jackson.databind.JsonNode typed = generatedRow(common, new String[] {"--temperature", "0.9", "--top-k", "20",
                "--max-tokens", "12"}, dir.resolve("typed.jsonl"));
        assertEquals(typed, auto);
        assertTrue(auto.get("n_tokens").asInt() <= 12, auto.toString());
        com.fasterxml.jackson.databind.JsonNode none = generatedRow(common, new String[] {"--generation-config", "none"},
                dir.resolve("none.jsonl"));
        assertEquals(generatedRow(common, new String[0], dir.resolve("bare.jsonl")), none);
        assertTrue(none.get("n_tokens").asInt() > 12, "none reads no max_new_tokens: " + none);
        // an option given wins over the file's value; the others still come from it
        err.reset();
        com.fasterxml.jackson.databind.JsonNode greedy = generatedRow(common, new String[] {"--generation-config", "auto",
                "--temperature", "0"}, dir.resolve("auto-greedy.jsonl"), err);
        assertTrue(err.toString().contains("auto: --top-k 20, --max-tokens 12 from"), err.toString());
        assertEquals(generatedRow(common, new String[] {"--temperature", "0", "--max-tokens", "12"}, dir.resolve("greedy12.jsonl")),
                greedy);
        // a GGUF file: no generation_config.json, Kindling's defaults
        Path gguf = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf");
        String[] ggufCommon = {"--model", gguf.toString(), "--input", in.toString(), "--threads", "1", "--max-tokens", "8"};
        err.reset();
        com.fasterxml.jackson.databind.JsonNode ggufAuto = generatedRow(ggufCommon, new String[] {"--generation-config", "auto"},
                dir.resolve("gguf-auto.jsonl"), err);
        assertTrue(err.toString().contains("--generation-config auto: " + gguf + " has no generation_config.json"), err.toString());
        assertEquals(generatedRow(ggufCommon, new String[0], dir.resolve("gguf-none.jsonl")), ggufAuto);
        // usage errors and a file value an option would refuse
        Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": 2, \"top_p\": 0}");
        String[][] bad = {{"--generation-config", "vllm"}, {"--generation-config", "auto", "--llama2c-sampler"},
                {"--generation-config", "auto"}};
        String[] says = {"generate: --generation-config must be auto", "--llama2c-sampler takes --temperature and --top-p alone",
                model.resolve("generation_config.json") + ": top_p = 0, expected a number in (0, 1]"};
        for (int i = 0; i < bad.length; i++) {
            List<String> args = new java.util.ArrayList<>(List.of(common));
            args.addAll(List.of(bad[i]));
            args.addAll(List.of("--output", dir.resolve("never.jsonl").toString()));
            java.io.ByteArrayOutputStream e = new java.io.ByteArrayOutputStream();
            int code = dev.kindling.inference.cli.GenerateCommand.run(args.toArray(new String[0]), System.out, new java.io.PrintStream(e));
            assertEquals(i < 2 ? 2 : 1, code, e.toString());
            assertTrue(e.toString().contains(says[i]) && e.toString().strip().lines().count() == 1, e.toString());
        }
    }

    /** The one row GenerateCommand writes for {@code common} and {@code options} into {@code output}. */
    static com.fasterxml.jackson.databind.JsonNode generatedRow(String[] common, String[] options, Path output) throws Exception {
        return generatedRow(common, options, output, new java.io.ByteArrayOutputStream());
    }

    /** {@link #generatedRow(String[], String[], Path)}, its stderr in {@code err}. */
    static com.fasterxml.jackson.databind.JsonNode generatedRow(String[] common, String[] options, Path output,
            java.io.ByteArrayOutputStream err) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(common));
        args.addAll(List.of(options));
        args.addAll(List.of("--output", output.toString()));
        int code = dev.kindling.inference.cli.GenerateCommand.run(args.toArray(new String[0]), System.out, new java.io.PrintStream(err));
        assertEquals(0, code, err.toString());
        return new ObjectMapper().readTree(Files.readAllLines(output).get(0));
    }

    /** Where a greedy run first makes a token after its first that is not EOS (2) and not made before: a stop id to try. */
    static int firstNewToken(int[] greedy) {
        int at = 1;
        while (at < greedy.length && (greedy[at] == 2 || seenBefore(greedy, at))) {
            at++;
        }
        assertTrue(at < greedy.length, "pick another prompt: " + java.util.Arrays.toString(greedy));
        return at;
    }

    static boolean seenBefore(int[] a, int i) {
        for (int j = 0; j < i; j++) {
            if (a[j] == a[i]) {
                return true;
            }
        }
        return false;
    }

    /** The logits command on a directory, with ids and every position (what the Transformers check script reads). */
    @Test
    void logitsCommandAllPositions() throws Exception {
        Path model = dir.resolve("phi2");
        TinyArchs.write(TinyArchs.byName("phi2"), model, null);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = dev.kindling.inference.cli.LogitsCommand.run(new String[] {"--model", model.toString(), "--tokens", "1,300,261",
                "--all-positions", "--threads", "1"}, new java.io.PrintStream(out), new java.io.PrintStream(err));
        assertEquals(0, code, err.toString());
        com.fasterxml.jackson.databind.JsonNode j = new ObjectMapper().readTree(out.toByteArray());
        assertEquals(3, j.get("positions").size());
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            for (int p = 0; p < 3; p++) {
                float[] want = e.logits(java.util.Arrays.copyOf(new int[] {1, 300, 261}, p + 1));
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], j.get("positions").get(p).get(i).floatValue(), 0f);
                }
            }
        }
    }

    @Test
    void greedyUnlessDoSample() throws Exception {
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 2, \"temperature\": 0.6}");
        GenerationConfig g = GenerationConfig.read(dir).orElseThrow();
        assertEquals(0f, g.sampling(1L).temperature(), "Transformers decodes greedily when do_sample is false");
        assertArrayEquals(new int[] {2}, g.eosTokenIds());
    }

    /** Transformers' GenerationConfig has min_p (MinPLogitsWarper); model authors ship it (e.g. "min_p": 0.05). */
    @Test
    void minPIsAnAuthorsDefaultToo() throws Exception {
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"do_sample\": true, \"temperature\": 0.7, \"top_k\": 40, \"top_p\": 0.9, \"min_p\": 0.05}");
        SamplingParams s = GenerationConfig.read(dir).orElseThrow().sampling(3L);
        assertEquals(0.05f, s.minP());
        assertEquals(40, s.topK());
        assertEquals(0.9f, s.topP());
    }

    /**
     * "top_k": null is what save_pretrained writes for GenerationConfig(top_k=None), and Transformers then samples
     * without top-k; it was read as the absent key's 50, which cut the author's distribution to 50 tokens.
     */
    @Test
    void topKNullIsOffAndAbsentIsFifty() throws Exception {
        Files.writeString(dir.resolve("generation_config.json"), "{\"do_sample\": true, \"top_k\": null}");
        assertEquals(0, GenerationConfig.read(dir).orElseThrow().sampling(3L).topK());
        Files.writeString(dir.resolve("generation_config.json"), "{\"do_sample\": true}");
        assertEquals(50, GenerationConfig.read(dir).orElseThrow().sampling(3L).topK());
    }

    @Test
    void badDirectoriesAreNamed() throws Exception {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Engine.open(dir, EngineOptions.defaults()));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        Path model = dir.resolve("m");
        TinyArchs.write(TinyArchs.byName("qwen2"), model, null);
        Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": \"</s>\"}");
        e = assertThrows(ModelFormatException.class, () -> Engine.open(model, EngineOptions.defaults()));
        assertTrue(e.getMessage().contains("generation_config.json") && e.getMessage().contains("eos_token_id"), e.getMessage());
        // an end id past the model's rows: no generation could end at it (the tokenizer's ids may stop short of them)
        int rows = new ObjectMapper().readTree(model.resolve("config.json").toFile()).get("vocab_size").asInt();
        for (String eos : new String[] {"[2, " + rows + "]", "-1"}) {
            Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": " + eos + "}");
            e = assertThrows(ModelFormatException.class, () -> Engine.open(model, EngineOptions.defaults()));
            assertEquals(model.resolve("generation_config.json") + ": eos_token_id " + eos.replaceAll("\\[2, |]", "")
                    + " is outside the model's " + rows + " output rows (0.." + (rows - 1) + "): no generation could end at it",
                    e.getMessage());
        }
        Files.delete(model.resolve("generation_config.json"));
        Files.writeString(model.resolve("config.json"), Files.readString(model.resolve("config.json")).replace("\"qwen2\"", "\"mamba\""));
        e = assertThrows(ModelFormatException.class, () -> Engine.open(model, EngineOptions.defaults()));
        assertTrue(e.getMessage().contains("model_type mamba is not supported"), e.getMessage());
    }

    /**
     * A generation_config.json value that no 32-bit float can hold as the option would take it (a temperature of 1e39 is
     * infinity there, a top_p of 1e-50 is 0) is the file's error naming the key, as a value out of range is: it passed
     * the check on the double and the option's check refused it, naming an option not typed, with "got null".
     */
    @Test
    void aGenerationConfigValuePastAFloatNamesTheFileAndKey() {
        Path file = dir.resolve("generation_config.json");
        String[][] cases = {{"temperature", "1e39", "a finite number >= 0 (read as the sampler's 32-bit float, it is Infinity)"},
                {"top_p", "1e-50", "a number in (0, 1] (read as the sampler's 32-bit float, it is 0.0)"},
                {"repetition_penalty", "1e-50", "a finite number > 0 (read as the sampler's 32-bit float, it is 0.0)"}};
        for (String[] c : cases) {
            byte[] json = ("{\"" + c[0] + "\": " + c[1] + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> GenerationConfig.samplingDefaults(json, file));
            assertEquals(file + ": " + c[0] + " = " + Double.parseDouble(c[1]) + ", expected " + c[2], e.getMessage());
        }
        // a temperature too small for a float is 0 (greedy, its limit), a min_p 0 (off): taken
        assertEquals(java.util.Map.of("temperature", 1e-50, "min_p", 1e-50), GenerationConfig.samplingDefaults(
                "{\"temperature\": 1e-50, \"min_p\": 1e-50}".getBytes(java.nio.charset.StandardCharsets.UTF_8), file));
    }

    /**
     * The file's values out of the sampler's range are refused by {@link GenerationConfig#sampling} (what
     * {@code Engine.generationConfig().sampling(seed)} gives) naming the file and key, as {@code --generation-config auto}
     * refuses them: the sampler's message named neither ("top-p must be in (0, 1], got 0.0").
     */
    @Test
    void anOutOfRangeSamplingValueNamesTheFileAndKey() throws Exception {
        Path file = dir.resolve("generation_config.json");
        String[][] cases = {{"{\"do_sample\": true, \"top_p\": 0}", "top_p = 0.0 (as a 32-bit float): the sampler's top-p must be in (0, 1]"},
                {"{\"do_sample\": true, \"temperature\": 1e39}",
                        "temperature = Infinity (as a 32-bit float): the sampler's temperature must be a finite number >= 0"},
                {"{\"do_sample\": true, \"top_k\": -5}", "top_k = -5: the sampler's top-k must be 0 or -1 (off) or at least 1"},
                // greedy takes the repetition penalty too
                {"{\"repetition_penalty\": 0}", "repetition_penalty = 0.0 (as a 32-bit float): the sampler's repetition-penalty must be a finite number > 0"}};
        for (String[] c : cases) {
            Files.writeString(file, c[0]);
            GenerationConfig g = GenerationConfig.read(dir).orElseThrow();
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> g.sampling(1L), c[0]);
            assertEquals(file + ": " + c[1], e.getMessage());
        }
        // greedy does not use the temperature it is given
        Files.writeString(file, "{\"temperature\": -1}");
        assertEquals(0f, GenerationConfig.read(dir).orElseThrow().sampling(1L).temperature());
    }

    /**
     * A config file that is not JSON says so, and one that cannot be read says why, with the file named: both were
     * "cannot read: " and Jackson's or the I/O error's bare message, which for a missing file is the path alone.
     */
    @Test
    void configFilesThatAreNotJsonOrCannotBeReadSaySo() throws Exception {
        Path model = dir.resolve("m");
        TinyArchs.write(TinyArchs.byName("qwen2"), model, null);
        Files.writeString(model.resolve("generation_config.json"), "{\"temperature\": 0.6,");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GenerationConfig.read(model));
        assertTrue(e.getMessage().startsWith(model.resolve("generation_config.json") + ": not JSON: "), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> GenerationConfig.samplingDefaults(model));
        assertTrue(e.getMessage().startsWith(model.resolve("generation_config.json") + ": not JSON: "), e.getMessage());
        Files.delete(model.resolve("generation_config.json"));

        Path config = model.resolve("config.json");
        Files.writeString(config, "not json");
        e = assertThrows(ModelFormatException.class, () -> Engine.open(model, EngineOptions.defaults()));
        assertTrue(e.getMessage().startsWith(config + ": not JSON: "), e.getMessage());
        Files.delete(config);
        Files.createDirectory(config);
        e = assertThrows(ModelFormatException.class, () -> dev.kindling.inference.arch.HfConfig.read(config));
        assertTrue(e.getMessage().startsWith(config + ": cannot read: java.io.IOException"), e.getMessage());
    }
}
