package dev.pybudget.junit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * How a test is named in the summary and in its files: unique per invocation, so that a
 * parameterized, repeated or dynamic test's runs and two nested classes of the same simple name
 * never share a row or overwrite each other's recording.
 */
final class TestNames {
    private TestNames() {}

    private static final Pattern INVOCATION = Pattern.compile("\\[(?:test-template-invocation|dynamic-test|dynamic-container"
            + "|class-template-invocation):#(\\d+)]");

    /** "CheckoutTest", "OuterTest.Inner" for a nested class: what the summary groups by. */
    static String testClass(ExtensionContext context) {
        return classPath(testClassOf(context));
    }

    /** The test class, also from a dynamic test's context (which has none of its own). */
    static Class<?> testClassOf(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            if (c.getTestClass().isPresent()) {
                return c.getTestClass().get();
            }
        }
        throw new IllegalStateException("No test class above " + context.getUniqueId());
    }

    static String classPath(Class<?> c) {
        String name = c.getSimpleName();
        for (Class<?> outer = c.getEnclosingClass(); outer != null; outer = outer.getEnclosingClass()) {
            name = outer.getSimpleName() + "." + name;
        }
        return name;
    }

    /** The invocation numbers from the outermost in, e.g. [2] for a parameterized test's second run; empty for a plain test. */
    static List<String> invocations(ExtensionContext context) {
        List<String> numbers = new ArrayList<>();
        Matcher m = INVOCATION.matcher(context.getUniqueId());
        while (m.find()) {
            numbers.add(m.group(1));
        }
        return numbers;
    }

    /** "CheckoutTest.firstRequest()", "CheckoutTest.size()[2]", "Outer.Inner.test()", "Api.calls()[1][3]". */
    static String test(ExtensionContext context, String method) {
        StringBuilder name = new StringBuilder(testClass(context)).append('.').append(method).append("()");
        invocations(context).forEach(n -> name.append('[').append(n).append(']'));
        return name.toString();
    }

    /** "CheckoutTest-firstRequest", "CheckoutTest-size-2", "Outer.Inner-test": the start of the test's file names. */
    static String fileStem(ExtensionContext context, String method) {
        StringBuilder name = new StringBuilder(testClass(context)).append('-').append(method);
        invocations(context).forEach(n -> name.append('-').append(n));
        return name.toString().replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
