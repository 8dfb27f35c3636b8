package io.deltasnap.engine.pdata;

import java.nio.ByteBuffer;

/** Lets engine-level tests write version-1 superblocks, as stores made before the mirror hold. */
public final class SuperblocksTestAccess {
  private SuperblocksTestAccess() {}

  public static ByteBuffer toVersion1(ByteBuffer v2) {
    return SuperblocksTest.toVersion1(v2);
  }
}
