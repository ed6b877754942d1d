package dev.pybudget.assertions.internal;

/**
 * Shell-style globs as the kernel's call matcher reads them: '*' matches any run of characters,
 * '?' exactly one, everything else itself. No classes or escapes, so that a pattern means the same
 * here as in bpf/calls.bpf.c.
 */
public final class Globs {
    private Globs() {}

    /** The same greedy matcher with backtracking to the last '*' as the kernel's GLOB_STEP. */
    public static boolean matches(String glob, String text) {
        int i = 0;
        int j = 0;
        int star = -1;
        int mark = 0;
        while (i < text.length()) {
            if (j < glob.length() && glob.charAt(j) != '*' && (glob.charAt(j) == '?' || glob.charAt(j) == text.charAt(i))) {
                i++;
                j++;
            } else if (j < glob.length() && glob.charAt(j) == '*') {
                star = ++j;
                mark = i;
            } else if (star >= 0) {
                j = star;
                i = ++mark;
            } else {
                return false;
            }
        }
        while (j < glob.length() && glob.charAt(j) == '*') {
            j++;
        }
        return j == glob.length();
    }

    /**
     * An audit event name or glob, e.g. "socket.connect" or "socket.*".
     *
     * @throws IllegalArgumentException when null, empty, or with characters no event name has
     */
    public static String requireEventGlob(String glob) {
        if (glob == null || glob.isEmpty()) {
            throw new IllegalArgumentException("An audit event name must not be null or empty, e.g. 'socket.connect' or 'socket.*'.");
        }
        for (int k = 0; k < glob.length(); k++) {
            char c = glob.charAt(k);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException("Malformed audit event pattern '" + glob
                        + "': event names have no spaces, e.g. 'socket.connect' or 'socket.*'.");
            }
            if (c == '[' || c == ']' || c == '{' || c == '}' || c == '\\') {
                throw new IllegalArgumentException("Malformed audit event pattern '" + glob
                        + "': only the wildcards '*' and '?' are supported.");
            }
        }
        return glob;
    }

    /**
     * A module or package name, e.g. "email" or "xml.dom".
     *
     * @throws IllegalArgumentException unless it is dotted identifiers
     */
    public static String requireModuleName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A module name must not be null or empty, e.g. 'email' or 'xml.dom'.");
        }
        for (String part : name.split("\\.", -1)) {
            if (part.isEmpty() || !Character.isJavaIdentifierStart(part.codePointAt(0))
                    || !part.codePoints().allMatch(c -> Character.isJavaIdentifierPart(c) && c != '$')
                    || part.charAt(0) == '$') {
                throw new IllegalArgumentException("Malformed module name '" + name
                        + "': expected a module or package name such as 'email' or 'xml.dom' (no wildcards).");
            }
        }
        return name;
    }

    /** "email" covers "email" and "email.mime.text", not "emailx". */
    public static boolean coversModule(String packageName, String module) {
        return module.equals(packageName) || module.startsWith(packageName + ".");
    }
}
