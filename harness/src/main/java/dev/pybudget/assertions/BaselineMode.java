package dev.pybudget.assertions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * What a baseline check does with the baseline file. Settings are JUnit configuration parameters
 * (e.g. in {@code src/test/resources/junit-platform.properties}); a system property of the same
 * name overrides them:
 * <ul>
 *   <li>{@value #PROPERTY}{@code =update} rewrites every baseline from this run;</li>
 *   <li>{@value #CI_PROPERTY}{@code =true|false} says whether this is a CI run; unset, CI is detected from the
 *       variables CI systems set ({@link #CI_VARIABLES});</li>
 *   <li>{@value #UPDATE_ON_CI_PROPERTY}{@code =true} allows update mode on CI, which otherwise fails.</li>
 * </ul>
 */
public enum BaselineMode {
    /** Compare; a missing baseline is written from this run and the check passes with a note. Off CI. */
    CHECK_OR_RECORD,
    /** Compare; a missing baseline fails, so that CI never blesses whatever it measured. On CI. */
    CHECK,
    /** Write every baseline anew from this run ({@value #PROPERTY}=update). */
    UPDATE;

    /** The setting that asks for {@link #UPDATE}: {@code pybudget.baselines=update}. */
    public static final String PROPERTY = "pybudget.baselines";
    /** The setting that says whether this run is on CI, overriding detection: {@code pybudget.ci=true|false}. */
    public static final String CI_PROPERTY = "pybudget.ci";
    /** The setting that allows update mode on CI: {@code pybudget.baselines.updateOnCi=true}. */
    public static final String UPDATE_ON_CI_PROPERTY = "pybudget.baselines.updateOnCi";

    /**
     * Environment variables by which CI systems announce themselves: set to anything but empty,
     * "false" or "0", each means CI (GitHub Actions, GitLab, Jenkins, TeamCity, Azure Pipelines,
     * CircleCI, Travis, Buildkite, Bitbucket, AWS CodeBuild, AppVeyor, Drone, and the generic ones).
     */
    public static final List<String> CI_VARIABLES = List.of("CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "JENKINS_URL",
            "TEAMCITY_VERSION", "GITHUB_ACTIONS", "GITLAB_CI", "TF_BUILD", "CIRCLECI", "TRAVIS", "BUILDKITE",
            "BITBUCKET_BUILD_NUMBER", "CODEBUILD_BUILD_ID", "APPVEYOR", "DRONE");

    private static volatile Function<String, Optional<String>> configuration = BaselineMode::fromPropertiesFile;

    /**
     * Where settings are read when no system property gives them. The JUnit extension sets its
     * configuration parameters here; until then they come from {@code junit-platform.properties} on
     * the class path, the file JUnit reads them from.
     *
     * @return the configuration used until now, to put back when the run ends
     */
    public static synchronized Function<String, Optional<String>> useConfiguration(Function<String, Optional<String>> parameters) {
        Function<String, Optional<String>> before = configuration;
        configuration = java.util.Objects.requireNonNull(parameters, "parameters");
        return before;
    }

    /** A setting: the system property, else the configuration parameter of the same name. */
    static Optional<String> setting(String key) {
        String property = System.getProperty(key);
        return property != null ? Optional.of(property) : configuration.apply(key);
    }

    /** From the settings and this process's environment. */
    public static BaselineMode current() {
        return of(setting(PROPERTY).orElse(null), System.getenv(), setting(CI_PROPERTY).orElse(null),
                setting(UPDATE_ON_CI_PROPERTY).orElse(null));
    }

    /**
     * @param property   the value of {@value #PROPERTY}: "update" or unset (null or empty)
     * @param ciVariable the value of CI
     * @deprecated detects CI from the variable CI only; use {@link #of(String, Map, String, String)}
     */
    @Deprecated
    public static BaselineMode of(String property, String ciVariable) {
        return of(property, ciVariable == null ? Map.of() : Map.of("CI", ciVariable), null, "true");
    }

    /**
     * @param property    the value of {@value #PROPERTY}: "update" or unset (null or empty)
     * @param environment the environment variables, where CI is detected
     * @param ci          the value of {@value #CI_PROPERTY}: "true", "false", or unset (null: detect)
     * @param updateOnCi  the value of {@value #UPDATE_ON_CI_PROPERTY}: "true" allows update mode on CI
     * @throws IllegalArgumentException for any other value of a setting (a typo must not silently check), and for update
     *         mode on CI without {@value #UPDATE_ON_CI_PROPERTY}=true
     */
    public static BaselineMode of(String property, Map<String, String> environment, String ci, String updateOnCi) {
        Optional<String> onCi = ci != null && !ci.isEmpty() ? (bool(CI_PROPERTY, ci) ? Optional.of(CI_PROPERTY + "=true")
                : Optional.empty()) : ciVariable(environment);
        if (property != null && !property.isEmpty()) {
            if (!property.equals("update")) {
                throw new IllegalArgumentException("-D" + PROPERTY + " must be 'update' or unset, got '" + property + "'.");
            }
            boolean allowed = updateOnCi != null && !updateOnCi.isEmpty() && bool(UPDATE_ON_CI_PROPERTY, updateOnCi);
            if (onCi.isPresent() && !allowed) {
                throw new IllegalArgumentException("Baselines are not rewritten on CI (" + onCi.get() + "): a baseline written"
                        + " there blesses whatever the run measured; update them on a workstation and commit them, or set "
                        + UPDATE_ON_CI_PROPERTY + "=true.");
            }
            return UPDATE;
        }
        return onCi.isPresent() ? CHECK : CHECK_OR_RECORD;
    }

    /** The first variable that says this is CI, as "NAME=value". */
    static Optional<String> ciVariable(Map<String, String> environment) {
        for (String name : CI_VARIABLES) {
            String value = environment.get(name);
            if (value != null && !value.isBlank() && !value.equalsIgnoreCase("false") && !value.equals("0")) {
                return Optional.of(name + "=" + value);
            }
        }
        return Optional.empty();
    }

    private static boolean bool(String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be 'true' or 'false', got '" + value + "'.");
        };
    }

    private static Optional<String> fromPropertiesFile(String key) {
        ClassLoader loader = Optional.ofNullable(Thread.currentThread().getContextClassLoader())
                .orElse(BaselineMode.class.getClassLoader());
        try (InputStream in = loader.getResourceAsStream("junit-platform.properties")) {
            if (in == null) {
                return Optional.empty();
            }
            Properties p = new Properties();
            p.load(in);
            return Optional.ofNullable(p.getProperty(key)).map(String::strip);
        } catch (IOException e) {
            throw new UncheckedIOException("junit-platform.properties could not be read: " + e.getMessage(), e);
        }
    }
}
