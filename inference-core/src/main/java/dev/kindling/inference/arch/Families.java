package dev.kindling.inference.arch;

import dev.kindling.formats.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Every family Kindling reads, found by GGUF architecture or Hugging Face model type. */
public final class Families {
    public static final List<Family> ALL = List.of(new Llama(), new Qwen2(), new Qwen(), new Phi2(), new GptNeoX(),
            new StableLm(), new Falcon(), new Mpt(), new Bloom(), new Opt());

    private Families() {}

    public static Family byGguf(Path file, String architecture) {
        for (Family f : ALL) {
            if (f.ggufArchitectures().contains(architecture)) {
                return f;
            }
        }
        throw new ModelFormatException(file, "GGUF architecture " + architecture + " is not supported (supported: "
                + String.join(", ", supported(true)) + ")");
    }

    public static Family byHf(Path config, String modelType) {
        for (Family f : ALL) {
            if (f.hfModelTypes().contains(modelType)) {
                return f;
            }
        }
        throw new ModelFormatException(config, "model_type " + (modelType.isEmpty() ? "(missing)" : modelType)
                + " is not supported (supported: " + String.join(", ", supported(false)) + ")");
    }

    public static List<String> supported(boolean gguf) {
        TreeSet<String> names = new TreeSet<>();
        for (Family f : ALL) {
            names.addAll(gguf ? f.ggufArchitectures() : f.hfModelTypes());
        }
        return new ArrayList<>(names);
    }
}
