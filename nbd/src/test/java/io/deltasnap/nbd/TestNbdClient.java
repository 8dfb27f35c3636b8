package io.deltasnap.nbd;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A deliberately raw NBD client for tests: every field is written by hand, so tests can send
 * exactly the bytes they want, valid or not. Every socket read times out after 10 s.
 */
final class TestNbdClient implements AutoCloseable {
    record OptionReply(int option, int type, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** Result of a successful NBD_OPT_GO. */
    record Export(long size, int flags, int minimum, int preferred, int maximum) {}

    /** A complete reply: error 0 and data for reads, or an error and (structured) a message. */
    record Reply(long handle, int error, byte[] data, String message) {}

    private Socket socket;
    private DataInputStream in;
    private DataOutputStream out;
    private boolean structured;
    private final Map<Long, Integer> pendingReads = new HashMap<>();

    TestNbdClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        streams();
    }

    private void streams() throws IOException {
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /** Reads the greeting and answers with {@code clientFlags}. */
    TestNbdClient handshake(int clientFlags) throws IOException {
        readGreeting();
        out.writeInt(clientFlags);
        out.flush();
        return this;
    }

    /** Fixed newstyle with no zeroes. */
    TestNbdClient handshake() throws IOException {
        return handshake(Protocol.FLAG_C_FIXED_NEWSTYLE | Protocol.FLAG_C_NO_ZEROES);
    }

    int readGreeting() throws IOException {
        long magic = in.readLong();
        long opt = in.readLong();
        if (magic != Protocol.NBDMAGIC || opt != Protocol.IHAVEOPT) {
            throw new IOException("bad greeting");
        }
        return in.readUnsignedShort();
    }

    void sendRawOption(long magic, int option, long length, byte[] data) throws IOException {
        out.writeLong(magic);
        out.writeInt(option);
        out.writeInt((int) length);
        out.write(data);
        out.flush();
    }

    void sendOption(int option, byte[] data) throws IOException {
        sendRawOption(Protocol.IHAVEOPT, option, data.length, data);
    }

    OptionReply readOptionReply() throws IOException {
        long magic = in.readLong();
        if (magic != Protocol.OPTION_REPLY_MAGIC) {
            throw new IOException(String.format("bad option reply magic 0x%x", magic));
        }
        int option = in.readInt();
        int type = in.readInt();
        int length = in.readInt();
        byte[] data = new byte[length];
        in.readFully(data);
        return new OptionReply(option, type, data);
    }

    OptionReply option(int option, byte[] data) throws IOException {
        sendOption(option, data);
        return readOptionReply();
    }

    static byte[] goData(String name, int... infos) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        try {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            d.writeInt(n.length);
            d.write(n);
            d.writeShort(infos.length);
            for (int i : infos) {
                d.writeShort(i);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return b.toByteArray();
    }

    /** Negotiates structured replies (if asked), then NBD_OPT_GO with a block size request. */
    Export go(String name, boolean structuredReplies) throws IOException {
        if (structuredReplies) {
            OptionReply r = option(Protocol.OPT_STRUCTURED_REPLY, new byte[0]);
            if (r.type() != Protocol.REP_ACK) {
                throw new IOException("structured replies refused: " + r);
            }
            structured = true;
        }
        sendOption(Protocol.OPT_GO, goData(name, Protocol.INFO_BLOCK_SIZE));
        long size = -1;
        int flags = 0, min = 0, pref = 0, max = 0;
        while (true) {
            OptionReply r = readOptionReply();
            if (r.type() == Protocol.REP_ACK) {
                break;
            }
            if (r.type() != Protocol.REP_INFO) {
                throw new IOException("NBD_OPT_GO failed: type 0x" + Integer.toHexString(r.type()) + " " + r.text());
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.data());
            int info = b.getShort();
            if (info == Protocol.INFO_EXPORT) {
                size = b.getLong();
                flags = b.getShort() & 0xffff;
            } else if (info == Protocol.INFO_BLOCK_SIZE) {
                min = b.getInt();
                pref = b.getInt();
                max = b.getInt();
            }
        }
        return new Export(size, flags, min, pref, max);
    }

    void request(int flags, int type, long handle, long offset, long length, byte[] payload) throws IOException {
        out.writeInt(Protocol.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(handle);
        out.writeLong(offset);
        out.writeInt((int) length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
        if (type == Protocol.CMD_READ) {
            pendingReads.put(handle, (int) length);
        }
    }

    void write(long handle, long offset, byte[] data, int flags) throws IOException {
        request(flags, Protocol.CMD_WRITE, handle, offset, data.length, data);
    }

    void read(long handle, long offset, int length) throws IOException {
        request(0, Protocol.CMD_READ, handle, offset, length, null);
    }

    /** Reads one complete reply (all chunks of a structured one). */
    Reply readReply() throws IOException {
        int magic = in.readInt();
        if (magic == Protocol.SIMPLE_REPLY_MAGIC) {
            int error = in.readInt();
            long handle = in.readLong();
            Integer readLength = pendingReads.remove(handle);
            byte[] data = new byte[0];
            if (readLength != null && error == 0) {
                data = new byte[readLength];
                in.readFully(data);
            }
            return new Reply(handle, error, data, null);
        }
        if (magic != Protocol.STRUCTURED_REPLY_MAGIC) {
            throw new IOException(String.format("bad reply magic 0x%08x", magic));
        }
        if (!structured) {
            throw new IOException("structured reply without negotiation");
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int error = 0;
        String message = null;
        long handle;
        while (true) {
            int flags = in.readUnsignedShort();
            int type = in.readUnsignedShort();
            handle = in.readLong();
            int length = in.readInt();
            byte[] payload = new byte[length];
            in.readFully(payload);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(payload);
            if (type == Protocol.REPLY_TYPE_OFFSET_DATA) {
                b.getLong();
                data.write(payload, 8, length - 8);
            } else if (type == Protocol.REPLY_TYPE_ERROR) {
                error = b.getInt();
                int ml = b.getShort() & 0xffff;
                message = new String(payload, 6, ml, StandardCharsets.UTF_8);
            } else if (type != Protocol.REPLY_TYPE_NONE) {
                throw new IOException("unexpected chunk type " + type);
            }
            if ((flags & Protocol.REPLY_FLAG_DONE) != 0) {
                break;
            }
            int next = in.readInt();
            if (next != Protocol.STRUCTURED_REPLY_MAGIC) {
                throw new IOException("chunks of one reply interleaved with another (test client limitation)");
            }
        }
        pendingReads.remove(handle);
        return new Reply(handle, error, data.toByteArray(), message);
    }

    /** True if the server closes the connection within the socket timeout (reading nothing else). */
    boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Sends NBD_OPT_STARTTLS and, on ACK, upgrades the socket using {@code tls}. */
    OptionReply startTls(SSLContext tls) throws IOException {
        OptionReply r = option(Protocol.OPT_STARTTLS, new byte[0]);
        if (r.type() != Protocol.REP_ACK) {
            return r;
        }
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        socket = s;
        streams();
        return r;
    }

    byte[] readRaw(int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    DataOutputStream rawOut() {
        return out;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
