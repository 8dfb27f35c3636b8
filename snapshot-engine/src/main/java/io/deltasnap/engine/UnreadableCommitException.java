package io.deltasnap.engine;

import io.deltasnap.engine.pdata.Superblocks;

/**
 * The newest commit of a store cannot be read (two of its superblock copies are damaged), so an
 * open refuses rather than fall back to an older commit the origin may have outrun. Carries what
 * was found, so {@code check} can report the copies and what a rollback would lose.
 */
public final class UnreadableCommitException extends CorruptionException {
  private final transient Superblocks.Choice choice;

  public UnreadableCommitException(Superblocks.Choice choice) {
    super(choice.refusal());
    this.choice = choice;
  }

  public Superblocks.Choice choice() {
    return choice;
  }
}
