package io.deltasnap.cli;

/** The {@code --on-full} policy names. */
final class OnFull {
  private OnFull() {}

  /** True for drop-oldest, false for refuse. */
  static boolean parse(String s) {
    return switch (s) {
      case "refuse" -> false;
      case "drop-oldest" -> true;
      default -> throw new Main.UserError("--on-full takes 'refuse' or 'drop-oldest', not '" + s + "'");
    };
  }
}
