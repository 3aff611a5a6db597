package dev.kindling.inference.hf;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.safetensors.SafetensorsCheckpoint;
import dev.kindling.formats.safetensors.SafetensorsTensor;
import dev.kindling.inference.arch.Families;
import dev.kindling.inference.arch.Family;
import dev.kindling.inference.arch.HfCheckpoint;
import dev.kindling.inference.arch.HfConfig;
import dev.kindling.inference.arch.WeightsLoader;
import dev.kindling.inference.gguf.GgufModelLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Weights;
import dev.kindling.inference.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link Model} from a Hugging Face checkpoint directory: {@code config.json} (the family
 * from {@code model_type}, see {@link Families}) and the safetensors weights ({@code model.safetensors}
 * or the shards of {@code model.safetensors.index.json}). The F32, F16 and BF16 weights are read in
 * place from the memory-mapped shards, never copied to the heap (see {@link HfCheckpoint}); only the
 * 1-D vectors (norms, biases) become float arrays.
 *
 * <pre>{@code
 * Model m = HfModelLoader.load(Path.of("Mistral-7B-v0.1"));
 * }</pre>
 */
public final class HfModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(HfModelLoader.class);

    private HfModelLoader() {}

    /** True when {@code dir} looks like a Hugging Face checkpoint (config.json and safetensors weights). */
    public static boolean isCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) && SafetensorsCheckpoint.isCheckpointDir(dir);
    }

    /**
     * {@link #isCheckpoint(Path)} over the names of a directory's files, as a listing of a remote one ({@code s3a://})
     * gives them.
     */
    public static boolean isCheckpoint(java.util.Collection<String> fileNames) {
        return fileNames.contains("config.json")
                && (fileNames.contains(SafetensorsCheckpoint.SINGLE) || fileNames.contains(SafetensorsCheckpoint.INDEX));
    }

    /** The configuration only. */
    public static ModelConfig config(Path dir) {
        HfConfig j = readConfig(dir);
        return config(j, Families.byHf(j.path(), j.modelType()));
    }

    /** {@code dir/config.json}, parsed once for a caller that needs it besides the model ({@link GenerationConfig#fromModelConfig}). */
    public static HfConfig readConfig(Path dir) {
        return HfConfig.read(configFile(dir));
    }

    private static ModelConfig config(HfConfig j, Family f) {
        try {
            return f.fromHf(j);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(j.path(), "inconsistent hyper-parameters: " + e.getMessage(), e);
        }
    }

    private static Path configFile(Path dir) {
        Path p = dir.resolve("config.json");
        if (!Files.isRegularFile(p)) {
            throw new ModelFormatException(dir, "no config.json in this directory (a Hugging Face checkpoint needs one)");
        }
        return p;
    }

    public static Model load(Path dir) {
        return load(dir, readConfig(dir));
    }

    /** The checkpoint in {@code dir}, whose {@code config.json} is {@code j} ({@link #readConfig}). */
    public static Model load(Path dir, HfConfig j) {
        Family f = Families.byHf(j.path(), j.modelType());
        ModelConfig c = config(j, f);
        try (SafetensorsCheckpoint st = SafetensorsCheckpoint.open(dir)) {
            GgufModelLoader.checkHeap(dir, vectorBytes(st));
            long t0 = System.nanoTime();
            Weights w = WeightsLoader.load(new HfCheckpoint(st, f.hfNames(j, c, st::has)), c);
            String fileType = w.layers()[0].wq().type().name();
            LOG.info("loaded {} ({} {}, {}) in {} ms", dir, j.modelType(), fileType, c, (System.nanoTime() - t0) / 1_000_000);
            return new Model(dir, "safetensors", fileType, c, w);
        }
    }

    /** Heap the 1-D tensors take as float arrays, plus the matrices when {@code -Dkindling.weights=heap} copies them. */
    private static long vectorBytes(SafetensorsCheckpoint st) {
        long n = 0;
        boolean inHeap = Tensors.weightsInHeap();
        for (String name : st.names()) {
            SafetensorsTensor t = st.tensor(name);
            n += t.shape().length <= 1 ? 4 * t.elementCount() : inHeap ? t.byteSize() : 0;
        }
        return n;
    }
}
