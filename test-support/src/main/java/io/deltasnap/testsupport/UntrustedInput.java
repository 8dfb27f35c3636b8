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
 * thread. A bound includes {@link #FIRST_USE_BYTES} for what the first parse allocates once
 * (class loading, a stack trace's first walk), which no declared length should come near.
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
        T run() throws Exception;
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
     *                        than {@link #allocationLimit} bytes, whether it accepted or refused
     */
    public <T> Optional<T> parse(String what, Parse<T> parse) {
        Objects.requireNonNull(parse, "parse");
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
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (allocated > allocationLimit) {
            AssertionError e = new AssertionError(what + ": allocated " + allocated + " bytes, more than the bound of "
                    + allocationLimit + (refused == null ? " (input accepted)" : " (refused: " + refused.getMessage() + ")"));
            if (refused != null) {
                e.addSuppressed(refused);
            }
            throw e;
        }
        if (refused != null) {
            return Optional.empty();
        }
        return Optional.of(Objects.requireNonNull(result, what + ": a parse returns what it accepted, not null"));
    }
}
