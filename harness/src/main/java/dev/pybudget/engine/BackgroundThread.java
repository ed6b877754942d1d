package dev.pybudget.engine;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** One daemon thread that runs the engine's background tasks in order, and a way to wait for it to catch up. */
final class BackgroundThread {
    private final ExecutorService executor;

    BackgroundThread(String name) {
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    void execute(Runnable task) {
        executor.execute(task);
    }

    <T> Future<T> submit(Callable<T> task) {
        return executor.submit(task);
    }

    /** Returns once every task given so far has run. */
    void awaitIdle() {
        try {
            executor.submit(() -> { }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
