package io.deltasnap.nbd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** Test provider: exports can be added and removed while the server runs. */
final class MapExportProvider implements ExportProvider {
    @FunctionalInterface
    interface Opener {
        BlockDevice open() throws IOException;
    }

    private record Entry(String description, Opener opener) {}

    private final Map<String, Entry> exports = new ConcurrentSkipListMap<>();

    MapExportProvider add(String name, String description, Opener opener) {
        exports.put(name, new Entry(description, opener));
        return this;
    }

    /** Serves the same instance to every connection; closes are counted, not acted on. */
    MapExportProvider add(String name, String description, BlockDevice device) {
        return add(name, description, () -> new BlockDevice() {
            @Override public long size() { return device.size(); }
            @Override public boolean readOnly() { return device.readOnly(); }
            @Override public int minimumBlockSize() { return device.minimumBlockSize(); }
            @Override public int preferredBlockSize() { return device.preferredBlockSize(); }
            @Override public int maximumPayload() { return device.maximumPayload(); }
            @Override public boolean multiConnSafe() { return device.multiConnSafe(); }
            @Override public void read(long o, java.nio.ByteBuffer d) throws IOException { device.read(o, d); }
            @Override public void write(long o, java.nio.ByteBuffer s) throws IOException { device.write(o, s); }
            @Override public void flush() throws IOException { device.flush(); }
            @Override public void trim(long o, long l) throws IOException { device.trim(o, l); }
            @Override public void writeZeroes(long o, long l, boolean m) throws IOException { device.writeZeroes(o, l, m); }
            @Override public void close() throws IOException { device.close(); }
        });
    }

    void remove(String name) {
        exports.remove(name);
    }

    @Override
    public List<ExportInfo> list() {
        List<ExportInfo> out = new ArrayList<>();
        exports.forEach((name, e) -> out.add(new ExportInfo(name, e.description())));
        return out;
    }

    @Override
    public BlockDevice open(String name) throws IOException {
        Entry e = exports.get(name);
        if (e == null) {
            throw new NoSuchExportException(name);
        }
        return e.opener().open();
    }
}
