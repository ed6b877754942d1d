package dev.pybudget.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README.md and docs/ cannot rot: their code is the example tests' code, docs/troubleshooting.md covers every error we
 * print, and every page the README links exists.
 */
class ReadmeTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern SNIPPET = Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL);
    /** The first literal of each exception a user can see: what the troubleshooting section must list. */
    static final Pattern ERROR = Pattern.compile("new (?:TraceException|ExtensionConfigurationException|AgentGoneException"
            + "|ContainerLaunchException|MissingProbeException|ElfException|UsageException|TestAbortedException)\\("
            + "[^\";]*?\"([^\"]{10,}?)(?:\"|\\\\)", Pattern.DOTALL);

    static String readme() throws IOException {
        return Files.readString(ROOT.resolve("README.md"));
    }

    /** README.md followed by every page under docs/. */
    static String readmeAndDocs() throws IOException {
        StringBuilder all = new StringBuilder(readme());
        try (Stream<Path> pages = Files.list(ROOT.resolve("docs"))) {
            for (Path page : pages.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                all.append('\n').append(Files.readString(page));
            }
        }
        return all.toString();
    }

    @Test
    void should_link_only_pages_that_exist_and_stay_a_first_screen() throws IOException {
        String readme = readme();
        Matcher link = Pattern.compile("\\]\\((docs/[^)#]+)").matcher(readme);
        int links = 0;
        while (link.find()) {
            links++;
            assertThat(ROOT.resolve(link.group(1))).as("README.md links %s", link.group(1)).isRegularFile();
        }
        assertThat(links).as("links from README.md to docs/").isGreaterThanOrEqualTo(5);
        assertThat(readme.length()).as("README.md's size: detail belongs in docs/").isLessThanOrEqualTo(12_000);
    }

    @Test
    void should_show_the_example_tests_code_exactly() throws IOException {
        Matcher m = SNIPPET.matcher(readmeAndDocs());
        int snippets = 0;
        while (m.find()) {
            snippets++;
            String source = Files.readString(ROOT.resolve(m.group(1)));
            String start = "// snippet:" + m.group(2) + "\n";
            int from = source.indexOf(start);
            int to = source.indexOf("// end-snippet", from);
            assertThat(from).as("snippet %s in %s", m.group(2), m.group(1)).isNotNegative();
            assertThat(m.group(3)).as("README's snippet %s#%s", m.group(1), m.group(2))
                    .isEqualTo(source.substring(from + start.length(), to));
        }
        assertThat(snippets).as("snippets in README.md and docs/").isGreaterThanOrEqualTo(3);
    }

    @Test
    void should_list_every_error_sentence_in_troubleshooting() throws IOException {
        String troubleshooting = Files.readString(ROOT.resolve("docs/troubleshooting.md"));
        TreeSet<String> missing = new TreeSet<>();
        for (String sentence : errorSentences()) {
            if (!troubleshooting.contains(sentence)) {
                missing.add(sentence);
            }
        }
        assertThat(missing).as("error sentences the code can print that docs/troubleshooting.md does not list").isEmpty();
    }

    /** The fixed start of every error sentence in the main sources. */
    static List<String> errorSentences() throws IOException {
        List<String> sentences = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve("harness/src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = ERROR.matcher(Files.readString(file));
                while (m.find()) {
                    sentences.add(m.group(1).strip());
                }
            }
        }
        assertThat(sentences).as("error sentences found in the sources").hasSizeGreaterThan(20);
        return sentences;
    }
}
