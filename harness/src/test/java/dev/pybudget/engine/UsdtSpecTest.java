package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The argument specs written for multi-uprobe links, field by field as usdt.bpf.h reads them. */
class UsdtSpecTest {

    /** One struct __bpf_usdt_arg_spec: val_off, arg_type, reg_off, arg_signed, arg_bitshift. */
    private record Arg(long valOff, int type, int regOff, boolean signed, int bitshift) {}

    private static Arg arg(byte[] spec, int i) {
        ByteBuffer b = ByteBuffer.wrap(spec).order(ByteOrder.LITTLE_ENDIAN);
        int at = i * 16;
        return new Arg(b.getLong(at), b.getInt(at + 8), b.getShort(at + 12), b.get(at + 14) != 0, b.get(at + 15));
    }

    private static int count(byte[] spec) {
        return ByteBuffer.wrap(spec).order(ByteOrder.LITTLE_ENDIAN).getShort(12 * 16 + 8);
    }

    @Test
    void should_read_python_3_11_audit_and_gc_start_arguments_as_libbpf_does() {
        // Debian's python3.11: audit "8@%rbx 8@%r15", gc__start "-4@112(%rsp)", import__find__load__done "8@%rax -4@%edx".
        byte[] audit = UsdtSpec.of("8@%rbx 8@%r15").orElseThrow();
        assertThat(audit).hasSize(208);
        assertThat(count(audit)).isEqualTo(2);
        assertThat(arg(audit, 0)).isEqualTo(new Arg(0, 1, 40, false, 0));
        assertThat(arg(audit, 1)).isEqualTo(new Arg(0, 1, 0, false, 0));

        byte[] gc = UsdtSpec.of("-4@112(%rsp)").orElseThrow();
        assertThat(count(gc)).isEqualTo(1);
        assertThat(arg(gc, 0)).isEqualTo(new Arg(112, 2, 152, true, 32));

        byte[] done = UsdtSpec.of("8@%rax -4@%edx").orElseThrow();
        assertThat(arg(done, 1)).isEqualTo(new Arg(0, 1, 96, true, 32));
    }

    @Test
    void should_read_constants_bare_dereferences_and_negative_offsets() {
        assertThat(arg(UsdtSpec.of("-4@$-7").orElseThrow(), 0)).isEqualTo(new Arg(-7, 0, 0, true, 32));
        assertThat(arg(UsdtSpec.of("2@(%rdi)").orElseThrow(), 0)).isEqualTo(new Arg(0, 2, 112, false, 48));
        assertThat(arg(UsdtSpec.of("1@-20(%rbp)").orElseThrow(), 0)).isEqualTo(new Arg(-20, 2, 32, false, 56));
        assertThat(count(UsdtSpec.of("").orElseThrow())).isZero();
    }

    @Test
    void should_refuse_what_it_cannot_read_so_that_libbpf_attaches_it() {
        assertThat(UsdtSpec.of("8@(%rax,%rdx,8)")).as("indexed").isEmpty();
        assertThat(UsdtSpec.of("8@%xmm0")).as("not a general register").isEmpty();
        assertThat(UsdtSpec.of("3@%rax")).as("odd size").isEmpty();
        assertThat(UsdtSpec.of("-4@[sp, 12]")).as("aarch64").isEmpty();
    }
}
