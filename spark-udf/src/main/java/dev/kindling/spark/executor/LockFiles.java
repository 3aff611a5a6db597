package dev.kindling.spark.executor;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM's locks on lock files: each lock file open once, however many of its threads hold or take a lock on it.
 *
 * <p>A Java file lock is the process's. Linux drops every lock a process holds on a file when the process closes any
 * descriptor of it, so a thread that opened and closed a lock file let go of the locks the JVM's other threads held
 * there; and Java refuses ({@code OverlappingFileLockException}) a lock on bytes another thread of the JVM holds. So a
 * lock file stays open while any thread holds a lock on it or waits for one, and each byte locked (a region) counts its
 * holders in this JVM: shared ones together, an exclusive one alone; the first takes the lock from the system and the
 * last lets it go. A thread waits for other JVMs by trying again every {@link #POLL_MS} ms, and for this JVM's holders
 * until they leave. The file is read, locked and closed on a thread of its own that nothing interrupts: Java closes a
 * file when a thread blocked on it is interrupted (a task killed), which would drop every thread's locks.
 */
final class LockFiles {
    private static final Logger LOG = LoggerFactory.getLogger(LockFiles.class);

    /** How often a thread waiting for a lock another JVM holds tries again. */
    static final long POLL_MS = 50;

    /** The lock files this JVM has open, by real path (guarded by itself). */
    private static final Map<Path, File> OPEN = new HashMap<>();

    /** Runs every operation on an open lock file: uninterrupted, and none of them waits. */
    private static final ExecutorService IO = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kindling-lock-files");
        t.setDaemon(true);
        return t;
    });

    private LockFiles() {}

    /** A lock file as this JVM has it open, and its locked bytes (guarded by the File). */
    private static final class File {
        final Path path;
        final RandomAccessFile file;
        final Map<Long, Region> regions = new HashMap<>();
        /** Threads holding a lock on it or taking one (guarded by {@link #OPEN}): the last closes it. */
        int users;

        File(Path path, RandomAccessFile file) {
            this.path = path;
            this.file = file;
        }
    }

    /** One locked byte of a lock file: this JVM's holders and its lock from the system while it has any. */
    private static final class Region {
        int shared;
        boolean exclusive;
        FileLock lock;
    }

    /** A lock this JVM holds on one byte of a lock file, until closed (closing it again does nothing). */
    static final class Lock implements AutoCloseable {
        private final File file;
        private final long position;
        private final boolean shared;
        private boolean closed;

        private Lock(File file, long position, boolean shared) {
            this.file = file;
            this.position = position;
            this.shared = shared;
        }

        /** The length of the file locked (the one at the path when it was opened). */
        long length() throws IOException {
            return io(file.file::length);
        }

        /** Makes the file locked {@code length} bytes long, without writing a byte: it needs no free space. */
        void setLength(long length) throws IOException {
            io(() -> {
                file.file.setLength(length);
                return null;
            });
        }

        /**
         * Deletes the file at the path (the caller knows it is the one locked) and forgets it: a later lock opens the
         * path again. The lock is held until closed.
         */
        void delete() throws IOException {
            Files.delete(file.path);
            forget();
        }

        /** Forgets the file locked: a later lock opens the path again (the file locked is not the one there). */
        void forget() {
            synchronized (OPEN) {
                OPEN.remove(file.path, file);
            }
        }

        @Override
        public void close() {
            synchronized (file) {
                if (closed) {
                    return;
                }
                closed = true;
                Region r = file.regions.get(position);
                if (shared) {
                    r.shared--;
                } else {
                    r.exclusive = false;
                }
                if (r.shared == 0 && !r.exclusive) {
                    file.regions.remove(position);
                    try {
                        io(() -> {
                            r.lock.release();
                            return null;
                        });
                    } catch (IOException e) {
                        LOG.warn("cannot release the lock on {}: {}", file.path, e.toString());
                    }
                }
                file.notifyAll();
            }
            leave(file);
        }
    }

    /** A lock on byte {@code position} of {@code path} (created if missing), waiting for other holders to let it go. */
    static Lock lock(Path path, long position, boolean shared) throws IOException {
        return take(path, position, shared, true);
    }

    /** A lock on byte {@code position} of {@code path} (created if missing); null when another holder (here or not) has it. */
    static Lock tryLock(Path path, long position, boolean shared) throws IOException {
        return take(path, position, shared, false);
    }

    private static Lock take(Path path, long position, boolean shared, boolean wait) throws IOException {
        File f = enter(path);
        try {
            boolean taken;
            synchronized (f) {
                while (!(taken = take(f, position, shared)) && wait) {
                    // a task killed without an interrupt waited out the holder (another executor's copy of a model: minutes)
                    PerTask.stopIfKilled("the lock on " + path);
                    f.wait(POLL_MS); // this JVM's holder leaving wakes it; another JVM's, the next try
                }
            }
            if (taken) {
                return new Lock(f, position, shared);
            }
            leave(f);
            return null;
        } catch (InterruptedException e) {
            leave(f);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the lock on " + path);
        } catch (IOException | RuntimeException | Error e) {
            leave(f);
            throw e;
        }
    }

    /** One more holder of byte {@code position} of {@code f} if this JVM's holders and the system let it (f's monitor held). */
    private static boolean take(File f, long position, boolean shared) throws IOException {
        Region r = f.regions.get(position);
        if (r == null) {
            FileLock lock = io(() -> f.file.getChannel().tryLock(position, 1, shared));
            if (lock == null) {
                return false;
            }
            r = new Region();
            r.lock = lock;
            f.regions.put(position, r);
        } else if (r.exclusive || !shared) {
            return false;
        }
        if (shared) {
            r.shared++;
        } else {
            r.exclusive = true;
        }
        return true;
    }

    /** {@code path}'s lock file as this JVM has it open (opened now if it has not), with one more user. */
    private static File enter(Path path) throws IOException {
        // the real folder: one file however its path is spelled (a relative cache folder, a link)
        Path real = path.toAbsolutePath().getParent().toRealPath().resolve(path.getFileName());
        synchronized (OPEN) {
            File f = OPEN.get(real);
            if (f == null) {
                f = new File(real, io(() -> new RandomAccessFile(real.toFile(), "rw")));
                OPEN.put(real, f);
            }
            f.users++;
            return f;
        }
    }

    /** One user of {@code f} fewer; the last closes it (this JVM then holds no lock on it). */
    private static void leave(File f) {
        synchronized (OPEN) {
            if (--f.users > 0) {
                return;
            }
            OPEN.remove(f.path, f);
            try {
                io(() -> {
                    f.file.close();
                    return null;
                });
            } catch (IOException e) {
                LOG.warn("cannot close {}: {}", f.path, e.toString());
            }
        }
    }

    /** {@code op}'s result, run on {@link #IO}; the caller waits for it even if interrupted (none of them blocks). */
    private static <T> T io(Callable<T> op) throws IOException {
        Future<T> result = IO.submit(op);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException ioe) {
                throw ioe;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
