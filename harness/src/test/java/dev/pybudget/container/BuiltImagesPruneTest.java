package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Image;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/** Pruning the images pybudget derives from a base (the agent's): the newest stay, and so do recent ones. */
class BuiltImagesPruneTest {

    static final String LABEL = "dev.pybudget.test-prune";
    final String value = "run-" + System.nanoTime();
    final DockerClient docker = DockerClientFactory.instance().client();

    @AfterEach
    void removeThem() {
        for (Image image : labelled()) {
            docker.removeImageCmd(image.getId()).withForce(true).exec();
        }
    }

    @Test
    void should_keep_every_image_built_in_the_last_day_and_remove_the_older_ones_but_the_newest() throws Exception {
        List<String> built = new ArrayList<>(); // their names
        for (int i = 0; i < 3; i++) {
            built.add(build(i));
            Thread.sleep(1100); // Docker's creation time is in seconds: three builds, three times
        }

        BuiltImages.prune(LABEL, value, 1);
        assertThat(labelled()).as("built a moment ago, by another run maybe: all kept").hasSize(3);

        BuiltImages.prune(LABEL, value, 1, Duration.ZERO);
        assertThat(labelled()).flatExtracting(i -> List.of(i.getRepoTags())).as("old enough: the newest kept")
                .containsExactly(built.get(2));
    }

    private String build(int n) {
        return new ImageFromDockerfile("pybudget-test/prune-" + value + ":" + n, false)
                .withFileFromString("Dockerfile", String.join("\n", "FROM debian:bookworm-slim",
                        "LABEL " + LABEL + "=" + value + " n=" + n, ""))
                .get();
    }

    private List<Image> labelled() {
        return docker.listImagesCmd().withLabelFilter(Map.of(LABEL, value)).exec();
    }
}
