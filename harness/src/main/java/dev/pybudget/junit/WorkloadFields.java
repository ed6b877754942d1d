package dev.pybudget.junit;

import dev.pybudget.engine.TracedWorkload;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestInstances;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * The {@link Workload} fields a test can see: those of its class and superclasses and, for a
 * {@code @Nested} class, of its enclosing classes, read from the test's own instances.
 */
final class WorkloadFields {
    private WorkloadFields() {}

    /**
     * A field and the workload it holds.
     *
     * @param scope the class of the test's instance chain that has the field (itself or by inheritance)
     */
    record Visible(Field field, TracedWorkload workload, Class<?> scope) {
        String name() {
            return field.getName();
        }
    }

    /** The fields of {@code testClass} and its superclasses, top down; static or not, or both when {@code wantStatic} is null. */
    static List<Field> declared(Class<?> testClass, Boolean wantStatic) {
        List<Field> fields = new ArrayList<>();
        for (Field field : AnnotationSupport.findAnnotatedFields(testClass, Workload.class, f -> true,
                HierarchyTraversalMode.TOP_DOWN)) {
            if (!TracedWorkload.class.isAssignableFrom(field.getType())) {
                throw new ExtensionConfigurationException("@Workload field '" + field.getName() + "' must hold a TracedWorkload"
                        + " (PythonWorkloadContainer or LocalWorkload), not " + field.getType().getSimpleName() + ".");
            }
            if (wantStatic == null || Modifier.isStatic(field.getModifiers()) == wantStatic) {
                fields.add(field);
            }
        }
        return fields;
    }

    /**
     * Every workload the test in {@code context} can see, outermost class first. Without test
     * instances (before any test of the class), only the static ones of the test class.
     */
    static List<Visible> visible(ExtensionContext context) {
        List<Object> instances = context.getTestInstances().map(TestInstances::getAllInstances).orElse(List.of());
        List<Class<?>> classes = new ArrayList<>();
        if (instances.isEmpty()) {
            classes.add(context.getRequiredTestClass());
        } else {
            instances.forEach(i -> classes.add(i.getClass()));
        }
        List<Visible> visible = new ArrayList<>();
        Set<Field> seen = new LinkedHashSet<>();
        for (int i = 0; i < classes.size(); i++) {
            Object instance = instances.isEmpty() ? null : instances.get(i);
            for (Field field : declared(classes.get(i), null)) {
                boolean isStatic = Modifier.isStatic(field.getModifiers());
                if ((isStatic || instance != null) && seen.add(field)) {
                    visible.add(new Visible(field, read(field, isStatic ? null : instance), classes.get(i)));
                }
            }
        }
        return visible;
    }

    /**
     * The workloads of the innermost class that has any: what the test's budgets and its
     * {@link Recorder} are about. A {@code @Nested} class without workloads of its own uses its
     * enclosing class's.
     */
    static List<Visible> own(List<Visible> visible) {
        if (visible.isEmpty()) {
            return List.of();
        }
        Class<?> innermost = visible.get(visible.size() - 1).scope();
        return visible.stream().filter(v -> v.scope() == innermost).toList();
    }

    static TracedWorkload read(Field field, Object instance) {
        try {
            field.setAccessible(true);
            TracedWorkload workload = (TracedWorkload) field.get(instance);
            if (workload == null) {
                throw new ExtensionConfigurationException("@Workload field '" + field.getName() + "' is null: initialise it.");
            }
            return workload;
        } catch (IllegalAccessException e) {
            throw new ExtensionConfigurationException("@Workload field '" + field.getName() + "' cannot be read.", e);
        }
    }
}
