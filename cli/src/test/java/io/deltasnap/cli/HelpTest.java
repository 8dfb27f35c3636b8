package io.deltasnap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command, however deep, answers --help with its usage on stdout and exit 0. */
class HelpTest {
  /** Main.NAMES, the index by which a command line finds its command, matches the annotations. */
  @Test
  void commandNamesMatchTheirAnnotations() {
    assertEquals(Main.COMMANDS.size(), Main.NAMES.size());
    for (int i = 0; i < Main.COMMANDS.size(); i++) {
      assertEquals(Main.COMMANDS.get(i).getAnnotation(picocli.CommandLine.Command.class).name(), Main.NAMES.get(i));
    }
  }

  @Test
  void everyCommandAnswersHelp() {
    List<List<String>> paths = new ArrayList<>();
    collect(Main.commandLine(new VolumeSource()), new ArrayList<>(), paths);
    assertTrue(paths.size() > 25, "walked only " + paths.size() + " commands");
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      Cli.Result r = Cli.run(args.toArray(String[]::new));
      String name = String.join(" ", path);
      assertEquals(0, r.exit(), () -> "deltasnap " + name + " --help: " + r.stderr());
      assertTrue(r.out().startsWith("Usage: deltasnap" + (path.isEmpty() ? "" : " " + name)),
          () -> "deltasnap " + name + " --help printed: " + r.out());
      assertTrue(r.out().contains("--help"), () -> "deltasnap " + name + " --help does not list --help");
    }
  }

  @Test
  void everyOptionAndParameterHasADescription() {
    List<List<String>> paths = new ArrayList<>();
    CommandLine root = Main.commandLine(new VolumeSource());
    collect(root, new ArrayList<>(), paths);
    List<String> missing = new ArrayList<>();
    for (List<String> path : paths) {
      CommandLine c = root;
      for (String name : path) {
        c = c.getSubcommands().get(name);
      }
      String command = "deltasnap" + (path.isEmpty() ? "" : " " + String.join(" ", path));
      CommandLine.Model.CommandSpec spec = c.getCommandSpec();
      for (CommandLine.Model.OptionSpec o : spec.options()) {
        if (!o.usageHelp() && !o.versionHelp() && blank(o.description())) {
          missing.add(command + ": option " + o.longestName());
        }
      }
      for (CommandLine.Model.PositionalParamSpec p : spec.positionalParameters()) {
        if (blank(p.description())) {
          missing.add(command + ": parameter " + p.paramLabel());
        }
      }
    }
    assertTrue(missing.isEmpty(), () -> "no description for:\n  " + String.join("\n  ", missing));
  }

  private static boolean blank(String[] description) {
    return description == null || String.join("", description).isBlank();
  }

  @Test
  void aUsageErrorPointsAtTheCommandsOwnHelp() {
    Cli.Result r = Cli.run("delta", "create");
    assertEquals(2, r.exit());
    assertTrue(r.stderr().startsWith("deltasnap: Missing required"), r.stderr());
    assertTrue(r.stderr().contains("Try 'deltasnap delta create --help' for usage."), r.stderr());
  }

  private static void collect(CommandLine c, List<String> path, List<List<String>> out) {
    out.add(List.copyOf(path));
    c.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help") && sub.getCommandName().equals(name)) { // skip aliases and the help command
        path.add(name);
        collect(sub, path, out);
        path.remove(path.size() - 1);
      }
    });
  }
}
