package dev.kindling.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.TestSpark;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class GpuAssignmentTest {
    @Test
    void addressesMapThroughCudaVisibleDevices() {
        assertEquals(-1, GpuAssignment.ordinal(null, null));
        assertEquals(-1, GpuAssignment.ordinal(new String[0], "0,1"));
        assertEquals(3, GpuAssignment.ordinal(new String[] {"3"}, null), "all visible: the address is the ordinal");
        assertEquals(5, GpuAssignment.ordinal(new String[] {"5", "6"}, " "), "blank: all visible, the first address");
        assertEquals(1, GpuAssignment.ordinal(new String[] {"6"}, "4,6,7"), "position in CUDA_VISIBLE_DEVICES");
        assertEquals(0, GpuAssignment.ordinal(new String[] {"7"}, "GPU-1b2c"), "a container seeing one GPU");
        assertEquals(1, GpuAssignment.ordinal(new String[] {"1"}, "GPU-a,GPU-b"), "UUIDs listed: the address itself");
        assertEquals(-1, GpuAssignment.ordinal(new String[] {"GPU-x"}, null));
    }

    @Test
    void aTaskWithoutGpuResourcesGetsNone() {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<Integer> got = sc.parallelize(List.of(1, 2), 2).map(x -> GpuAssignment.deviceOrdinal()).collect();
        assertEquals(List.of(-1, -1), got);
        assertEquals(-1, GpuAssignment.deviceOrdinal(), "on the driver: no task");
    }
}
