package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.deltasnap.testsupport.SeedCorpus;
import io.deltasnap.testsupport.UntrustedInput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzz targets for the control socket's wire format: the request a server reads
 * from any local process that can reach {@code VOLUME/control.sock}, and the reply a forwarding
 * command reads back.
 *
 * <p>Asserts that only {@link IOException} (a truncated message or a bound exceeded) escapes, that
 * the heap one input allocates follows the bytes that actually arrived, never a declared length,
 * and that what decodes re-encodes to bytes that decode to the same thing.
 */
class ControlSocketFuzzTest {
    /** 64 arguments of 64 KiB, as bytes and as UTF-16 strings, several times over. */
    private static final long REQUEST_BOUND = UntrustedInput.FIRST_USE_BYTES + 64L * (64 << 10) * 8;
    private static final UntrustedInput REQUESTS = UntrustedInput.refusedOnlyBy(REQUEST_BOUND, IOException.class);

    @FuzzTest
    void anyRequestIsDecodedWithinItsBoundsOrRefused(byte[] input) throws IOException {
        String[] args = REQUESTS.parse("control request", () -> ControlSocket.readRequest(new ByteArrayInputStream(input)))
                .orElse(null);
        if (args != null) {
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            ControlSocket.writeRequest(again, args);
            assertArrayEquals(args, ControlSocket.readRequest(new ByteArrayInputStream(again.toByteArray())),
                    "a decoded request re-encodes to the same arguments");
        }
    }

    @FuzzTest
    void anyReplyIsDecodedFromTheBytesThatArrivedOrRefused(byte[] input) throws IOException {
        UntrustedInput replies = UntrustedInput.refusedOnlyBy(UntrustedInput.FIRST_USE_BYTES + 16L * input.length, IOException.class);
        ControlSocket.Outcome o = replies.parse("control reply", () -> ControlSocket.readReply(new ByteArrayInputStream(input)))
                .orElse(null);
        if (o != null) {
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            ControlSocket.writeReply(again, o);
            assertEquals(o, ControlSocket.readReply(new ByteArrayInputStream(again.toByteArray())),
                    "a decoded reply re-encodes to the same outcome");
        }
    }

    @Test
    void seedInputsAreRequestsAndRepliesTheCommandsSend() throws IOException {
        Map<String, byte[]> requests = new LinkedHashMap<>();
        requests.put("snapshot-create", request("snapshot", "create", "/srv/vol", "--name", "hourly", "--json"));
        requests.put("status", request("status", "/srv/vol"));
        requests.put("no-arguments", request());
        requests.put("utf-8-name", request("snapshot", "create", "/srv/vol", "--name", "sauvegarde-été"));
        for (byte[] r : requests.values()) {
            anyRequestIsDecodedWithinItsBoundsOrRefused(r);
        }
        SeedCorpus.check(ControlSocketFuzzTest.class, "anyRequestIsDecodedWithinItsBoundsOrRefused", requests);

        Map<String, byte[]> replies = new LinkedHashMap<>();
        replies.put("created", reply(new ControlSocket.Outcome(0, "{\"id\": 3}\n", "")));
        replies.put("refused", reply(new ControlSocket.Outcome(1, "", "deltasnap: no snapshot 9 in /srv/vol\n")));
        for (byte[] r : replies.values()) {
            anyReplyIsDecodedFromTheBytesThatArrivedOrRefused(r);
        }
        SeedCorpus.check(ControlSocketFuzzTest.class, "anyReplyIsDecodedFromTheBytesThatArrivedOrRefused", replies);
    }

    private static byte[] request(String... args) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ControlSocket.writeRequest(b, args);
        return b.toByteArray();
    }

    private static byte[] reply(ControlSocket.Outcome o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ControlSocket.writeReply(b, o);
        return b.toByteArray();
    }
}
