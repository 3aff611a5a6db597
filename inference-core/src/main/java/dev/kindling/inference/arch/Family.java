package dev.kindling.inference.arch;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.model.ModelConfig;
import java.util.List;
import java.util.function.Predicate;

/**
 * A model family: how its files describe it. The block structure itself is shared
 * ({@link dev.kindling.inference.model.Architecture}, computed by one forward pass); a family only
 * says which building blocks it uses, how its hyper-parameters are named in {@code config.json} and
 * in GGUF metadata, and how its Hugging Face tensors map onto the canonical (GGUF) names.
 */
public interface Family {
    /** Hugging Face {@code model_type} values this family reads. */
    List<String> hfModelTypes();

    /** GGUF {@code general.architecture} values (empty when llama.cpp has no such architecture). */
    List<String> ggufArchitectures();

    /** The configuration from {@code config.json}. */
    ModelConfig fromHf(HfConfig config);

    /** How the checkpoint names the canonical tensors; {@code stored} tells which names exist. */
    TensorNames hfNames(HfConfig config, ModelConfig c, Predicate<String> stored);

    /**
     * The configuration from GGUF metadata. Only families with {@link #ggufArchitectures()} are
     * asked ({@link Families#byGguf} finds no other), so the default is never reached.
     */
    default ModelConfig fromGguf(GgufFile gguf) {
        throw new IllegalStateException(getClass().getSimpleName() + " lists no GGUF architecture; Families.byGguf cannot return it");
    }

    /** GGUF names that differ from the canonical ones (rarely any). */
    default TensorNames ggufNames(GgufFile gguf, ModelConfig c) {
        return TensorNames.identity();
    }
}
