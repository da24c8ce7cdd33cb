package io.hapg.examples.cluster;

/**
 * What the demo jar's commands ({@code soak}, {@code bench}) share when they parse their flags:
 * each error names the flag and what it needs, as an {@link IllegalArgumentException} the command
 * prints before its usage line (exit 2).
 */
public final class Flags {
    private Flags() {
    }

    /**
     * {@code value}, unless the flag was already given ({@code previous} not null).
     *
     * @throws IllegalArgumentException {@code --flag given twice}
     */
    public static <T> T once(String flag, T previous, T value) {
        if (previous != null) {
            throw new IllegalArgumentException(flag + " given twice");
        }
        return value;
    }

    /**
     * A whole number from 1 to {@code max}.
     *
     * @param what what is counted, for the message ({@code minutes}); empty for a plain number
     * @throws IllegalArgumentException {@code --flag needs a whole number [of what] from 1 to max, got 'value'}
     */
    public static int count(String flag, String value, String what, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " needs a whole number" + (what.isEmpty() ? "" : " of " + what)
                + " from 1 to " + max + ", got '" + value + "'");
    }

    /**
     * {@code on} or {@code off}.
     *
     * @throws IllegalArgumentException {@code --flag needs on or off, got 'value'}
     */
    public static boolean onOff(String flag, String value) {
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(flag + " needs on or off, got '" + value + "'");
        };
    }
}
