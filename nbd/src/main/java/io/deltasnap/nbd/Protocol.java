package io.deltasnap.nbd;

/**
 * Wire constants of the NBD protocol (fixed newstyle negotiation), as in the NBD project's
 * {@code doc/proto.md}. All integers are big-endian. Every message this server reads or writes
 * has its layout here; the codecs refer to these names only.
 *
 * <pre>
 * Server greeting (18 bytes)
 *   off len  field
 *   0   8    NBDMAGIC               0x4e42444d41474943 ("NBDMAGIC")
 *   8   8    IHAVEOPT               0x49484156454f5054 ("IHAVEOPT")
 *   16  2    handshake flags        FIXED_NEWSTYLE | NO_ZEROES
 *
 * Client flags (4 bytes)            C_FIXED_NEWSTYLE | C_NO_ZEROES, nothing else
 *
 * Option request (16 + length bytes)
 *   0   8    IHAVEOPT
 *   8   4    option                 NBD_OPT_*
 *   12  4    length                 unsigned, bounded by MAX_OPTION_LENGTH
 *   16  len  data
 *
 * Option reply (20 + length bytes)
 *   0   8    OPTION_REPLY_MAGIC     0x0003e889045565a9
 *   8   4    option                 echoed from the request
 *   12  4    reply type             NBD_REP_*
 *   16  4    length
 *   20  len  data
 *
 * NBD_OPT_EXPORT_NAME reply (10 or 134 bytes)
 *   0   8    export size
 *   8   2    transmission flags
 *   10  124  zeroes, omitted when the client set C_NO_ZEROES
 *
 * NBD_REP_INFO data: 2-byte NBD_INFO_* type, then
 *   EXPORT       8 size, 2 transmission flags                (length 12)
 *   NAME         name bytes                                  (length 2 + n)
 *   DESCRIPTION  description bytes                           (length 2 + n)
 *   BLOCK_SIZE   4 minimum, 4 preferred, 4 maximum           (length 14)
 *
 * Request (28 bytes, then length bytes of data for NBD_CMD_WRITE)
 *   0   4    REQUEST_MAGIC          0x25609513
 *   4   2    command flags          NBD_CMD_FLAG_*
 *   6   2    type                   NBD_CMD_*
 *   8   8    handle                 opaque, echoed in the reply
 *   16  8    offset                 unsigned
 *   24  4    length                 unsigned
 *
 * Simple reply (16 bytes, then the data of a successful NBD_CMD_READ)
 *   0   4    SIMPLE_REPLY_MAGIC     0x67446698
 *   4   4    error                  NBD_E*
 *   8   8    handle
 *
 * Structured reply chunk (20 + length bytes)
 *   0   4    STRUCTURED_REPLY_MAGIC 0x668e33ef
 *   4   2    flags                  NBD_REPLY_FLAG_DONE
 *   6   2    type                   NBD_REPLY_TYPE_*
 *   8   8    handle
 *   16  4    length
 *   20  len  payload: OFFSET_DATA = 8 offset + data; ERROR = 4 error + 2 message length + message
 * </pre>
 */
final class Protocol {
    private Protocol() {}

    // ---- magics
    static final long NBDMAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454f5054L;
    static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    // ---- sizes and bounds
    static final int GREETING_LENGTH = 18;
    static final int OPTION_HEADER_LENGTH = 16;
    static final int OPTION_REPLY_HEADER_LENGTH = 20;
    static final int REQUEST_HEADER_LENGTH = 28;
    static final int SIMPLE_REPLY_HEADER_LENGTH = 16;
    static final int STRUCTURED_REPLY_HEADER_LENGTH = 20;
    static final int EXPORT_NAME_ZEROES = 124;
    /** The spec's bound on any string (export names, descriptions, messages), in UTF-8 bytes. */
    static final int MAX_STRING_LENGTH = 4096;
    /**
     * Largest option data accepted. The largest option we understand is NBD_OPT_GO with a
     * 4096-byte name and a handful of info requests; anything bigger is refused with
     * NBD_REP_ERR_TOO_BIG and a hard disconnect, since skipping it would mean reading
     * arbitrary amounts of attacker-chosen data.
     */
    static final int MAX_OPTION_LENGTH = 8192;
    /**
     * Hard ceiling on a write payload (and advertised maximum block size): 32 MiB. The spec
     * says lengths below 2^25 should not be deemed a denial of service; a write with a larger
     * payload is answered with a hard disconnect.
     */
    static final int MAX_PAYLOAD = 1 << 25;

