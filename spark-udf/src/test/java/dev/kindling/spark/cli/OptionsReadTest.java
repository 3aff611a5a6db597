package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.xbean.asm9.ClassReader;
import org.apache.xbean.asm9.ClassVisitor;
import org.apache.xbean.asm9.Handle;
import org.apache.xbean.asm9.MethodVisitor;
import org.apache.xbean.asm9.Opcodes;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

/**
 * Every option a command accepts, its own or one it inherits (the shared Spark job options, the mixins), is read by
 * code that command runs: {@code bench dedup} accepted {@code --output} from the shared options and wrote nowhere, and
 * {@code demo} accepted {@code --format parquet} and wrote JSON Lines. Walks every command's picocli spec and, for each
 * option's field, looks in the bytecode reachable from the command's class (its methods, the methods they call in
 * Kindling's classes, transitively, lambdas included) for a read of that field. An option a command has no use for is
 * to be taken out of it ({@link SparkCommand#unusedJobOptions}), so that passing it is a usage error.
 */
class OptionsReadTest {
    @Test
    void everyOptionOfEveryCommandIsReadByThatCommand() throws Exception {
        List<String> unread = new ArrayList<>();
        int checked = 0;
        for (CommandLine cl : Cli.commands()) {
            Object command = cl.getCommand();
            Set<String> reads = new Reachability().fieldReadsFrom(command.getClass());
            List<ArgSpec> args = new ArrayList<>(cl.getCommandSpec().options());
            args.addAll(cl.getCommandSpec().positionalParameters());
            for (ArgSpec a : args) {
                if (a.isOption() && (((CommandLine.Model.OptionSpec) a).usageHelp() || ((CommandLine.Model.OptionSpec) a).versionHelp())) {
                    continue;
                }
                if (!(a.userObject() instanceof Field f)) {
                    continue; // bound to a method: calling it is what the option does
                }
                checked++;
                if (!reads.contains(f.getDeclaringClass().getName().replace('.', '/') + "." + f.getName())) {
                    unread.add(cl.getCommandSpec().qualifiedName() + " " + (a.isOption()
                            ? ((CommandLine.Model.OptionSpec) a).longestName() : a.paramLabel()));
                }
            }
        }
        assertTrue(checked > 100, "walked the commands' options: " + checked);
        assertEquals(List.of(), unread, "options accepted and never read");
    }

    /**
     * Every command that does something (not a group such as {@code bench}) takes --verbose, which sets the log levels
     * through Logs.configure: {@code bench kernels} and {@code bench tokenizer} refused it as an unknown option.
     */
    @Test
    void everyCommandTakesVerbose() {
        List<String> without = new ArrayList<>();
        for (CommandLine cl : Cli.commands()) {
            if (cl.getSubcommands().isEmpty() && cl.getCommandSpec().findOption("--verbose") == null) {
                without.add(cl.getCommandSpec().qualifiedName());
            }
        }
        assertEquals(List.of(), without, "commands without --verbose");
    }

    @Test
    void anOptionACommandDoesNotReadIsAUsageErrorNamingIt() {
        Cli.Result r = Cli.run("bench", "dedup", "--input", "in.jsonl", "--output", "out");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--output"), r.err());
        Cli.Result help = Cli.run("bench", "dedup", "--help");
        assertEquals(0, help.code(), help.toString());
        assertTrue(!help.out().contains("--output") && help.out().contains("--input"), help.out());
        Cli.Result selfInstruct = Cli.run("distill", "self-instruct", "--teacher", "t.gguf", "--seed-tasks", "seeds.jsonl",
                "--num", "1", "--output", "out", "--system", "Be brief.");
        assertEquals(2, selfInstruct.code(), selfInstruct.toString());
        assertTrue(selfInstruct.err().contains("--system"), selfInstruct.err());
    }

    /**
     * The fields (as "owner/Class.name", by the class declaring them) read by the methods of a command class and its
     * superclasses, and by every method of Kindling's classes they call, transitively. A call resolves to the method in
     * its owner class or the nearest superclass or interface declaring it (a call through an interface to an
     * implementation elsewhere is not followed).
     */
    private static final class Reachability {
        private final Map<String, Map<String, MethodBody>> classes = new HashMap<>();
        private final Set<String> visited = new HashSet<>();
        private final Set<String> reads = new HashSet<>();

