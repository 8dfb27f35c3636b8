package io.deltasnap.testsupport;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs a parser on bytes from outside and checks the two properties each fuzz target states: only
 * the format's own refusal escapes, and the heap the parse allocates stays under a bound that does
 * not depend on what lengths the input declares.
 *
 * <p>Allocation is measured with the JVM's per-thread allocation counter
 * ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}), so a parser that
 * allocates a buffer of a declared length before checking it fails here even when the heap could
 * hold it. Native memory (zstd's contexts) and other threads are not counted: parse on the calling
 * thread. A bound includes {@link #FIRST_USE_BYTES} for what a parse allocates once (linking,
 * a stack trace's first walk), which no declared length should come near; a parse over its bound
 * is run a second time before it fails, since its first run may have loaded classes (and, while
 * fuzzing, instrumented them) on this thread.
 *
 * @param allocationLimit the most heap bytes one parse may allocate
 * @param refusals        the exception types that are the format's own refusal
 */
public record UntrustedInput(long allocationLimit, List<Class<? extends Throwable>> refusals) {
    /** Heap a parse may take once for loading and linking its classes; part of every bound. */
    public static final long FIRST_USE_BYTES = 16L << 20;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A parse that may throw anything (what it may throw is decided by {@link #refusals}) and returns non-null. */
    @FunctionalInterface
    public interface Parse<T> {
        T run() throws Throwable;
    }

    public UntrustedInput {
        if (allocationLimit <= 0) {
            throw new IllegalArgumentException("allocation limit must be positive: " + allocationLimit);
        }
        refusals = List.copyOf(refusals);
        if (!THREADS.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        THREADS.setThreadAllocatedMemoryEnabled(true);
    }

    @SafeVarargs
    public static UntrustedInput refusedOnlyBy(long allocationLimit, Class<? extends Throwable>... refusals) {
        return new UntrustedInput(allocationLimit, Arrays.asList(refusals));
    }

    /**
     * Runs {@code parse} once.
     *
     * @return what the parse returned (accepted input), or empty if it was refused with one of
     *         {@link #refusals}
     * @throws AssertionError if anything else escaped (an {@link Error} such as
     *                        {@link OutOfMemoryError} included), or if the parse allocated more
     *                        than {@link #allocationLimit} bytes, whether it accepted or refused,
     *                        on two runs in a row (a parse over its bound is run once more, so
     *                        that what its first run spent loading classes is not counted)
     */
    public <T> Optional<T> parse(String what, Parse<T> parse) {
        Objects.requireNonNull(parse, "parse");
        Run<T> run = run(what, parse);
        if (run.allocated() > allocationLimit) {
            // The first run of a code path loads classes (and, while fuzzing, instruments them) on
            // this thread; a parse whose allocation follows its input allocates as much again.
            run = run(what, parse);
        }
        if (run.allocated() > allocationLimit) {
            AssertionError e = new AssertionError(what + ": allocated " + run.allocated() + " bytes, more than the bound of "
                    + allocationLimit + (run.refused() == null ? " (input accepted)" : " (refused: " + run.refused().getMessage() + ")"));
            if (run.refused() != null) {
                e.addSuppressed(run.refused());
            }
            throw e;
        }
        if (run.refused() != null) {
            return Optional.empty();
        }
        return Optional.of(Objects.requireNonNull(run.result(), what + ": a parse returns what it accepted, not null"));
    }

    private record Run<T>(T result, Throwable refused, long allocated) {}

    private <T> Run<T> run(String what, Parse<T> parse) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        T result = null;
        Throwable refused = null;
        try {
            result = parse.run();
        } catch (Throwable t) {
            if (refusals.stream().noneMatch(c -> c.isInstance(t))) {
                throw new AssertionError(what + ": escaped " + t, t);
            }
            refused = t;
        }
        return new Run<>(result, refused, THREADS.getCurrentThreadAllocatedBytes() - before);
    }
}
