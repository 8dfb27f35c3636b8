import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What an encrypted delta's records cost to seal in a fresh JVM: AES-256-GCM over N records of
 * 1 MiB, in 2 KiB updates with a 40-byte AAD and a fresh nonce per record, as the delta writer
 * seals them, through the JDK's public API only. Prints {@code cpu_s=<thread CPU seconds>} for
 * the whole run, warm-up included (the point: how soon the JIT reaches the AES/GHASH
 * instructions). Usage: {@code java GcmWarmup [MiB, default 256]}.
 */
public final class GcmWarmup {
  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] record = new byte[1 << 20];
    new Random(16).nextBytes(record);
    byte[] aad = new byte[40];
    byte[] nonce = new byte[12];
    long sum = 0;
    long start = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < records; i++) {
      byte[] frame = new byte[8 + record.length + 16];
      nonce[0] = (byte) i;
      nonce[1] = (byte) (i >>> 8);
      nonce[2] = (byte) (i >>> 16);
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(aad);
      int o = 8;
      int p = 0;
      for (; record.length - p > 2048; p += 2048) {
        o += c.update(record, p, 2048, frame, o);
      }
      c.doFinal(record, p, record.length - p, frame, o);
      sum += frame[frame.length - 1];
    }
    System.out.printf("cpu_s=%.3f check=%d%n", (threads.getCurrentThreadCpuTime() - start) / 1e9, sum);
  }
}
