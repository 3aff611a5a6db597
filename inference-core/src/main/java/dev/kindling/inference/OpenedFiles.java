package dev.kindling.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The model files an engine opened, as they were then (file key, size, last modified), for the error of a step that
 * fails. The weights are read where the file is mapped: a file written over in place while an engine runs (a copy or a
 * download to the same path, not a rename) changes what the engine reads, and one made shorter fails the next read of a
 * page past its new end with an {@link InternalError}, "a fault occurred in a recent unsafe memory access operation",
 * which named no file and said nothing of why. A file replaced by a rename (a new file key) is not this engine's: its
 * mapping keeps the old file's data.
 */
final class OpenedFiles {
    private record Stamp(Path file, Object key, long size, long modified) {}

    private final List<Stamp> stamps;

    private OpenedFiles(List<Stamp> stamps) {
        this.stamps = stamps;
    }

    /** {@code model} as it is now: the file, or a checkpoint directory's {@code .safetensors} files. */
    static OpenedFiles of(Path model) {
        List<Stamp> out = new ArrayList<>();
        try {
            if (Files.isDirectory(model)) {
                try (var files = Files.list(model)) {
                    for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList()) {
                        out.add(stamp(f));
                    }
                }
            } else {
                out.add(stamp(model));
            }
        } catch (IOException e) {
            // opened just now, so readable: nothing to compare with later then
        }
        return new OpenedFiles(out);
    }

    private static Stamp stamp(Path f) throws IOException {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        return new Stamp(f, a.fileKey(), a.size(), a.lastModifiedTime().toMillis());
    }

    /** The first file written over in place since it was opened, said in words; null when none was. */
    String changed() {
        for (Stamp then : stamps) {
            Stamp now;
            try {
                now = stamp(then.file());
            } catch (IOException e) {
                continue; // removed: its mapping keeps the data
            }
            if (!Objects.equals(now.key(), then.key()) || now.size() == then.size() && now.modified() == then.modified()) {
                continue;
            }
            return "the model file " + then.file() + " was written over while the engine had it open (" + then.size()
                    + " bytes when it opened, " + now.size() + " now" + (now.size() == then.size() ? ", modified since" : "")
                    + "): the engine reads its weights from the file as mapped, so replace a model by moving a new file to its"
                    + " path (mv), not by writing over it (cp, a download to the same path), and open the engine again";
        }
        return null;
    }
}
