package dev.kindling.spark.sql;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.sql.SqlUdfs.Arg;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A SQL function as it is registered ({@link SqlUdfs#register}): its name and its arguments, in order, and the one place
 * its errors take an argument's position from. The function's lambda and its constant checks ask for an argument by
 * name ({@link #argument}), which fails at registration where the function has no argument of that name, so a
 * function whose arguments are reordered, or one copied from another, cannot name the wrong argument, as a name and
 * an index written out beside the registration could.
 */
public record SqlFunction(String name, List<Arg> args) {
    public SqlFunction {
        args = List.copyOf(args);
        List<String> names = new ArrayList<>();
        for (Arg a : args) {
            if (names.contains(a.name())) {
                throw new IllegalArgumentException(name + " declares two arguments named " + a.name());
            }
            names.add(a.name());
        }
    }

    /** The argument named {@code argName}; one this function does not have is refused, naming the ones it has. */
    public Argument argument(String argName) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).name().equals(argName)) {
                return argument(i);
            }
        }
        throw new IllegalArgumentException(name + " has no argument named " + argName + " (its arguments: "
                + String.join(", ", args.stream().map(Arg::name).toList()) + ")");
    }

    /** Argument {@code index} (0-based). */
    Argument argument(int index) {
        return new Argument(name, index, args.get(index).name());
    }

    /** Refuses a lambda of {@code arity} arguments for this function, where it declares another number of them. */
    void requireArity(int arity) {
        if (args.size() != arity) {
            throw new IllegalArgumentException(name + " declares " + args.size() + " arguments but is registered with a function of "
                    + arity);
        }
    }

    /**
     * One argument of a function, as its errors name it: small and serialisable, for the function's lambda to take to
     * its tasks (an {@link Arg}'s checks are not).
     */
    public record Argument(String function, int index, String name) implements Serializable {
        /** How an error names it: {@code kindling_score: argument 2 (model)}. */
        public String named() {
            return function + ": argument " + (index + 1) + " (" + name + ")";
        }

        /**
         * The error for a bad value of it: {@code "kindling_normalize: argument 2 (mode) 'x': unknown normalisation 'x':
         * expected none, exact or near"}.
         */
        public KindlingException bad(String value, IllegalArgumentException e) {
            return new KindlingException(KindlingException.USAGE, named() + " '" + value + "': " + e.getMessage(), e);
        }

        /**
         * The error for a NULL value of it where the function has no NULL answer: {@code "kindling_quality_reason:
         * argument 2 (filters) is NULL: <what>"}.
         */
        public KindlingException isNull(String what) {
            return new KindlingException(KindlingException.USAGE, named() + " is NULL: " + what);
        }
    }
}
