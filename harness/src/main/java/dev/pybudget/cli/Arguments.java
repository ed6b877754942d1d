package dev.pybudget.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One command's arguments, read the getopt way: {@code --name VALUE}, {@code --name=VALUE}, {@code -n VALUE},
 * {@code -nVALUE}, {@code -n=VALUE}; a flag takes no value ({@code --flag=true|false} is read too); {@code --}
 * ends the options and what follows it is kept as given. Written by hand because picocli took about 170 ms of a
 * cold start (its classes, its converters' java.time and regex, reflection over annotations) before the workload
 * could start (docs/performance.md).
 *
 * <p>A missing value, a second value of an option that takes one, or a flag given a value other than true or
 * false is refused at once; an unknown option (or, for a command without operands, an operand) is kept for
 * {@link #refuseUnmatched()}, so that {@code --help} still wins over it, as it did with picocli.
 */
final class Arguments {

    /** An option: its long name, its short one (null: none), the label of its value (null: a flag), repeatable or not. */
    record Option(String longName, String shortName, String valueLabel, boolean repeatable) {
        static Option flag(String longName) {
            return new Option(longName, null, null, false);
        }

        static Option value(String longName, String valueLabel) {
            return new Option(longName, null, valueLabel, false);
        }

        boolean isFlag() {
            return valueLabel == null;
        }
    }

    static final Option HELP = new Option("--help", "-h", null, false);
    static final Option VERSION = new Option("--version", "-V", null, false);

    /** The values given, by long name; a flag given has "true" or "false". */
    private final Map<String, List<String>> values = new HashMap<>();
    /** The operands before {@code --} (a lone {@code -} is one). */
    final List<String> operands = new ArrayList<>();
    /** What came after the first {@code --}, as given. */
    final List<String> afterDashes = new ArrayList<>();
    /** The first argument this command does not know, said as a sentence; null when there was none. */
    private String unmatched;

    private Arguments() {}

    /**
     * Reads {@code args} against {@code options} (add {@link #HELP} and {@link #VERSION} to have them);
     * {@code operandsAllowed} false makes an operand as unmatched as an unknown option.
     *
     * @throws UsageException a missing value, a repeated single option, a flag's value other than true or false
     */
    static Arguments parse(List<String> args, List<Option> options, boolean operandsAllowed) {
        Arguments parsed = new Arguments();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                parsed.afterDashes.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (arg.length() < 2 || arg.charAt(0) != '-') {
                parsed.operand(arg, operandsAllowed);
                continue;
            }
            boolean isLong = arg.startsWith("--");
            int equals = arg.indexOf('=');
            String name = isLong ? (equals < 0 ? arg : arg.substring(0, equals)) : arg.substring(0, 2);
            // What follows the name in the same argument: --name=VALUE; -nVALUE or -n=VALUE.
            String attached = isLong ? (equals < 0 ? null : arg.substring(equals + 1))
                    : arg.length() == 2 ? null : arg.substring(arg.charAt(2) == '=' ? 3 : 2);
            Option option = find(options, name);
            if (option == null || (option.isFlag() && !isLong && attached != null)) { // (-hV: no clusters of flags)
                parsed.unmatched("unknown option '" + arg + "'.");
                continue;
            }
            String value;
            if (option.isFlag()) {
                value = attached == null ? "true" : attached.toLowerCase(Locale.ROOT);
                if (!value.equals("true") && !value.equals("false")) {
                    throw new UsageException("'" + attached + "' is not a boolean.");
                }
            } else if (attached != null) {
                value = attached;
            } else if (i + 1 < args.size() && !isOptionName(args.get(i + 1), options)) {
                value = args.get(++i);
            } else {
                throw new UsageException("option " + option.longName() + " needs a value.");
            }
            List<String> given = parsed.values.get(option.longName());
            if (given == null) {
                given = new ArrayList<>();
                parsed.values.put(option.longName(), given);
            } else if (!option.repeatable()) {
                throw new UsageException("option '" + option.longName() + "'"
                        + (option.isFlag() ? "" : " (" + option.valueLabel() + ")") + " should be specified only once.");
            }
            given.add(value);
        }
        if (!operandsAllowed) {
            for (String operand : parsed.afterDashes) {
                parsed.operand(operand, false);
            }
        }
        return parsed;
    }

    private void operand(String arg, boolean allowed) {
        if (allowed) {
            operands.add(arg);
        } else {
            unmatched("unexpected argument '" + arg + "'.");
        }
    }

    private void unmatched(String sentence) {
        if (unmatched == null) {
            unmatched = sentence;
        }
    }

    private static Option find(List<Option> options, String name) {
        for (Option option : options) {
            if (name.equals(option.longName()) || name.equals(option.shortName())) {
                return option;
            }
        }
        return null;
    }

    /**
     * An argument that starts with an option's name (--name, --name=..., -n, -n...) or ends the options is not taken
     * as the previous option's value, as picocli did: {@code --json --calls x} says --json lacks its value.
     */
    private static boolean isOptionName(String arg, List<Option> options) {
        int equals = arg.indexOf('=');
        String name = arg.startsWith("--") ? (equals < 0 ? arg : arg.substring(0, equals))
                : arg.substring(0, Math.min(2, arg.length()));
        return arg.equals("--") || find(options, name) != null;
    }

    /** How many ASCII digits {@code text} starts with: values are read without regex (see the class comment). */
    static int leadingDigits(String text) {
        int digits = 0;
        while (digits < text.length() && text.charAt(digits) >= '0' && text.charAt(digits) <= '9') {
            digits++;
        }
        return digits;
    }

    /** The value of a single option, null when not given. */
    String value(String longName) {
        List<String> given = values.get(longName);
        return given == null ? null : given.get(0);
    }

    /** Every value of a repeatable option, in the order given. */
    List<String> values(String longName) {
        return values.getOrDefault(longName, List.of());
    }

    boolean flag(String longName) {
        return "true".equals(value(longName));
    }

    /** Throws the sentence about the first unknown option (or unexpected operand), if there was one. */
    void refuseUnmatched() {
        if (unmatched != null) {
            throw new UsageException(unmatched);
        }
    }

    /** A command line of the wrong shape, said in one sentence (exit status 2, with the usage). */
    static final class UsageException extends RuntimeException {
        UsageException(String sentence) {
            super(sentence, null, false, false);
        }
    }
}
