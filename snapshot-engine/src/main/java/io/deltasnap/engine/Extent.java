package io.deltasnap.engine;

/** A byte range of the volume. */
public record Extent(long offset, long length) {}
