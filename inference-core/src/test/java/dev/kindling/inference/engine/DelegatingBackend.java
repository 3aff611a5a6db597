package dev.kindling.inference.engine;

import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.model.ModelConfig;

/** The CPU backend behind a test's changes to one part of it (what its forward returns, when it runs, its close). */
abstract class DelegatingBackend implements Backend {
    final CpuBackend cpu;

    DelegatingBackend(CpuBackend cpu) {
        this.cpu = cpu;
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + " " + cpu.describe();
    }

    @Override
    public ModelConfig config() {
        return cpu.config();
    }

    @Override
    public int maxBatchTokens() {
        return cpu.maxBatchTokens();
    }

    @Override
    public int kvBlockSize() {
        return cpu.kvBlockSize();
    }

    @Override
    public int kvBlockCount() {
        return cpu.kvBlockCount();
    }

    @Override
    public void forward(Step s) {
        cpu.forward(s);
    }

    @Override
    public void close() {
        cpu.close();
    }
}
