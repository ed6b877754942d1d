package dev.pybudget.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A USDT site's argument spec as {@code bpf_usdt_arg()} of libbpf's {@code usdt.bpf.h} reads it (a
 * {@code struct __bpf_usdt_spec} in the {@code __bpf_usdt_specs} map, found through the attach cookie),
 * made from the note's argument string as libbpf's own x86-64 parser does. What libbpf's
 * {@code bpf_program__attach_usdt} writes for each site; a multi-uprobe link, which libbpf 1.1 cannot
 * make, needs it written here.
 */
final class UsdtSpec {
    private UsdtSpec() {}

    /** BPF_USDT_MAX_ARG_CNT; sizeof(struct __bpf_usdt_arg_spec) = 16; the spec: 12 args, a u64 cookie, a short count. */
    static final int MAX_ARGS = 12;
    private static final int ARG_SIZE = 16;
    static final int SIZE = MAX_ARGS * ARG_SIZE + 16;
    /** enum __bpf_usdt_arg_type */
    private static final int CONST = 0, REG = 1, REG_DEREF = 2;

    /** offsetof(struct pt_regs, ...) on x86-64, for each name of the register (64, 32, 16, 8 bits). */
    private static final Map<String, Integer> PT_REGS = registers();

    private static Map<String, Integer> registers() {
        Map<String, Integer> m = new java.util.HashMap<>();
        Object[][] table = {
                {new String[] {"rip", "eip"}, 128},
                {new String[] {"rax", "eax", "ax", "al"}, 80},
                {new String[] {"rbx", "ebx", "bx", "bl"}, 40},
                {new String[] {"rcx", "ecx", "cx", "cl"}, 88},
                {new String[] {"rdx", "edx", "dx", "dl"}, 96},
                {new String[] {"rsi", "esi", "si", "sil"}, 104},
                {new String[] {"rdi", "edi", "di", "dil"}, 112},
                {new String[] {"rbp", "ebp", "bp", "bpl"}, 32},
                {new String[] {"rsp", "esp", "sp", "spl"}, 152},
                {new String[] {"r8", "r8d", "r8w", "r8b"}, 72},
                {new String[] {"r9", "r9d", "r9w", "r9b"}, 64},
                {new String[] {"r10", "r10d", "r10w", "r10b"}, 56},
                {new String[] {"r11", "r11d", "r11w", "r11b"}, 48},
                {new String[] {"r12", "r12d", "r12w", "r12b"}, 24},
                {new String[] {"r13", "r13d", "r13w", "r13b"}, 16},
                {new String[] {"r14", "r14d", "r14w", "r14b"}, 8},
                {new String[] {"r15", "r15d", "r15w", "r15b"}, 0}};
        for (Object[] row : table) {
            for (String name : (String[]) row[0]) {
                m.put(name, (Integer) row[1]);
            }
        }
        return Map.copyOf(m);
    }

    // libbpf's sscanf formats: "%d@%ld(%%%[^)])", "%d@(%%%[^)])", "%d@%%%s", "%d@$%ld".
    private static final Pattern DEREF = Pattern.compile("(-?\\d+)@(-?\\d+)?\\(%(\\w+)\\)");
    private static final Pattern REGISTER = Pattern.compile("(-?\\d+)@%(\\w+)");
    private static final Pattern CONSTANT = Pattern.compile("(-?\\d+)@\\$(-?\\d+)");

    /**
     * The spec's bytes for {@code arguments} (e.g. {@code 8@%rbx -4@112(%rsp)}), or empty when an argument is of a
     * form this parser does not know (indexed memory operands, aarch64's): no CPython marker seen so far has one.
     */
    static Optional<byte[]> of(String arguments) {
        ByteBuffer spec = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        String trimmed = arguments.trim();
        String[] args = trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
        if (args.length > MAX_ARGS) {
            return Optional.empty();
        }
        for (int i = 0; i < args.length; i++) {
            int at = i * ARG_SIZE;
            Matcher m;
            int size;
            if ((m = DEREF.matcher(args[i])).matches() && PT_REGS.containsKey(m.group(3))) {
                size = Integer.parseInt(m.group(1));
                spec.putLong(at, m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
                spec.putInt(at + 8, REG_DEREF);
                spec.putShort(at + 12, PT_REGS.get(m.group(3)).shortValue());
            } else if ((m = REGISTER.matcher(args[i])).matches() && PT_REGS.containsKey(m.group(2))) {
                size = Integer.parseInt(m.group(1));
                spec.putInt(at + 8, REG);
                spec.putShort(at + 12, PT_REGS.get(m.group(2)).shortValue());
            } else if ((m = CONSTANT.matcher(args[i])).matches()) {
                size = Integer.parseInt(m.group(1));
                spec.putLong(at, Long.parseLong(m.group(2)));
                spec.putInt(at + 8, CONST);
            } else {
                return Optional.empty();
            }
            int bytes = Math.abs(size);
            if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) {
                return Optional.empty();
            }
            spec.put(at + 14, (byte) (size < 0 ? 1 : 0));
            spec.put(at + 15, (byte) (64 - bytes * 8));
        }
        spec.putLong(MAX_ARGS * ARG_SIZE, 0); // usdt_cookie: bpf_usdt_cookie() is not used
        spec.putShort(MAX_ARGS * ARG_SIZE + 8, (short) args.length);
        return Optional.of(spec.array());
    }
}
