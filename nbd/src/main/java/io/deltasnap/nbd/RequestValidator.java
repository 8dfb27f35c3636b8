package io.deltasnap.nbd;

/**
 * Decides, before any device is touched, whether a request may run. Pure: depends only on the
 * request, the export's {@link Geometry} and whether structured replies were negotiated.
 *
 * <p>Error choice follows the spec's "Error values": an unknown command or flag, an unaligned or
 * too long request, or a read or trim past the end is NBD_EINVAL; a write or write-zeroes past the
 * end is NBD_ENOSPC; any write-type command on a read-only export is NBD_EPERM.
 */
final class RequestValidator {
    private RequestValidator() {}

    /** Why a request was refused; {@code fatal} means the connection is closed after the reply. */
    record Rejection(int error, String message, boolean fatal) {}

    static Rejection check(Request r, Geometry g, boolean structured) {
        int allowedFlags = Protocol.CMD_FLAG_FUA; // the spec: FUA is valid on every command
        boolean writeType = false;
        boolean checkRange = true;
        boolean checkMaximum = false;
        switch (r.type()) {
            case Protocol.CMD_READ -> {
                checkMaximum = true;
                if (structured) {
                    allowedFlags |= Protocol.CMD_FLAG_DF;
                }
            }
            case Protocol.CMD_WRITE -> {
                writeType = true;
                checkMaximum = true;
            }
            case Protocol.CMD_TRIM -> writeType = true;
            case Protocol.CMD_WRITE_ZEROES -> {
                writeType = true;
                allowedFlags |= Protocol.CMD_FLAG_NO_HOLE;
            }
            case Protocol.CMD_FLUSH -> {
                checkRange = false;
                if (r.offset() != 0 || r.length() != 0) {
                    return new Rejection(Protocol.EINVAL, "NBD_CMD_FLUSH must have offset and length 0", false);
                }
            }
            default -> {
                // Unknown commands may not be followed by what we think: stop after the reply.
                return new Rejection(Protocol.EINVAL, "unknown command " + r.type(), true);
            }
        }
        if ((r.flags() & ~allowedFlags) != 0) {
            return new Rejection(Protocol.EINVAL, String.format("command flags 0x%x are not valid for %s",
                    r.flags() & ~allowedFlags, Protocol.commandName(r.type())), false);
        }
        if (writeType && g.readOnly()) {
            return new Rejection(Protocol.EPERM, "export is read-only", false);
        }
        if (!checkRange) {
            return null;
        }
        long offset = r.offset();
        long length = r.length();
        if (offset < 0 || offset > g.size() || length > g.size() - offset) {
            boolean grows = r.type() == Protocol.CMD_WRITE || r.type() == Protocol.CMD_WRITE_ZEROES;
            return new Rejection(grows ? Protocol.ENOSPC : Protocol.EINVAL, "range at offset " + Long.toUnsignedString(offset)
                    + " length " + length + " is beyond the export size " + g.size(), false);
        }
        int min = g.minimum();
        if (offset % min != 0 || (length % min != 0 && offset + length != g.size())) {
            return new Rejection(Protocol.EINVAL, "offset " + offset + " length " + length
                    + " is not aligned to the minimum block size " + min, false);
        }
        if (checkMaximum && length > g.maximum()) {
            return new Rejection(Protocol.EINVAL, "length " + length + " exceeds the maximum block size " + g.maximum(), false);
        }
        return null;
    }
}
