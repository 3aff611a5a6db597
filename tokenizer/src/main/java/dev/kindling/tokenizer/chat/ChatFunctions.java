package dev.kindling.tokenizer.chat;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.function.Supplier;

/** The globals transformers gives chat templates, as {@link PyGlobals} offers them to templates. */
public final class ChatFunctions {
    private ChatFunctions() {}

    /** A method of a dict as a value ({@code d.items} not called): defined, true, callable, printed as Python's. */
    record Name(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    /** {@code raise_exception(message)}: the template rejects the conversation. */
    public static Object raiseException(Object message) {
        throw new ChatTemplateException("the chat template raised: " + message);
    }

    /** The time strftime_now reads on this thread in place of the clock, set by {@link #withClock}; null: the clock. */
    private static final ThreadLocal<ZonedDateTime> FIXED_NOW = new ThreadLocal<>();

    /** {@code strftime_now(format)}: the current local time in Python's strftime syntax. */
    public static String strftimeNow(String format) {
        ZonedDateTime fixed = FIXED_NOW.get();
        return strftime(fixed != null ? fixed : ZonedDateTime.now(), format);
    }

    /**
     * Runs {@code body} (a render, on this thread) with strftime_now reading {@code now}: a test compares with a
     * reference rendered with the clock fixed at the same time.
     */
    static <T> T withClock(ZonedDateTime now, Supplier<T> body) {
        FIXED_NOW.set(now);
        try {
            return body.get();
        } finally {
            FIXED_NOW.remove();
        }
    }

    /** Python's strftime for the directives chat templates use (%d %b %Y %B %m %H %M %S %A %a %y %j %p %I %%). */
    public static String strftime(ZonedDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
                case 'e' -> sb.append(String.format("%2d", t.getDayOfMonth()));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
                case 'H' -> sb.append(String.format("%02d", t.getHour()));
                case 'I' -> sb.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> sb.append(String.format("%02d", t.getMinute()));
                case 'S' -> sb.append(String.format("%02d", t.getSecond()));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(d);
            }
        }
        return sb.toString();
    }
}
