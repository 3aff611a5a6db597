package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExecutorCoresTest {
    @Test
    void fromTheMasterAndTheExecutorCores() {
        assertEquals(1, ExecutorCores.of("local", null, 16));
        assertEquals(2, ExecutorCores.of("local[2]", null, 16));
        assertEquals(2, ExecutorCores.of("local[2,3]", "8", 16));
        assertEquals(16, ExecutorCores.of("local[*]", null, 16));
        assertEquals(3, ExecutorCores.of("local-cluster[2, 3, 1024]", null, 16));
        assertEquals(4, ExecutorCores.of("yarn", "4", 16));
        assertEquals(4, ExecutorCores.of("spark://host:7077", " 4 ", 16));
        assertEquals(16, ExecutorCores.of("spark://host:7077", null, 16));
        assertEquals(16, ExecutorCores.of("k8s://https://api", "many", 16));
    }
}