        record MethodBody(List<String[]> calls, List<String[]> fieldReads) {}

        Set<String> fieldReadsFrom(Class<?> command) throws IOException {
            Deque<String[]> pending = new ArrayDeque<>();
            for (Class<?> c = command; c != null && c.getName().startsWith("dev.kindling."); c = c.getSuperclass()) {
                String internal = c.getName().replace('.', '/');
                for (String key : methods(internal).keySet()) {
                    pending.push(new String[] {internal, key});
                }
            }
            while (!pending.isEmpty()) {
                String[] m = pending.pop();
                String[] resolved = resolve(m[0], m[1]);
                if (resolved == null || !visited.add(resolved[0] + "." + resolved[1])) {
                    continue;
                }
                MethodBody body = methods(resolved[0]).get(resolved[1]);
                for (String[] read : body.fieldReads()) {
                    String declaring = declaringClass(read[0], read[1]);
                    if (declaring != null) {
                        reads.add(declaring + "." + read[1]);
                    }
                }
                for (String[] call : body.calls()) {
                    if (call[0].startsWith("dev/kindling/")) {
                        pending.push(call);
                    }
                }
            }
            return reads;
        }

        /** The class declaring field {@code name} as seen from {@code owner} (javac names the receiver's type). */
        private static String declaringClass(String owner, String name) {
            try {
                for (Class<?> c = Class.forName(owner.replace('/', '.'), false, OptionsReadTest.class.getClassLoader());
                        c != null; c = c.getSuperclass()) {
                    for (Field f : c.getDeclaredFields()) {
                        if (f.getName().equals(name)) {
                            return c.getName().replace('.', '/');
                        }
                    }
                }
            } catch (ClassNotFoundException | LinkageError e) {
                return null;
            }
            return null;
        }

        /** {class, method key} of the body a call to {@code key} on {@code owner} runs, or null outside Kindling. */
        private String[] resolve(String owner, String key) throws IOException {
            if (owner == null || !owner.startsWith("dev/kindling/")) {
                return null;
            }
            Map<String, MethodBody> ms = methods(owner);
            if (ms == null) {
                return null;
            }
            if (ms.containsKey(key)) {
                return new String[] {owner, key};
            }
            for (String parent : supertypes.getOrDefault(owner, List.of())) {
                String[] r = resolve(parent, key);
                if (r != null) {
                    return r;
                }
            }
            return null;
        }

        private final Map<String, List<String>> supertypes = new HashMap<>();

        private Map<String, MethodBody> methods(String internal) throws IOException {
            if (classes.containsKey(internal)) {
                return classes.get(internal);
            }
            Map<String, MethodBody> out = new HashMap<>();
            try (InputStream in = OptionsReadTest.class.getClassLoader().getResourceAsStream(internal + ".class")) {
                if (in == null) {
                    classes.put(internal, null);
                    return null;
                }
                new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                    @Override
                    public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                        List<String> s = new ArrayList<>();
                        if (superName != null) {
                            s.add(superName);
                        }
                        s.addAll(List.of(interfaces == null ? new String[0] : interfaces));
                        supertypes.put(name, s);
                    }

                    @Override
                    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                        MethodBody body = new MethodBody(new ArrayList<>(), new ArrayList<>());
                        out.put(name + descriptor, body);
                        return new MethodVisitor(Opcodes.ASM9) {
                            @Override
                            public void visitFieldInsn(int opcode, String owner, String field, String desc) {
                                if (opcode == Opcodes.GETFIELD || opcode == Opcodes.GETSTATIC) {
                                    body.fieldReads().add(new String[] {owner, field});
                                }
                            }

                            @Override
                            public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                                body.calls().add(new String[] {owner, method + desc});
                            }

                            @Override
                            public void visitInvokeDynamicInsn(String name, String desc, Handle bootstrap, Object... args) {
                                for (Object a : args) {
                                    if (a instanceof Handle h) {
                                        body.calls().add(new String[] {h.getOwner(), h.getName() + h.getDesc()});
                                    }
                                }
                            }
                        };
                    }
                }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            }
            classes.put(internal, out);
            return out;
        }
    }
}
