package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Jinja2's {@code round(precision=0, method='common')}: 'common' is Python's {@code round()}, half to
 * even on the exact binary value, a float for a float ({@code 2.5|round} is {@code 2.0}) and an int
 * for an int; 'ceil' and 'floor' give a float. Jinjava's rounded half up and dropped the float type,
 * so {@code 2.5|round} printed 3.
 */
public final class PyRound implements Filter {
    @Override
    public String getName() {
        return "round";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object p = kwargs.containsKey("precision") ? kwargs.get("precision") : args.length > 0 ? args[0] : 0L;
        Object m = kwargs.containsKey("method") ? kwargs.get("method") : args.length > 1 ? args[1] : "common";
        int precision = p instanceof Number n ? n.intValue() : Integer.parseInt(p.toString().trim());
        String method = String.valueOf(m);
        if (!(var instanceof Number) && !(var instanceof Boolean)) {
            throw new ChatTemplateException("round: type " + PyAddition.typeName(var) + " doesn't define __round__ method");
        }
        boolean isFloat = var instanceof Double || var instanceof Float;
        BigDecimal exact = var instanceof Boolean b ? BigDecimal.valueOf(b ? 1 : 0)
                : isFloat ? new BigDecimal(((Number) var).doubleValue()) : new BigDecimal(var.toString());
        switch (method) {
            case "common" -> {
                BigDecimal r = exact.setScale(precision, RoundingMode.HALF_EVEN);
                return isFloat ? (Object) r.doubleValue() : (Object) r.setScale(0, RoundingMode.HALF_EVEN).longValueExact();
            }
            case "ceil", "floor" -> {
                // as Jinja2 computes it, in floats: math.ceil(value * 10**precision) / 10**precision
                double scale = Math.pow(10, precision);
                double scaled = ((Number) (var instanceof Boolean b ? (b ? 1 : 0) : var)).doubleValue() * scale;
                return (method.equals("ceil") ? Math.ceil(scaled) : Math.floor(scaled)) / scale;
            }
            default -> throw new ChatTemplateException("round: method must be 'common', 'ceil' or 'floor'");
        }
    }
}
