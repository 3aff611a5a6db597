package dev.kindling.inference.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines' console in UTF-8 whatever the locale. Under {@code LANG=C} or {@code POSIX} (a container, cron, an
 * Airflow worker without {@code LANG}) Java encodes {@code System.out} in ASCII, so every non-ASCII character of a
 * completion or of {@code logits}' JSON came out as {@code ?}, silently, and it decodes each non-ASCII byte of the
 * arguments as U+FFFD, so {@code --prompt "Café"} reached the model as {@code Caf\uFFFD\uFFFD}. llama.cpp and Python
 * (PEP 538/540) write UTF-8 there too.
 *
 * <p>{@link #stdout} also keeps the first error writing it: a {@code PrintStream} swallows them, so a run writing to a
 * full disk ({@code > /dev/full}) or a closed descriptor exited 0 with nothing written.
 */
public final class Utf8Console {
    /** 128 + SIGPIPE (13): the exit code of a command stopped because nobody reads its stdout, as a shell reports yes | head -1. */
    public static final int STDOUT_CLOSED_EXIT = 141;
    private static volatile IOException stdoutFailure;

    private Utf8Console() {}

    /** Standard output as UTF-8 (flushed at each line and on {@code flush()}), its write errors kept ({@link #stdoutFailure}). */
    public static PrintStream stdout() {
        return new PrintStream(new BufferedOutputStream(new Recording(new FileOutputStream(FileDescriptor.out)), 1 << 13), true,
                StandardCharsets.UTF_8);
    }

    /** Standard error as UTF-8. */
    public static PrintStream stderr() {
        return new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    }

    /**
     * Why standard output could not be written (a full disk, a closed descriptor), or null; a reader that went away
     * ({@code | head}: a broken pipe) is no failure of the run.
     */
    public static String stdoutFailure() {
        IOException e = stdoutFailure;
        // EPIPE's text is translated by the C library ("Datenübergabe unterbrochen (broken pipe)", "Relais brisé (pipe)")
        if (e == null || (e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("pipe"))) {
            return null;
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * A command's exit code once its output is flushed: 1, with one line on {@code err} naming stdout, when the run
     * succeeded but its output could not be written.
     */
    public static int exitCode(int code, PrintStream out, PrintStream err, String command) {
        out.flush();
        String failure = stdoutFailure();
        if (failure != null && code == 0) {
            err.println(command + ": cannot write the output to stdout: " + failure);
            err.flush();
            return 1;
        }
        return code;
    }

    /** Forgets a kept failure (tests). */
    static void clearStdoutFailure() {
        stdoutFailure = null;
    }

    /**
     * The arguments as their UTF-8 bytes spell them. Where the JVM decoded them in a locale that is not UTF-8 (each
     * non-ASCII byte became U+FFFD), they are read again from {@code /proc/self/cmdline} (Linux), whose last entries
     * are this program's arguments, byte for byte; an argument whose bytes are not UTF-8, or any doubt about which
     * entries are which, leaves the JVM's.
     */
    public static String[] args(String[] decoded) {
        if (isUtf8(System.getProperty("sun.jnu.encoding", "UTF-8"))) {
            return decoded;
        }
        Path cmdline = Path.of("/proc/self/cmdline");
        if (!Files.isReadable(cmdline)) {
            return decoded;
        }
        try {
            return fromCmdline(decoded, Files.readAllBytes(cmdline));
        } catch (IOException | RuntimeException e) {
            return decoded;
        }
    }

    private static boolean isUtf8(String charset) {
        try {
            return Charset.forName(charset).equals(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return true; // a name Java does not know: leave the arguments as they are
        }
    }

    /** {@link #args} for the bytes of a {@code /proc/PID/cmdline} (NUL-terminated entries). */
    static String[] fromCmdline(String[] decoded, byte[] cmdline) {
        List<byte[]> entries = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                entries.add(java.util.Arrays.copyOfRange(cmdline, from, i));
                from = i + 1;
            }
        }
        if (from < cmdline.length) {
            entries.add(java.util.Arrays.copyOfRange(cmdline, from, cmdline.length));
        }
        if (entries.size() < decoded.length) {
            return decoded;
        }
        String[] out = decoded.clone();
        int offset = entries.size() - decoded.length;
        for (int i = 0; i < decoded.length; i++) {
            byte[] raw = entries.get(offset + i);
            if (!sameArgument(decoded[i], raw)) {
                return decoded; // not the entries expected (a launcher that rewrote them): leave every one as decoded
            }
            try {
                out[i] = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
            } catch (CharacterCodingException e) {
                out[i] = decoded[i]; // not UTF-8 at all: the warnings about U+FFFD in it stand
            }
        }
        return out;
    }

    /** Whether the JVM's decoding of {@code raw} in an ASCII locale gives {@code decoded}: each byte one character. */
    private static boolean sameArgument(String decoded, byte[] raw) {
        if (decoded.length() != raw.length) {
            return false;
        }
        for (int i = 0; i < raw.length; i++) {
            int b = raw[i] & 0xFF;
            char c = decoded.charAt(i);
            if (b < 0x80 ? c != b : c != '\uFFFD' && c != '?') {
                return false;
            }
        }
        return true;
    }

    /** Passes writes through and keeps the first error. */
    private static final class Recording extends OutputStream {
        private final OutputStream out;

        Recording(OutputStream out) {
            this.out = out;
        }

        private IOException kept(IOException e) {
            if (stdoutFailure == null) {
                stdoutFailure = e;
            }
            return e;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw kept(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw kept(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw kept(e);
            }
        }
    }
}
