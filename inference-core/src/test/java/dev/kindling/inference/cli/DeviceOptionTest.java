package dev.kindling.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.cuda.CudaProbe;
import dev.kindling.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code --device auto|cpu|cuda} and {@code --gpu N} on the engine commands. */
class DeviceOptionTest {
    @Test
    void deviceOptions() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, LogitsCommand.run(new String[] {"--model", model, "--prompt", "Once", "--device", "gpu"}, System.out, errs));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--device must be auto, cpu or cuda, got gpu"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, GenerateCommand.run(new String[] {"--model", model, "--prompt", "Once", "--gpu", "-5"}, System.out, errs));
        assertEquals(0, LogitsCommand.run(new String[] {"--model", model, "--prompt", "Once", "--device", "cpu", "--gpu", "0", "--top", "1"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), errs));
        // any case, as --kv-cache-type F16 is taken (--device CPU was refused)
        assertEquals(0, LogitsCommand.run(new String[] {"--model", model, "--prompt", "Once", "--device", "CPU", "--top", "1"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), errs), err.toString(StandardCharsets.UTF_8));
        assertEquals("cpu", dev.kindling.inference.EngineOptions.defaults().withDevice("Cpu").device());
        Assumptions.assumeFalse(CudaProbe.get().available(), "checked where CUDA is missing");
        // one line and exit 1, as the kindling launcher prints it (it was the exception's stack trace)
        err.reset();
        assertEquals(1, GenerateCommand.run(new String[] {"--model", model, "--prompt", "Once", "--device", "cuda"}, System.out, errs));
        assertEquals("generate: " + CudaProbe.get().reason() + "; the device 'cuda' needs a usable NVIDIA GPU ('auto' runs on the CPU"
                + " when there is none)", err.toString(StandardCharsets.UTF_8).strip());
    }
}
