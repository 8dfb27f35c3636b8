package io.deltasnap.cli;

import io.deltasnap.engine.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code deltasnap} command. It lists its subcommands and does nothing itself. Errors become
 * one {@code deltasnap: } line on stderr and exit 1 (usage errors exit 2); {@code --debug} adds
 * the stack trace.
 */
@Command(name = "deltasnap", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    scope = CommandLine.ScopeType.INHERIT, // every subcommand answers --help and --version
    description = "Snapshots with a shared exception store, and signed delta replication.")
public final class Main implements Runnable {
  /** The subcommands, in the order the usage lists them. */
  static final List<Class<?>> COMMANDS = List.of(
      CommandLine.HelpCommand.class,
      InitCommand.class,
      WriteCommand.class,
      ReadCommand.class,
      SnapshotCommand.class,
      StatusCommand.class,
      DiffCommand.class,
      RestoreCommand.class,
      CheckCommand.class,
      RecoverCommand.class,
      SetCommand.class,
      ServeCommand.class,
      KeygenCommand.class,
      DeltaCommand.class,
      JobCommand.class,
      DemoCommand.class,
      SendCommand.class,
      ReceiveCommand.class);

  /**
   * The names of {@link #COMMANDS}, in the same order (HelpTest checks them against the
   * annotations): finding the invoked command by name does not parse sixteen classes' annotations.
   */
  static final List<String> NAMES = List.of("help", "init", "write", "read", "snapshot", "status", "diff", "restore",
      "check", "recover", "set", "serve", "keygen", "delta", "job", "demo", "send", "receive");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  private final VolumeSource source;

  Main(VolumeSource source) {
    this.source = source;
  }

  VolumeSource source() {
    return source;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see deltasnap --help)");
  }

  public static void main(String[] args) {
    // Netty 4.2 registers Flight Recorder events when the class loads; setting up the recorder costs
    // a command ~0.2 s of start. -Dio.netty.jfr.enabled=true brings them back.
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    if (Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("").equals("send")
        && Arrays.stream(args).noneMatch(a -> a.startsWith("s3://"))) {
      // Netty and the signing tables load on another core while picocli parses: the connection is
      // what a send waits for first
      io.deltasnap.sender.ReplicationClient.warmUpInBackground();
    }
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String... args) {
    return run(new VolumeSource(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs a command line with the given volume source and text writers; returns the exit code. */
  static int run(VolumeSource source, PrintWriter out, PrintWriter errOut, String... args) {
    boolean debug = Arrays.asList(args).contains("--debug");
    CommandLine cl = commandLine(source, args);
    cl.setOut(out);
    cl.setErr(errOut);
    cl.setParameterExceptionHandler((ex, a) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println("deltasnap: " + Printable.escape(ex.getMessage()));
      if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || !u.isUnknownOption()) {
        err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
      }
      return 2;
    });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> {
      PrintWriter err = c.getErr();
      if (ex instanceof ControlSocket.Forward f) {
        try {
          return ControlSocket.forward(f.dir, args, c.getOut(), err);
        } catch (IOException e) {
          err.println("deltasnap: volume " + f.dir + " is in use, and its server did not answer on "
              + ControlSocket.path(f.dir) + ": " + e.getMessage());
          return 1;
        }
      }
      err.println("deltasnap: " + Printable.escape(describe(ex)));
      if (debug) {
        ex.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    int code;
    try {
      code = cl.execute(args);
    } catch (LinkageError e) { // picocli passes errors on: zstd's native library (ZstdLibrary), a broken install
      Throwable c = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
      errOut.println("deltasnap: " + c.getMessage());
      if (debug) {
        e.printStackTrace(errOut);
      }
      code = 1;
    }
    out.flush();
    errOut.flush();
    return code;
  }

  /**
   * The command tree for {@code args}. Building a command's model reflects over its class, and a
   * cold JVM spends most of its start doing that, so when {@code args} names a subcommand only
   * that one is built; anything else (no command, --help, an unknown name) gets the whole tree.
   */
  static CommandLine commandLine(VolumeSource source, String... args) {
    CommandLine cl = new CommandLine(new Main(source));
    String first = args.length > 0 ? args[0] : "";
    if (args.length == 1 && (first.equals("--version") || first.equals("-V"))) {
      return cl;
    }
    int i = NAMES.indexOf(first);
    if (i > 0) { // not "help": that one needs the whole tree
      cl.addSubcommand(COMMANDS.get(i));
      return cl;
    }
    for (Class<?> c : COMMANDS) {
      cl.addSubcommand(c);
    }
    return cl;
  }

  /** One line that says what went wrong, for any failure. */
  static String describe(Throwable ex) {
    if (ex instanceof UserError || ex instanceof EngineException || ex instanceof IllegalArgumentException
        || ex instanceof io.deltasnap.delta.DeltaFormatException || ex instanceof io.deltasnap.delta.KeyFileException
        || ex instanceof io.deltasnap.delta.DeltaMerger.MergeException || isObjectStoreError(ex)) {
      return ex.getMessage();
    }
    if (ex instanceof NoSuchFileException e) {
      return "no such file: " + e.getFile();
    }
    if (ex instanceof java.nio.file.AccessDeniedException e) {
      return "permission denied: " + e.getFile();
    }
    if (ex instanceof IOException) {
      return "I/O error: " + ex.getMessage();
    }
    if (ex instanceof OutOfMemoryError) {
      return "out of memory (raise the heap with DELTASNAP_JAVA_OPTS=-Xmx...)";
    }
    return "internal error: " + ex + " (rerun with --debug and report it)";
  }

  /**
   * An object store's failure carries its whole story (the object, the operation, the store's
   * words). Told by name: naming the class would load the object-store module for every error.
   */
  private static boolean isObjectStoreError(Throwable ex) {
    for (Class<?> c = ex.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("io.deltasnap.objectstore.ObjectStoreException")) {
        return true;
      }
    }
    return false;
  }

  /** A failure caused by the user's input; its message is the whole story. */
  static final class UserError extends RuntimeException {
    UserError(String message) {
      super(message);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"deltasnap " + p.getProperty("version", "unknown"),
          "Java " + System.getProperty("java.version")};
    }
  }
}