    // ---- handshake flags (server, 16 bits)
    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 1 << 1;
    // ---- client flags (32 bits)
    static final int FLAG_C_FIXED_NEWSTYLE = 1;
    static final int FLAG_C_NO_ZEROES = 1 << 1;
    static final int KNOWN_CLIENT_FLAGS = FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES;

    // ---- transmission flags (16 bits)
    static final int FLAG_HAS_FLAGS = 1;
    static final int FLAG_READ_ONLY = 1 << 1;
    static final int FLAG_SEND_FLUSH = 1 << 2;
    static final int FLAG_SEND_FUA = 1 << 3;
    static final int FLAG_ROTATIONAL = 1 << 4;
    static final int FLAG_SEND_TRIM = 1 << 5;
    static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
    static final int FLAG_SEND_DF = 1 << 7;
    static final int FLAG_CAN_MULTI_CONN = 1 << 8;

    // ---- options
    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_ABORT = 2;
    static final int OPT_LIST = 3;
    static final int OPT_STARTTLS = 5;
    static final int OPT_INFO = 6;
    static final int OPT_GO = 7;
    static final int OPT_STRUCTURED_REPLY = 8;
    static final int OPT_LIST_META_CONTEXT = 9;
    static final int OPT_SET_META_CONTEXT = 10;

    // ---- option reply types
    static final int REP_ACK = 1;
    static final int REP_SERVER = 2;
    static final int REP_INFO = 3;
    static final int REP_ERR_BIT = 1 << 31;
    static final int REP_ERR_UNSUP = REP_ERR_BIT | 1;
    static final int REP_ERR_POLICY = REP_ERR_BIT | 2;
    static final int REP_ERR_INVALID = REP_ERR_BIT | 3;
    static final int REP_ERR_PLATFORM = REP_ERR_BIT | 4;
    static final int REP_ERR_TLS_REQD = REP_ERR_BIT | 5;
    static final int REP_ERR_UNKNOWN = REP_ERR_BIT | 6;
    static final int REP_ERR_SHUTDOWN = REP_ERR_BIT | 7;
    static final int REP_ERR_BLOCK_SIZE_REQD = REP_ERR_BIT | 8;
    static final int REP_ERR_TOO_BIG = REP_ERR_BIT | 9;

    // ---- NBD_REP_INFO types
    static final int INFO_EXPORT = 0;
    static final int INFO_NAME = 1;
    static final int INFO_DESCRIPTION = 2;
    static final int INFO_BLOCK_SIZE = 3;

    // ---- commands
    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_WRITE_ZEROES = 6;

    // ---- command flags
    static final int CMD_FLAG_FUA = 1;
    static final int CMD_FLAG_NO_HOLE = 1 << 1;
    static final int CMD_FLAG_DF = 1 << 2;

    // ---- structured replies
    static final int REPLY_FLAG_DONE = 1;
    static final int REPLY_TYPE_NONE = 0;
    static final int REPLY_TYPE_OFFSET_DATA = 1;
    static final int REPLY_TYPE_ERROR = (1 << 15) | 1;

    // ---- errors
    static final int EPERM = 1;
    static final int EIO = 5;
    static final int ENOMEM = 12;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int EOVERFLOW = 75;
    static final int ENOTSUP = 95;
    static final int ESHUTDOWN = 108;

    static String optionName(int option) {
        return switch (option) {
            case OPT_EXPORT_NAME -> "NBD_OPT_EXPORT_NAME";
            case OPT_ABORT -> "NBD_OPT_ABORT";
            case OPT_LIST -> "NBD_OPT_LIST";
            case OPT_STARTTLS -> "NBD_OPT_STARTTLS";
            case OPT_INFO -> "NBD_OPT_INFO";
            case OPT_GO -> "NBD_OPT_GO";
            case OPT_STRUCTURED_REPLY -> "NBD_OPT_STRUCTURED_REPLY";
            case OPT_LIST_META_CONTEXT -> "NBD_OPT_LIST_META_CONTEXT";
            case OPT_SET_META_CONTEXT -> "NBD_OPT_SET_META_CONTEXT";
            default -> "option " + Integer.toUnsignedString(option);
        };
    }

    static String commandName(int type) {
        return switch (type) {
            case CMD_READ -> "NBD_CMD_READ";
            case CMD_WRITE -> "NBD_CMD_WRITE";
            case CMD_DISC -> "NBD_CMD_DISC";
            case CMD_FLUSH -> "NBD_CMD_FLUSH";
            case CMD_TRIM -> "NBD_CMD_TRIM";
            case CMD_WRITE_ZEROES -> "NBD_CMD_WRITE_ZEROES";
            default -> "command " + type;
        };
    }
}
