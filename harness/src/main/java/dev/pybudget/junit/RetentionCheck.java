package dev.pybudget.junit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Catches a team's budget annotation that the JVM never shows: one without
 * {@code @Retention(RUNTIME)} is dropped before the test runs, so its budgets would silently not
 * be checked. Java keeps a CLASS-retention annotation in the class file, where this finds it; a
 * SOURCE-retention one leaves no trace at all and cannot be caught.
 */
final class RetentionCheck {
    private RetentionCheck() {}

    private static final Class<?>[] BUDGETS = {GcBudget.class, GcBudget.List.class, NoImports.class, NoImports.List.class,
        MaxCalls.class, MaxCalls.List.class, NoAudit.class, NoAudit.List.class};

    /** Fails when {@code testClass}'s class file uses an annotation that carries budgets but is not kept at run time. */
    static void requireVisibleBudgets(Class<?> testClass) {
        for (Class<?> c = testClass; c != null && c != Object.class; c = c.getSuperclass()) {
            requireVisibleBudgets(c, testClass);
        }
    }

    private static void requireVisibleBudgets(Class<?> declaring, Class<?> testClass) {
        for (String descriptor : descriptors(declaring)) {
            Optional<Class<?>> type = load(descriptor, declaring.getClassLoader());
            if (type.isEmpty() || !type.get().isAnnotation() || !carriesBudgets(type.get())) {
                continue;
            }
            Retention retention = type.get().getAnnotation(Retention.class);
            if (retention == null || retention.value() != RetentionPolicy.RUNTIME) {
                throw new ExtensionConfigurationException("@" + type.get().getSimpleName() + " on "
                        + TestNames.classPath(declaring) + " carries budgets, but without @Retention(RetentionPolicy.RUNTIME)"
                        + " Java drops it before the tests run, so its budgets would not be checked: add"
                        + " @Retention(RetentionPolicy.RUNTIME) to " + type.get().getSimpleName() + ".");
            }
        }
    }

    private static boolean carriesBudgets(Class<?> annotationType) {
        for (Class<?> budget : BUDGETS) {
            @SuppressWarnings("unchecked")
            Class<? extends java.lang.annotation.Annotation> b = (Class<? extends java.lang.annotation.Annotation>) budget;
            if (AnnotationSupport.isAnnotated(annotationType, b)) {
                return true;
            }
        }
        return false;
    }

    private static Optional<Class<?>> load(String descriptor, ClassLoader loader) {
        try {
            return Optional.of(Class.forName(descriptor.substring(1, descriptor.length() - 1).replace('/', '.'), false, loader));
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
    }

    /** The "Lpkg/Name;" strings of the class file's constant pool: among them, every annotation type it uses. */
    private static Set<String> descriptors(Class<?> c) {
        Set<String> found = new LinkedHashSet<>();
        String file = c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class";
        try (InputStream raw = c.getResourceAsStream(file)) {
            if (raw == null) {
                return found; // a class made at run time: nothing to read
            }
            DataInputStream in = new DataInputStream(raw);
            in.readInt(); // magic
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> {
                        String utf8 = in.readUTF();
                        if (utf8.length() > 2 && utf8.startsWith("L") && utf8.endsWith(";") && utf8.indexOf(';') == utf8.length() - 1) {
                            found.add(utf8);
                        }
                    }
                    case 3, 4 -> in.skipBytes(4);
                    case 5, 6 -> {
                        in.skipBytes(8);
                        i++; // a long or double takes two entries
                    }
                    case 7, 8, 16, 19, 20 -> in.skipBytes(2);
                    case 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                    case 15 -> in.skipBytes(3);
                    default -> {
                        return found; // a constant this reader does not know: stop, rather than misread
                    }
                }
            }
        } catch (IOException e) {
            return found; // unreadable: the check is a help, not a gate
        }
        return found;
    }
}
