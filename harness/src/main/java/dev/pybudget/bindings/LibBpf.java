package dev.pybudget.bindings;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * The libbpf 1.x functions pybudget uses, and nothing more. {@code size_t} is {@code long};
 * functions returning a pointer return NULL and set errno on failure; functions returning
 * int return a negative errno.
 */
public interface LibBpf extends Library {

    /** Loaded on first use, so that a machine without libbpf fails with our sentence, not at class load. */
    static LibBpf load() {
        return Holder.INSTANCE;
    }

    final class Holder {
        private Holder() {}

        static final LibBpf INSTANCE = Native.load("libbpf.so.1", LibBpf.class);
    }

    interface PrintFn extends Callback {
        int invoke(int level, String format, Pointer vaList);
    }

    interface SampleFn extends Callback {
        int invoke(Pointer ctx, Pointer data, long size);
    }

    PrintFn libbpf_set_print(PrintFn fn);

    Pointer bpf_object__open_mem(Pointer buf, long size, Pointer opts);

    int bpf_object__load(Pointer obj);

    void bpf_object__close(Pointer obj);

    Pointer bpf_object__next_map(Pointer obj, Pointer previous);

    Pointer bpf_object__find_map_by_name(Pointer obj, String name);

    Pointer bpf_object__find_program_by_name(Pointer obj, String name);

    String bpf_map__name(Pointer map);

    int bpf_map__fd(Pointer map);

    int bpf_map__reuse_fd(Pointer map, int fd);

    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    /** enum bpf_map_type */
    int bpf_map__type(Pointer map);

    int bpf_map__key_size(Pointer map);

    int bpf_map__value_size(Pointer map);

    int bpf_map__max_entries(Pointer map);

    int bpf_map__map_flags(Pointer map);

    /** A map of its own, outside any object; its fd, or a negative errno. opts: struct bpf_map_create_opts, or null. */
    int bpf_map_create(int mapType, String name, int keySize, int valueSize, int maxEntries, Pointer opts);

    Pointer bpf_map__initial_value(Pointer map, LongByReference size);

    int bpf_map__set_initial_value(Pointer map, byte[] data, long size);

    Pointer bpf_program__attach_usdt(Pointer prog, int pid, String binaryPath, String provider, String name, Pointer opts);

    /** opts: struct bpf_uprobe_opts (sz, ref_ctr_offset, bpf_cookie, retprobe, func_name), 40 bytes since libbpf 1.0. */
    Pointer bpf_program__attach_uprobe_opts(Pointer prog, int pid, String binaryPath, long funcOffset, Pointer opts);
    /** Attaches a program where its SEC() name says (here: a raw tracepoint); a link, or NULL and errno. */
    Pointer bpf_program__attach(Pointer prog);

    /** Attaches to an open perf event; the link owns pfd from then on and closes it. */
    Pointer bpf_program__attach_perf_event(Pointer prog, int pfd);

    int bpf_link__destroy(Pointer link);

    Pointer bpf_object__next_program(Pointer obj, Pointer previous);

    /** enum bpf_prog_type */
    int bpf_program__type(Pointer prog);

    /** Before load: the attach type the kernel verifies the program for (a multi-uprobe link needs its own). */
    int bpf_program__set_expected_attach_type(Pointer prog, int type);

    int bpf_program__fd(Pointer prog);

    int bpf_map_lookup_elem(int fd, byte[] key, byte[] value);

    int bpf_map_update_elem(int fd, byte[] key, byte[] value, long flags);

    int bpf_map_get_next_key(int fd, byte[] key, byte[] nextKey);

    /**
     * Up to {@code count} entries from where {@code inBatch} left off (null: from the start), keys and values packed;
     * {@code count} becomes the number copied; -ENOENT once the map has no more (the last entries copied all the same).
     */
    int bpf_map_lookup_batch(int fd, Pointer inBatch, Pointer outBatch, Pointer keys, Pointer values, IntByReference count,
                             Pointer opts);

    Pointer ring_buffer__new(int mapFd, SampleFn sample, Pointer ctx, Pointer opts);

    int ring_buffer__poll(Pointer rb, int timeoutMs);

    int ring_buffer__consume(Pointer rb);

    int ring_buffer__epoll_fd(Pointer rb);

    void ring_buffer__free(Pointer rb);
}
