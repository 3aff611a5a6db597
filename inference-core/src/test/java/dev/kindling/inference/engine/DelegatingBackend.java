package dev.kindling.inference.engine;

import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.model.ModelConfig;

/** A backend (the CPU one, or another test's wrapper of it) behind a test's changes to one part of it (what its forward returns, when it runs, its close). */
abstract class DelegatingBackend implements Backend {
    final Backend inner;

    DelegatingBackend(Backend inner) {
        this.inner = inner;
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + " " + inner.describe();
    }

    @Override
    public ModelConfig config() {
        return inner.config();
    }

    @Override
    public int maxBatchTokens() {
        return inner.maxBatchTokens();
    }

    @Override
    public int kvBlockSize() {
        return inner.kvBlockSize();
    }

    @Override
    public int kvBlockCount() {
        return inner.kvBlockCount();
    }

    @Override
    public boolean reducesLogits() {
        return inner.reducesLogits();
    }

    @Override
    public void forward(Step s) {
        inner.forward(s);
    }

    @Override
    public void close() {
        inner.close();
    }
}
