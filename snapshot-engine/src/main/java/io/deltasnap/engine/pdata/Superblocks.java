package io.deltasnap.engine.pdata;

import io.deltasnap.engine.CorruptionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the three copies of the superblock and decides which commit an open may believe.
 *
 * <p>Where they are: slot 0 (page 0), slot 1 (page 1) and the mirror, a page recorded in every
 * version-2 superblock ({@link Superblock#NEW_STORE_MIRROR_PAGE} in a store created by this
 * version; any allocated page in a store upgraded from version 1). A commit of sequence {@code s}
 * syncs its nodes, writes the mirror, syncs, writes slot {@code s % 2}, syncs. So the newest
 * completed commit always has two copies (the mirror and its slot), the one before it a third (the
 * other slot), and a torn write damages only the copy being written.
 *
 * <p>The rules, each safe against any one damaged or torn copy:
 * <ul>
 *   <li>mirror valid: open the newest valid copy (the mirror is written first, so no completed
 *       commit is newer than it unless its slot is newer still);</li>
 *   <li>mirror unreadable, both slots valid: the newer slot (a torn mirror write means its commit
 *       never completed; a mirror damaged later leaves its commit in its slot);</li>
 *   <li>mirror and one slot unreadable: refuse. Two copies are damaged and the newest commit may be
 *       among them, so the remaining slot may be a commit whose preserves the origin has outrun.
 *       The valid slot is offered as an explicit, documented rollback;</li>
 *   <li>a version-1 store (no mirror yet): the newer valid slot, as version 1 always did; the
 *       first writable open upgrades it.</li>
 * </ul>
 * A copy in the wrong slot ({@code seq % 2} not its slot) or a mirror naming another page is a
 * misdirected write and counts as damaged.
 */
public final class Superblocks {
  /** One copy as found: its place, and either its superblock or what is wrong with it. */
  public record Copy(String place, long page, Superblock sb, String problem) {
    public boolean valid() {
      return sb != null;
    }

    public String describe() {
      return place + " (page " + page + "): " + (valid() ? "commit " + sb.seq() : problem);
    }
  }

  /**
   * What an open found. {@code chosen} is null when it must refuse ({@code refusal} says why, and
   * {@code rollback}, possibly null, is the older commit a recovery could open instead).
   * {@code clean}: every copy is valid and current, nothing to heal.
   */
  public record Choice(Superblock chosen, boolean clean, boolean legacy, List<Copy> copies, String refusal,
      Superblock rollback) {
    public List<String> damaged() {
      List<String> out = new ArrayList<>();
      for (Copy c : copies) {
        if (!c.valid()) {
          out.add(c.describe());
        }
      }
      return out;
    }

    public List<String> describe() {
      return copies.stream().map(Copy::describe).toList();
    }
  }

  private Superblocks() {}

  public static Choice read(Pages pages) throws IOException {
    String name = pages.name();
    Copy s0 = slot(pages, 0);
    Copy s1 = slot(pages, 1);
    long mirrorPage = mirrorPageOf(s0, s1);
    boolean legacy = mirrorPage == 0 && (s0.valid() || s1.valid());
    if (legacy) {
      Superblock best = newer(s0, s1);
      return new Choice(best, false, true, List.of(s0, s1), null, null);
    }
    if (mirrorPage == 0) {
      mirrorPage = Superblock.NEW_STORE_MIRROR_PAGE; // no slot can tell: where new stores keep it
    }
    Copy m = mirror(pages, mirrorPage);
    List<Copy> copies = List.of(s0, s1, m);
    if (m.valid()) {
      Superblock best = m.sb();
      for (Copy s : List.of(s0, s1)) {
        if (s.valid() && s.sb().seq() > best.seq()) {
          best = s.sb();
        }
      }
      Copy own = best.seq() % 2 == 0 ? s0 : s1;
      Copy other = own == s0 ? s1 : s0;
      boolean clean = m.sb().seq() == best.seq() && own.valid() && own.sb().seq() == best.seq() && other.valid();
      return new Choice(best, clean, false, copies, null, null);
    }
    if (s0.valid() && s1.valid()) {
      return new Choice(newer(s0, s1), false, false, copies, null, null);
    }
    Superblock rollback = s0.valid() ? s0.sb() : s1.valid() ? s1.sb() : null;
    String why = rollback == null
        ? name + ": no valid superblock: "
        : name + ": the newest commit is unreadable (two of its three superblock copies are damaged), refusing to"
            + " open an older one silently; ";
    List<String> parts = new ArrayList<>();
    for (Copy c : copies) {
      parts.add(c.describe());
    }
    return new Choice(null, false, false, copies, why + String.join("; ", parts), rollback);
  }

  private static Superblock newer(Copy a, Copy b) {
    if (!a.valid()) {
      return b.sb();
    }
    if (!b.valid()) {
      return a.sb();
    }
    return a.sb().seq() >= b.sb().seq() ? a.sb() : b.sb();
  }

  /** The mirror page named by the valid slots (the newer one's if they differ), 0 if none does. */
  private static long mirrorPageOf(Copy s0, Copy s1) {
    Superblock best = null;
    for (Copy s : List.of(s0, s1)) {
      if (s.valid() && s.sb().hasMirror() && (best == null || s.sb().seq() > best.seq())) {
        best = s.sb();
      }
    }
    return best == null ? 0 : best.mirrorPage();
  }

  private static Copy slot(Pages pages, long slot) throws IOException {
    String place = "superblock slot " + slot;
    try {
      Superblock sb = Superblock.decode(pages.readPage(slot), pages.name() + ": page " + slot);
      if (sb.seq() % 2 != slot) {
        return new Copy(place, slot, null, "commit " + sb.seq() + " misdirected into slot " + slot);
      }
      return new Copy(place, slot, sb, null);
    } catch (CorruptionException e) {
      return new Copy(place, slot, null, problem(e, pages, slot));
    }
  }

  private static Copy mirror(Pages pages, long page) throws IOException {
    String place = "superblock mirror";
    try {
      Superblock sb = Superblock.decode(pages.readPage(page), pages.name() + ": page " + page);
      if (sb.mirrorPage() != page) {
        return new Copy(place, page, null, "holds the superblock of mirror page " + sb.mirrorPage());
      }
      return new Copy(place, page, sb, null);
    } catch (CorruptionException e) {
      return new Copy(place, page, null, problem(e, pages, page));
    }
  }

  private static String problem(CorruptionException e, Pages pages, long page) {
    String prefix = pages.name() + ": page " + page + " superblock: ";
    String msg = e.getMessage();
    return msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
  }
}
