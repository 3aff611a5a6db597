package dev.kindling.testing;

import java.io.IOException;
import java.io.OutputStream;

/** An output that fails as a full disk does, for tests of what a write error names (shared by the modules' tests). */
public final class FullDisk {
    private FullDisk() {}

    /** A stream that takes {@code room} bytes and then fails with "No space left on device". */
    public static OutputStream withRoom(long room) {
        return new OutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > room) {
                    throw new IOException("No space left on device");
                }
                written += len;
            }
        };
    }
}
