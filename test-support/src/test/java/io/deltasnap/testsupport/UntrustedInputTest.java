package io.deltasnap.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UntrustedInputTest {
    private static final UntrustedInput IO = UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES, IOException.class);

    @Test
    void anAcceptedInputGivesWhatTheParseReturned() {
        assertEquals(Optional.of("ok"), IO.parse("text", () -> "ok"));
    }

    @Test
    void theFormatsOwnRefusalIsAnEmptyResult() {
        assertEquals(Optional.empty(), IO.parse("text", () -> {
            throw new EOFException("truncated");
        }));
    }

    @Test
    void anyOtherExceptionIsAFindingThatNamesTheParse() {
        AssertionError e = assertThrows(AssertionError.class, () -> IO.parse("control request", () -> {
            throw new NegativeArraySizeException("-1");
        }));
        assertTrue(e.getMessage().startsWith("control request: escaped java.lang.NegativeArraySizeException"), e.getMessage());
    }

    @Test
    void allocatingADeclaredLengthBeforeCheckingItIsAFindingEvenWhenTheInputIsThenRefused() {
        AssertionError e = assertThrows(AssertionError.class, () -> IO.parse("record", () -> {
            byte[] declared = new byte[64 << 20];
            throw new IOException("length " + declared.length + " out of bounds");
        }));
        assertTrue(e.getMessage().contains("more than the bound of " + UntrustedInput.FIRST_USE_BYTES), e.getMessage());
        assertTrue(e.getMessage().contains("(refused: length 67108864 out of bounds)"), e.getMessage());
    }

    @Test
    void whatOnlyTheFirstRunAllocatesIsNotCounted() {
        boolean[] first = {true};
        assertEquals(Optional.of(1), IO.parse("parse that loads something once", () -> {
            if (first[0]) {
                first[0] = false;
                byte[] once = new byte[32 << 20]; // as class loading or instrumentation would, once
                return once.length > 0 ? 1 : 0;
            }
            return 1;
        }));
    }
}
